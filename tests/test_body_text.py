"""What an editor left in a body that would read wrongly on the page (issue 13): the guidance text of
`cmi-site new` (an error at its line), and a heading the page already shows from a field (a
warning); and no page of the sample site shows the same heading twice."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import TODAY, problem_lines

GUIDANCE_ERROR = ("body: guidance text (from `cmi-site new` or an example) is still here, and would be shown on the page "
                  "(replace this line with your own words)")  # fmt: skip


class Headings(HTMLParser):
    """An HTML page -> the text of each h1..h6, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.depth += 1
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1] += data


def headings(page: Path) -> list[str]:
    parser = Headings()
    parser.feed(page.read_text(encoding="utf-8"))
    return [" ".join(text.split()).casefold() for text in parser.found]


def test_no_page_of_the_sample_site_shows_a_heading_twice(sample_site: Path) -> None:
    twice = {str(page.relative_to(sample_site)): sorted(h for h, n in Counter(headings(page)).items() if n > 1)
             for page in sorted(sample_site.rglob("*.html"))}  # fmt: skip
    assert {page: found for page, found in twice.items() if found} == {}


@pytest.mark.parametrize(("kind", "title"), [("story", "A new story"), ("signatory", "A Person"), ("event", "A meeting"),
                                             ("page", "A page")])  # fmt: skip
def test_guidance_left_in_by_cmi_site_new_is_an_error_at_its_line(site_dir: Path, run_cli, kind: str, title: str) -> None:
    assert run_cli("new", kind, title, "--today", TODAY.isoformat()).code == 0
    path = next(site_dir.glob("content/*/a-*.md")).relative_to(site_dir)
    lines = path.read_text(encoding="utf-8").splitlines()
    where = next(n for n, line in enumerate(lines, 1) if line.startswith(("Write ", "Say what")))
    result = run_cli("check")
    assert result.code == 1
    assert f"{path}:{where}: {GUIDANCE_ERROR}" in problem_lines(result)
    path.write_text("\n".join([*lines[: where - 1], "Our own words.", *lines[where:]]) + "\n", encoding="utf-8")
    assert not [line for line in problem_lines(run_cli("check")) if "guidance" in line]


def test_guidance_is_found_in_any_spacing_and_case_but_not_in_code(site_dir: Path, run_cli, content_files) -> None:
    story = site_dir / "content/stories/memory-cafe.md"
    body = ("We met.\n\n  write YOUR story   here, in plain English.\n\n```\nWrite the story here, in plain English.\n```\n\n"
            "These headings help readers:\n")  # fmt: skip
    story.write_text(content_files["stories/memory-cafe.md"].split("---\n")[1].join(["---\n", "---\n"]) + body, encoding="utf-8")
    start = len(content_files["stories/memory-cafe.md"].split("---\n")[1].splitlines()) + 3
    assert problem_lines(run_cli("check")) == [f"content/stories/memory-cafe.md:{start + 2}: {GUIDANCE_ERROR}",
                                               f"content/stories/memory-cafe.md:{start + 8}: {GUIDANCE_ERROR}"]  # fmt: skip


def test_a_body_heading_the_page_shows_from_a_field_is_a_warning(site_dir: Path, run_cli) -> None:
    story = site_dir / "content/stories/respite-with-carers.md"
    text = story.read_text(encoding="utf-8") + "\n## What changed\n\nA lot.\n\n## What we learned ##\n\nPatience.\n"
    story.write_text(text, encoding="utf-8")
    changed = text.splitlines().index("## What changed") + 1
    assert problem_lines(run_cli("check")) == [
        f"content/stories/respite-with-carers.md:{changed}: body: warning: the page already shows a heading 'What changed', "
        "made from `outcomes:`, so it would appear twice (give this section another heading, or move its points into the field)",
    ]  # lessons: is empty here, so the page shows no "What we learned" of its own
