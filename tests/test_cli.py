"""The command line: new, check --format github, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import TODAY

FILL = {
    "story": {"summary:": "summary: Carers redesigned respite.", "areas:": "areas: [norfolk]",
              "sectors:": "sectors: [social-care]", "themes:": "themes: [carers]",
              "consent:": "consent: {date: 2025-01-10, how: in writing}"},
    "signatory": {"role:": "role: Director", "organisation:": "organisation: Fenside Council", "area:": "area: suffolk",
                  "sector:": "sector: health", "commitments:": "commitments: [Listen]"},
    "event": {"start:": "start: 2027-01-05 10:00", "location:": "location: Ipswich"},
    "page": {},
}  # fmt: skip
# The guidance line `new` writes in each kind's body: an error until it is replaced (tests/test_body_text.py).
GUIDANCE = {"story": "Write the story here, in plain English. These headings help readers:",
            "signatory": "Write your statement here: why you signed the pledge, in your own words.",
            "event": "Say what the event is about, who it is for, and how to join in.", "page": "Write the page here."}  # fmt: skip


@pytest.mark.parametrize("kind", ["story", "signatory", "event", "page"])
def test_new_file_validates_once_filled_in(site_dir: Path, run_cli, kind: str) -> None:
    result = run_cli("new", kind, "Tea & Talk: Carers in Thetford")
    assert result.code == 0, result.err
    folder = {"story": "stories", "signatory": "signatories", "event": "events", "page": "pages"}[kind]
    path = Path(f"content/{folder}/tea-talk-carers-in-thetford.md")
    assert result.out == f"{path}\n"
    text = path.read_text(encoding="utf-8")
    assert '"Tea & Talk: Carers in Thetford"' in text
    if kind in ("story", "signatory"):
        assert TODAY.isoformat() in text
    if kind == "story":
        assert "# Allowed: norfolk, suffolk, region" in text
        assert "# Allowed: informing, consulting, engaging, co-design, co-production" in text
    unfilled = run_cli("check")
    assert unfilled.code == 1
    missing = {line.split(": ")[1] for line in unfilled.err.splitlines() if str(path) in line}
    assert missing == {key.rstrip(":") for key in FILL[kind]} | {"body"}
    for key, value in [*FILL[kind].items(), (GUIDANCE[kind], "Our own words.")]:
        text = re.sub(rf"^{re.escape(key)}$", value, text, flags=re.M)
    path.write_text(text, encoding="utf-8")
    checked = run_cli("check")
    assert checked.code == 0, checked.err
    assert run_cli("build").code == 0
    assert Path("_site", {"story": "stories", "signatory": "signatories", "event": "events", "page": ""}[kind],
                "tea-talk-carers-in-thetford", "index.html").is_file()  # fmt: skip


def test_new_refuses_to_overwrite(site_dir: Path, run_cli) -> None:
    assert run_cli("new", "story", "Respite with carers").code == 1
    result = run_cli("new", "story", "Respite with carers")
    assert result.code == 1 and "already exists; nothing was written" in result.err
    assert "Carers and commissioners redesigned respite together." in Path(
        "content/stories/respite-with-carers.md").read_text()


def test_new_needs_letters_in_the_title(site_dir: Path, run_cli) -> None:
    result = run_cli("new", "story", "!!!")
    assert result.code == 2 and "cannot make a file name" in result.err


def test_check_github_annotations(site_dir: Path, run_cli) -> None:
    story = Path("content/stories/memory-cafe.md")
    story.write_text(story.read_text().replace("areas: [suffolk, region]", "areas: [nofolk, region]")
                     .replace("date: 2024-06-01", "date: 2024-06-01\nsummery: x"))
    result = run_cli("check", "--format", "github")
    assert result.code == 1
    assert result.err.splitlines() == [
        "::warning file=content/stories/memory-cafe.md,line=5,title=summery::unknown field, so it is ignored (did you mean 'summary'?)",
        "::error file=content/stories/memory-cafe.md,line=6,title=areas::unknown area 'nofolk' (did you mean 'norfolk'?)",
    ]


def test_check_writes_nothing(site_dir: Path, run_cli) -> None:
    result = run_cli("check")
    assert result.code == 0 and result.out == "No problems found in content.\n"
    assert not Path("_site").exists()


def test_a_template_mistake_is_reported_with_its_file_and_line(site_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from cmi_site.cli import main
    from conftest import TEMPLATES

    shutil.copytree(TEMPLATES, site_dir / "templates")
    assert main(["build", "--today", TODAY.isoformat()]) == 0
    story = site_dir / "templates/story.html"
    story.write_text(story.read_text(encoding="utf-8").replace("<h1>", "<h1>{{ story.no_such_field }}", 1), encoding="utf-8")
    capsys.readouterr()
    assert main(["build", "--today", TODAY.isoformat()]) == 1
    err = capsys.readouterr().err
    assert err.startswith("templates/story.html:7: template: 'cmi_site.models.Story object' has no attribute 'no_such_field' ("), err
    assert "Traceback" not in err and "_site was left as it was" in err


def test_missing_content_folder_is_a_usage_error(tmp_path: Path, monkeypatch, run_cli) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("build")
    assert result.code == 2 and "no content folder at content" in result.err


def test_check_markdown_report_for_pull_requests(site_dir: Path, run_cli) -> None:
    story = Path("content/stories/memory-cafe.md")
    story.write_text(story.read_text().replace("areas: [suffolk, region]", "areas: [\"@someone <b>\", region]"))
    result = run_cli("check", "--format", "markdown")
    assert result.code == 1
    assert result.out.splitlines() == [
        "<!-- cmi-site check report -->",
        "### ❌ The content check found 1 problem to fix",
        "",
        "Thank you for your contribution. Below is each problem, the file it is in and the line number. Edit the "
        "file, change what is described, and commit: this comment will update by itself.",
        "",
        "#### `content/stories/memory-cafe.md`",
        "",
        "- **Problem** on line 5, field `areas`: `unknown area '@someone <b>' (expected one of: norfolk, suffolk, region)`",
        "",
        "Field names and allowed values are explained in `docs/content.md`; `CONTRIBUTING.md` has a checklist.",
    ]


def test_check_markdown_report_when_all_is_well(site_dir: Path, run_cli) -> None:
    result = run_cli("check", "--format", "markdown")
    assert result.code == 0
    assert result.out.startswith("<!-- cmi-site check report -->\n### ✅ The content check found no problems")


def test_check_markdown_report_quotes_a_hostile_file_name_literally(site_dir: Path, run_cli) -> None:
    import cmarkgfm

    name = "a`b`](https:evil)<img src=x>@team #1.md"
    Path("content/stories", name).write_text(Path("content/stories/memory-cafe.md").read_text())
    result = run_cli("check", "--format", "markdown")
    assert result.code == 1
    assert "#### ``content/stories/a`b`](https:evil)<img src=x>@team #1.md``" in result.out.splitlines()
    html = cmarkgfm.github_flavored_markdown_to_html(result.out, options=cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE)
    assert "<h4><code>content/stories/a`b`](https:evil)&lt;img src=x&gt;@team #1.md</code></h4>" in html
    assert "<img" not in html and "<a " not in html
