"""Problem reports quote content (file names, field names, values in messages): the pull request comment,
rendered by GitHub's own Markdown renderer, and the Actions annotations, read back as the runner does,
show that text literally and nothing else."""

from __future__ import annotations

from html.parser import HTMLParser

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given
from hypothesis import strategies as st

from cmi_site.errors import Problem
from cmi_site.reports import MAX_COMMENT_CHARS, REPORT_MARKER, code_span, format_problem, markdown_report, visible

# Pieces of Markdown, HTML and GitHub syntax a contributor might try, and characters that start them.
ATTACKS = [
    "[click](https://evil.example)", "![img](https://evil.example/x.png)", "<https://evil.example>", "www.evil.example",
    "https://evil.example/a_b", "someone@evil.example", "@octocat", "@org/team", "#1", "GH-12", "owner/repo#3", ":smile:",
    "# heading", "\n# heading", "\n\n## h", "<b>bold</b>", "<img src=x onerror=alert(1)>", "<!--", "-->", REPORT_MARKER,
    "<details><summary>x", "*em*", "**strong**", "_em_", "~~del~~", "`", "``", "` `", "\\`", "\\", "&amp;", "&#64;",
    "| a | b |\n|---|---|", "\n    indented", "\n> quote", "\n1. item", "\n---", "\n===", "[x]: https://evil.example",
    "[ref][x]", "- [ ] task", "$x$", "\r", "\r\n", "\u2028", "\u202e", "\u200b", "\x00", "\x1b[31m", "\ud800", "   ", " ",
]  # fmt: skip
content_text = st.lists(st.sampled_from(ATTACKS) | st.text(max_size=6), max_size=5).map("".join)


def render(markdown: str) -> str:
    """The comment as GitHub renders it (raw HTML let through, so that any that leaks shows)."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class Shape(HTMLParser):
    """Every tag, attribute and comment of rendered HTML, the text outside <code> elements (where GitHub
    makes mentions, references and emoji), and the text of each <code> element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[object] = []
        self.outside: list[str] = []
        self.codes: list[str] = []
        self._in_code = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        if tag == "code":
            self._in_code = True
            self.codes.append("")

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(f"/{tag}")
        self._in_code = self._in_code and tag != "code"

    def handle_comment(self, data: str) -> None:
        self.tags.append(("comment", data))

    def handle_data(self, data: str) -> None:
        if self._in_code:
            self.codes[-1] += data
        else:
            self.outside.append(data)


def placeholders(problems: list[Problem]) -> list[Problem]:
    """The same problems with harmless text from content: one name per distinct path, 'f' and 'm'."""
    names = {path: f"p{n}" if path else "" for n, path in enumerate(dict.fromkeys(p.path for p in problems))}
    return [Problem(names[p.path], p.line, "f" if p.field else "", "m" if p.message else "", p.severity) for p in problems]


problem = st.builds(Problem, content_text, st.integers(0, 10**6), content_text, content_text, st.sampled_from(["error", "warning"]))


@pytest.mark.fuzz
@given(st.lists(problem, min_size=1, max_size=4), st.booleans())
def test_the_pull_request_comment_shows_content_literally_and_nothing_else(problems: list[Problem], strict: bool) -> None:
    rendered = Shape(render(markdown_report(problems, strict)))
    plain = Shape(render(markdown_report(placeholders(problems), strict)))
    # The same tags, attributes and comments as with harmless text: no link, image, heading, emphasis,
    # table, HTML or comment made from content; the marker comment is the report's own, first and whole.
    assert rendered.tags == plain.tags
    assert rendered.tags[0] == ("comment", REPORT_MARKER[4:-3])
    # Outside code spans (where GitHub looks for @mentions, #references and emoji) only the report's own words.
    assert rendered.outside == plain.outside
    # Every path, field and message is there, in order, readable: exactly as visible() shows it.
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    quoted = [visible(text) for path, found in by_file.items()
              for text in [path, *(t for p in found for t in (p.field, p.message))] if text]  # fmt: skip
    assert [code for code in rendered.codes if code not in ("docs/content.md", "CONTRIBUTING.md")] == quoted


@pytest.mark.parametrize("text", ["a`b", "`a", "a`", "``a``", " a ", " ", "a ` b", "```"])
def test_a_code_span_holds_any_backticks_and_spaces(text: str) -> None:
    assert Shape(render(code_span(text))).codes == [text]


def test_visible_shows_what_does_not_print() -> None:
    assert visible("a\nb\r\tc\x00\x1b\u202e\u200b\u2028\ud800 é🙂 ") == "a\\nb\\r\\tc\\x00\\x1b\\u202e\\u200b\\u2028\\ud800 é🙂 "


def test_a_report_of_very_many_problems_fits_in_a_github_comment() -> None:
    problems = [Problem(f"content/stories/story-{n:05}.md", 3, "areas", "unknown area 'x' " * 20) for n in range(2000)]
    report = markdown_report(problems, strict=False)
    assert len(report) <= MAX_COMMENT_CHARS
    shown = report.count("- **Problem**")
    assert 0 < shown < 2000
    assert report.endswith(f"…and {2000 - shown} more: run `cmi-site check` to see every one.\n\n"
                           "Field names and allowed values are explained in `docs/content.md`; `CONTRIBUTING.md` has a checklist.\n")  # fmt: skip
    assert Shape(render(report)).tags.count("/h4") == shown


def read_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command read as the Actions runner does (ActionCommand.TryParseV2): the command, its
    properties and its message, each unescaped."""
    assert line.startswith("::") and "\n" not in line and "\r" not in line
    end = line.index("::", 2)
    command, _, props = line[2:end].partition(" ")

    def unescape(text: str, prop: bool) -> str:
        pairs = [("%0D", "\r"), ("%0A", "\n"), *([("%3A", ":"), ("%2C", ",")] if prop else []), ("%25", "%")]
        for escaped, char in pairs:
            text = text.replace(escaped, char)
        return text

    properties = dict(pair.split("=", 1) for pair in props.split(",") if pair)
    return command, {key: unescape(value, True) for key, value in properties.items()}, unescape(line[end + 2 :], False)


@pytest.mark.fuzz
@given(problem)
def test_a_github_annotation_is_one_command_with_the_problem_as_it_is(found: Problem) -> None:
    command, properties, message = read_annotation(format_problem(found, "github"))
    assert command == ("error" if found.is_error else "warning")
    assert properties == {"file": visible(found.path), "line": str(found.line), "title": visible(found.field or "content")}
    assert message == visible(found.message)


def test_a_github_annotation_escapes_what_would_end_it() -> None:
    found = Problem("content/a,b:c%d.md", 3, "x::y", "100% sure, a::b\nc\rd")
    assert format_problem(found, "github") == "::error file=content/a%2Cb%3Ac%25d.md,line=3,title=x%3A%3Ay::100%25 sure, a::b\\nc\\rd"


def test_a_problem_is_one_line_in_the_terminal() -> None:
    assert format_problem(Problem("content/a\nb.md", 1, "t\x1bx", "bad\u202e"), "text") == "content/a\\nb.md:1: t\\x1bx: bad\\u202e"
