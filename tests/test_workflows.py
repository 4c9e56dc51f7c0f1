"""One set of rules for review and for publishing: the pull-request workflow and the publish workflow
run the same check with the same options, so what passes review publishes once merged (issue 13)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github/workflows"
# Options that change only how problems are shown or where the site goes, never which problems
# block: every other option (--strict, --drafts, --today ...) must be the same in every command.
SHOWN_ONLY = {"--format", "--base-url", "--output", "--no-cache", "--explain"}
TAKES_VALUE = {"--format", "--base-url", "--output", "--content", "--templates", "--today"}


def commands(workflow: str) -> list[tuple[str, list[str]]]:
    """A workflow file -> every cmi-site command its steps run: (step name, argv after cmi-site)."""
    steps: list[dict[str, Any]] = [step for job in yaml.safe_load((WORKFLOWS / workflow).read_text())["jobs"].values()
                                   for step in job.get("steps", [])]  # fmt: skip
    found = []
    for step in steps:
        for line in str(step.get("run", "")).splitlines():
            words = command_words(line)
            if words[:1] == ["cmi-site"]:
                found.append((step.get("name", ""), words[1:]))
            elif words[:2] == ["python", "build.py"]:
                found.append((step.get("name", ""), ["build", *words[2:]]))
    return found


def command_words(line: str) -> list[str]:
    """A shell line -> its first command's words, without redirections, pipes or what follows them."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split, lexer.commenters = True, "#"
    words = list(lexer)
    cut = next((n for n, word in enumerate(words) if word and set(word) <= set("<>|&;()")), len(words))
    return words[: cut - 1] if cut and cut < len(words) and words[cut - 1].isdigit() else words[:cut]


def rules(argv: list[str]) -> list[str]:
    """A command's argv -> the options that decide which problems block (sorted)."""
    kept, words = [], iter(argv[1:])
    for word in words:
        name = word.split("=", 1)[0]
        value = next(words, "") if name in TAKES_VALUE and "=" not in word else ""
        if name not in SHOWN_ONLY:
            kept.append(f"{word} {value}".strip())
    return sorted(kept)


def test_both_workflows_check_and_build_with_the_same_rules() -> None:
    pull_request, publish = commands("pull-request.yml"), commands("publish.yml")
    assert any(argv[0] == "check" for _, argv in pull_request), "the pull-request workflow must run cmi-site check"
    assert any(argv[0] == "check" for _, argv in publish), "the publish workflow must run cmi-site check"
    assert any(argv[0] == "build" for _, argv in publish)
    every = {" ".join(rules(argv)) or "(none)": f"{name}: {shlex.join(argv)}" for name, argv in pull_request + publish}
    assert len(every) == 1, f"the workflows' commands decide differently what blocks: {sorted(every.values())}"


def test_the_publish_check_stops_before_the_build_and_reports_on_the_summary_page() -> None:
    steps = yaml.safe_load((WORKFLOWS / "publish.yml").read_text())["jobs"]["build"]["steps"]
    names = [step.get("name") for step in steps]
    check = steps[names.index("Check the content")]
    assert names.index("Check the content") < names.index("Build")
    assert "continue-on-error" not in check and "if" not in check
    assert 'cmi-site check --format summary >> "$GITHUB_STEP_SUMMARY"' in check["run"]
    assert check["run"].rstrip().endswith('exit "$status"')


def test_the_publish_build_has_the_history_for_last_updated() -> None:
    steps = yaml.safe_load((WORKFLOWS / "publish.yml").read_text())["jobs"]["build"]["steps"]
    checkout = next(step for step in steps if str(step.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # else a shallow clone: no dates at all (tests/test_history.py)


def test_what_passes_review_publishes(site_dir: Path, run_cli) -> None:
    """A warning (here a long Easy Read sentence) is a suggestion at review and does not stop publishing."""
    long_sentence = " ".join(["word"] * 16) + "."
    (site_dir / "content/pages/help.md").write_text(f"---\ntitle: Help\neasy_read: {long_sentence}\n---\nText.\n")
    for workflow in ("pull-request.yml", "publish.yml"):
        for _, argv in commands(workflow):
            argv = [word if "${{" not in word else "https://example.org/" for word in argv]
            result = run_cli(*argv)
            assert result.code == 0, (workflow, argv, result.err)
    assert "**Suggestion** on line 3, field `easy_read`" in run_cli("check", "--format", "markdown").out


def test_the_publish_summary_says_the_site_was_not_updated(site_dir: Path, run_cli) -> None:
    story = site_dir / "content/stories/memory-cafe.md"
    story.write_text(story.read_text().replace("areas: [suffolk, region]", "areas: [nowhere]"))
    result = run_cli("check", "--format", "summary")
    assert result.code == 1
    assert result.out.splitlines()[3].startswith("The website was not updated: it still shows the last version")
    assert "- **Problem** on line 5, field `areas`: `unknown area 'nowhere'" in result.out
