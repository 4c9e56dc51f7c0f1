"""Load stage: reading files, splitting front matter, YAML, and the file line of every problem.

Most cases run the real command line (`cmi-site check`) over the minimal tree from conftest.py with
one file added or changed, and assert every problem line exactly, path and line number included.
A few unit tests pin the line arithmetic of split_front_matter and parse_yaml.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from cmi_site.errors import Problem
from cmi_site.load import load_content, read_doc
from cmi_site.models import DocFile, SourceDoc
from cmi_site.source import decode, parse_doc, split_front_matter
from cmi_site.yamlread import parse_yaml
from conftest import Run

# Line 1 '---', then title 2, summary 3, date 4, areas 5, sectors 6, themes 7, '---' 8, body 9.
STORY = """\
---
title: Memory cafe
summary: A memory cafe planned with people living with dementia.
date: 2024-06-01
areas: [suffolk]
sectors: [health]
themes: [dementia]
consent: {date: 2025-01-10, how: in writing}
---
Body text.
"""

Files = Mapping[str, str | bytes | None]


@pytest.fixture
def check(site_dir: Path, run_cli: Callable[..., Run]) -> Callable[..., Run]:
    """Change files of the minimal tree (None deletes one), then run `cmi-site check ARGS`."""

    def run(files: Files, *args: str) -> Run:
        for rel, data in files.items():
            target = site_dir / "content" / rel
            if data is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data, encoding="utf-8")
        return run_cli("check", *args)

    return run


@pytest.fixture
def problems(check: Callable[..., Run]) -> Callable[[Files], list[str]]:
    """The problem lines `cmi-site check` prints for changed files; it must fail, without a traceback."""

    def run(files: Files) -> list[str]:
        result = check(files)
        assert result.code == 1, result.err
        assert "Traceback" not in result.err + result.out
        lines = result.err.splitlines()
        assert lines[-2] == "" and lines[-1].endswith(("error", "errors", "warning", "warnings")), lines
        return lines[:-2]

    return run


# ---- the shape of the file ------------------------------------------------------------------------


def test_file_without_front_matter(problems) -> None:
    assert problems({"stories/x.md": "Just some text.\n"}) == [
        "content/stories/x.md:1: the file does not start with front matter (the first line must be '---', then the fields, then '---')",
    ]


def test_file_without_front_matter_after_blank_lines(problems) -> None:
    assert problems({"stories/x.md": "\n\nJust some text.\n"}) == [
        "content/stories/x.md:3: the file does not start with front matter (the first line must be '---', then the fields, then '---')",
    ]


def test_front_matter_never_closed(problems) -> None:
    assert problems({"stories/x.md": "\n---\ntitle: Memory cafe\nsummary: A cafe.\n"}) == [
        "content/stories/x.md:2: the front matter starts here but is never closed (put a '---' line after the last field)",
    ]


def test_empty_file(problems) -> None:
    assert problems({"stories/x.md": ""}) == [
        "content/stories/x.md:1: the file is empty (it needs front matter between two '---' lines, then the text)",
    ]


def test_file_of_blank_lines_is_empty(problems) -> None:
    assert problems({"stories/x.md": "\n  \n\n"}) == [
        "content/stories/x.md:1: the file is empty (it needs front matter between two '---' lines, then the text)",
    ]


def test_empty_front_matter(problems) -> None:
    assert problems({"stories/x.md": "---\n---\nText.\n"}) == [
        "content/stories/x.md:1: the front matter is empty (write the fields, like 'title: My story', between the two '---' lines)",
    ]


def test_front_matter_that_is_a_list(problems) -> None:
    assert problems({"stories/x.md": "---\n\n- title: Memory cafe\n- summary: A cafe.\n---\n"}) == [
        "content/stories/x.md:3: the front matter is a list, not fields (write one field per line, like 'title: My story')",
    ]


def test_front_matter_that_is_plain_text(problems) -> None:
    assert problems({"stories/x.md": "---\nMemory cafe\n---\n"}) == [
        "content/stories/x.md:2: the front matter is just text, not fields (write one field per line, like 'title: My story')",
    ]


def test_invalid_utf8_reports_the_line_of_the_bad_byte(problems) -> None:
    data = STORY.replace("Memory cafe", "Memory café").encode("cp1252")
    assert problems({"stories/x.md": data}) == [
        "content/stories/x.md:2: the file is not saved as UTF-8 text, and this line has the first character "
        "that cannot be read (save the file again as UTF-8 in your editor)",
    ]


def test_invalid_utf8_in_a_data_file(problems) -> None:
    data = "- id: carers\n  name: Carers\n  description: Unpaid carers\x96and friends.\n".encode("latin-1")
    assert problems({"themes.yml": data}) == [
        "content/themes.yml:3: the file is not saved as UTF-8 text, and this line has the first character "
        "that cannot be read (save the file again as UTF-8 in your editor)",
    ]


def test_non_markdown_file_is_a_warning(check) -> None:
    result = check({"stories/notes.txt": "to do"})
    assert result.code == 0
    assert result.err.splitlines()[0] == "content/stories/notes.txt:1: warning: ignored: only .md files are read here"


def test_stories_in_subfolders_are_read(site_dir: Path) -> None:
    (site_dir / "content/stories/2025").mkdir()
    (site_dir / "content/stories/2025/garden.md").write_text(STORY, encoding="utf-8")
    loaded = load_content(site_dir / "content", site_dir)
    found = next(d for d in loaded.docs if d.stem == "garden")
    data = read_doc(found, loaded.within)
    assert isinstance(data, bytes)
    doc, _ = parse_doc(found, data)
    assert doc is not None
    assert (doc.path, doc.collection, doc.line_of("themes")) == ("content/stories/2025/garden.md", "stories", 7)


# ---- YAML syntax: the line in the file, and words an editor can act on ------------------------------


def test_yaml_syntax_error_is_reported_on_its_line_in_the_file(problems) -> None:
    text = STORY.replace("summary: A memory cafe planned", "summary: Our cafe: planned")
    assert problems({"stories/x.md": text}) == [
        "content/stories/x.md:3: front matter: unexpected ':' (put text that contains ': ' in double quotes, "
        "like title: \"Carers: our story\"; and check that each field starts at the beginning of its line) (fix this first; the rest of the file is checked after)",
    ]


def test_yaml_syntax_error_line_counts_blank_lines_before_and_inside_front_matter(problems) -> None:
    text = "\n\n" + STORY.replace("---\ntitle", "---\n\n\ntitle").replace("summary: A memory cafe", "summary: Cafe: a")
    # 2 blank lines, '---' on 3, 2 blank lines, title on 6, summary on 7.
    assert problems({"stories/x.md": text}) == [
        "content/stories/x.md:7: front matter: unexpected ':' (put text that contains ': ' in double quotes, "
        "like title: \"Carers: our story\"; and check that each field starts at the beginning of its line) (fix this first; the rest of the file is checked after)",
    ]


def test_field_indented_by_mistake(problems) -> None:
    text = STORY.replace("summary:", "  summary:")
    assert problems({"stories/x.md": text}) == [
        "content/stories/x.md:3: front matter: unexpected ':' (put text that contains ': ' in double quotes, "
        "like title: \"Carers: our story\"; and check that each field starts at the beginning of its line) (fix this first; the rest of the file is checked after)",
    ]


def test_missing_colon_is_reported_on_its_own_line_not_the_next(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("title: Memory cafe", "title Memory cafe")}) == [
        "content/stories/x.md:2: front matter: expected 'name: value' on this line "
        "(a field name, a colon and a space, then the value) (fix this first; the rest of the file is checked after)",
    ]


def test_unclosed_quote_is_reported_where_it_opens(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("title: Memory cafe", 'title: "Memory cafe')}) == [
        "content/stories/x.md:2: front matter: a quote opened on this line is never closed (end the text with the same quote mark) (fix this first; the rest of the file is checked after)",
    ]


def test_unclosed_bracket_is_reported_where_it_opens(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("areas: [suffolk]", "areas: [suffolk")}) == [
        "content/stories/x.md:5: front matter: a list in square brackets that starts on this line is not closed properly "
        "(write it like [norfolk, suffolk], and put items that contain ':' or ',' in double quotes) (fix this first; the rest of the file is checked after)",
    ]


def test_text_starting_with_a_star(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("title: Memory cafe", "title: *New* memory cafe")}) == [
        "content/stories/x.md:2: front matter: text cannot start with '*' (put the whole text in double quotes, "
        "like title: \"*New* project\") (fix this first; the rest of the file is checked after)",
    ]


def test_text_starting_with_an_at_sign(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("title: Memory cafe", "title: @memorycafe")}) == [
        "content/stories/x.md:2: front matter: text cannot start with '@' (put the whole text in double quotes) (fix this first; the rest of the file is checked after)",
    ]


def test_text_in_brackets_followed_by_more_text(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("title: Memory cafe", "title: [Draft] Memory cafe")}) == [
        "content/stories/x.md:2: front matter: this line does not fit with the lines above (check the indentation; "
        "and if the text starts with a quote or a bracket and goes on after the closing one, put the whole text in double quotes) (fix this first; the rest of the file is checked after)",
    ]


def test_tab_character(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("sectors: [health]", "sectors: [health]\n\tthemes: [carers]")}) == [
        "content/stories/x.md:7: front matter: a tab character is not allowed here (use spaces instead of tabs) (fix this first; the rest of the file is checked after)",
    ]


def test_invisible_line_separator_pasted_into_text(problems) -> None:
    # U+2028 is a line break to YAML, but editors show the text on one line: report that line, and why.
    assert problems({"stories/x.md": STORY.replace("title: Memory cafe", "title: Memory\u2028cafe")}) == [
        "content/stories/x.md:2: front matter: this line has an invisible line-break character, often pasted from "
        "a web page or a word processor (delete the line and type it again) (fix this first; the rest of the file is checked after)",
    ]


def test_yaml_syntax_error_in_a_data_file(problems) -> None:
    text = "- id: carers\n  name: Carers\n  description: Carers: unpaid.\n"
    assert problems({"themes.yml": text}) == [
        "content/themes.yml:3: unexpected ':' (put text that contains ': ' in double quotes, "
        "like title: \"Carers: our story\"; and check that each field starts at the beginning of its line) (fix this first; the rest of the file is checked after)",
    ]


def test_explicit_yaml_tag_is_reported_not_crashed_on(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("title: Memory cafe", "title: !!float cafe")}) == [
        "content/stories/x.md:2: front matter: '!!float' is a YAML tag, and tags are not used here "
        "(write the value without it; if it is text, put the whole text in double quotes) (fix this first; the rest of the file is checked after)",
    ]


def test_alias_that_contains_itself_does_not_crash(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("title: Memory cafe", "title: &loop [*loop]")}) == [
        "content/stories/x.md:2: front matter: text cannot start with '&' (put the whole text in double quotes) (fix this first; the rest of the file is checked after)",
    ]


# ---- YAML values that would become something the editor did not mean --------------------------------


def test_duplicate_field(problems) -> None:
    assert problems({"stories/x.md": STORY.replace("themes: [dementia]", "themes: [dementia]\ntitle: Memory cafe")}) == [
        "content/stories/x.md:8: title: this field is written twice, here and on line 2 (keep one of them, and delete the other)",
    ]


def test_duplicate_field_does_not_hide_the_other_problems_of_the_file(problems) -> None:
    text = STORY.replace("date: 2024-06-01", "date: May 2024").replace("themes: [dementia]", "themes: [dementia]\ndate: 2024")
    assert problems({"stories/x.md": text}) == [
        "content/stories/x.md:8: date: expected a date, got '2024' (write it as year-month-day, like 2024-01-01)",
        "content/stories/x.md:8: date: this field is written twice, here and on line 4 (keep one of them, and delete the other)",
    ]


def test_duplicate_key_in_a_data_file_is_labelled_with_the_field(problems) -> None:
    text = "- id: dementia\n  name: Dementia\n  description: People with dementia.\n- id: carers\n  name: Carers\n  description: Unpaid carers.\n  name: Carers again\n"
    assert problems({"themes.yml": text}) == [
        "content/themes.yml:7: name: this field is written twice, here and on line 5 (keep one of them, and delete the other)",
    ]


def test_duplicate_rating_in_self_assessment(problems) -> None:
    text = STORY.replace("themes: [dementia]", "themes: [dementia]\nself_assessment:\n  felt-heard: green\n  felt-heard: red")
    assert problems({"stories/x.md": text}) == [
        "content/stories/x.md:10: self_assessment.felt-heard: this field is written twice, here and on line 9 "
        "(keep one of them, and delete the other)",
    ]


def test_text_cut_short_by_a_comment_is_a_warning(check) -> None:
    result = check({"stories/x.md": STORY.replace("title: Memory cafe", "title: Memory cafe #2")})
    assert result.code == 0
    assert result.err.splitlines()[0] == (
        "content/stories/x.md:2: title: warning: only 'Memory cafe' is kept: ' #' starts a comment, so the rest of "
        "the line is left out (put the whole text in double quotes to keep it)"
    )


def test_quoted_text_with_a_hash_is_kept_without_warning(check) -> None:
    result = check({"stories/x.md": STORY.replace("title: Memory cafe", 'title: "Memory cafe #2" # our second')})
    assert (result.code, result.err) == (0, "")


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "NO"])
def test_yes_no_on_off_stay_text(word: str) -> None:
    value, _, problems = parse_yaml(f"area: {word}\n", "x.yml", 1, "")
    assert (value, problems) == ({"area": word}, [])


@pytest.mark.parametrize("raw", ["10:30", "010", "1_000", "0x1F", "1.10", ".inf", "2023-02-30", "2024-05-01", "=", "<<"])
def test_numbers_times_and_dates_stay_text_as_written(raw: str) -> None:
    # YAML 1.1 would make 10:30 the number 630, 010 the number 8 and 1.10 the number 1.1.
    value, _, problems = parse_yaml(f"title: {raw}\n", "x.yml", 1, "")
    assert (value, problems) == ({"title": raw}, [])


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("False", False), ("TRUE", True), ("~", None), ("", None)])
def test_only_true_false_and_null_are_not_text(raw: str, expected: object) -> None:
    assert parse_yaml(f"draft: {raw}\n", "x.yml", 1, "")[0] == {"draft": expected}


def test_event_time_is_not_read_as_a_number(problems) -> None:
    text = "---\ntitle: Open meeting\nstart: 10:30\nlocation: Norwich\n---\n"
    assert problems({"events/x.md": text}) == [
        "content/events/x.md:3: start: expected a date, or a date and time, got '10:30' (write it as year-month-day, with any "
        "time after it on the 24-hour clock, like 2025-03-14 or 2025-03-14 14:30)",
    ]


# ---- line endings, byte order mark ----------------------------------------------------------------


def test_crlf_line_endings_and_bom_keep_the_lines(problems) -> None:
    text = STORY.replace("areas: [suffolk]", "areas: [nofolk]").replace("\n", "\r\n")
    assert problems({"stories/x.md": b"\xef\xbb\xbf" + text.encode("utf-8")}) == [
        "content/stories/x.md:5: areas: unknown area 'nofolk' (did you mean 'norfolk'?)",
    ]


def test_old_mac_line_endings_count_as_lines(problems) -> None:
    text = STORY.replace("areas: [suffolk]", "areas: [nofolk]").replace("\n", "\r")
    assert problems({"stories/x.md": text.encode("utf-8")}) == [
        "content/stories/x.md:5: areas: unknown area 'nofolk' (did you mean 'norfolk'?)",
    ]


def test_decode_strips_the_bom_and_normalises_line_ends() -> None:
    assert decode(b"\xef\xbb\xbfa\r\nb\rc\n", "x.md") == "a\nb\nc\n"


def test_decode_reports_the_line_of_the_first_bad_byte() -> None:
    problem = decode(b"ok\nok\n\xff\n\xfe", "x.md")
    assert isinstance(problem, Problem) and problem.line == 3


# ---- split_front_matter and parse_yaml: the line arithmetic ------------------------------------------


def test_split_front_matter_lines() -> None:
    text = "---\ntitle: x\nsummary: y\n---\nBody\n"
    assert split_front_matter(text, "x.md") == ("title: x\nsummary: y\n", 2, "Body\n", 5)


def test_split_front_matter_after_leading_blank_lines() -> None:
    text = "\n\n---\ntitle: x\n---\n\nBody\n"
    assert split_front_matter(text, "x.md") == ("title: x\n", 4, "\nBody\n", 6)


def test_split_front_matter_with_boundary_whitespace_and_longer_dashes() -> None:
    text = "----  \ntitle: x\n---\t\nBody"
    assert split_front_matter(text, "x.md") == ("title: x\n", 2, "Body", 4)


def test_split_front_matter_keeps_later_rules_in_the_body() -> None:
    text = "---\ntitle: x\n---\nBefore\n\n---\n\nAfter\n"
    assert split_front_matter(text, "x.md") == ("title: x\n", 2, "Before\n\n---\n\nAfter\n", 4)


def test_split_front_matter_without_body() -> None:
    assert split_front_matter("---\ntitle: x\n---", "x.md") == ("title: x\n", 2, "", 3)


def test_split_front_matter_dashes_not_at_line_start_are_not_front_matter() -> None:
    problem = split_front_matter("  ---\ntitle: x\n---\n", "x.md")
    assert isinstance(problem, Problem) and problem.line == 1 and "does not start with front matter" in problem.message


def test_split_front_matter_only_an_opening_line() -> None:
    problem = split_front_matter("---", "x.md")
    assert isinstance(problem, Problem) and problem.line == 1 and "never closed" in problem.message


def test_parse_yaml_lines_are_file_lines() -> None:
    text = "title: x\n\nareas:\n  - a\n  - b\nupdates:\n  - date: 2025-01-01\n    text: t\n"
    value, lines, problems = parse_yaml(text, "x.md", 5, "front matter")
    assert problems == []
    assert value["areas"] == ["a", "b"]
    assert lines == {
        (): 5, ("title",): 5, ("areas",): 7, ("areas", 0): 8, ("areas", 1): 9,
        ("updates",): 10, ("updates", 0): 11, ("updates", 0, "date"): 11, ("updates", 0, "text"): 12,
    }  # fmt: skip


def test_parse_yaml_error_line_is_offset_by_the_first_line() -> None:
    value, lines, problems = parse_yaml("a: b\n\nc: d: e\n", "x.md", 10, "front matter")
    assert value is None and lines == {}
    assert [(p.line, p.field) for p in problems] == [(12, "front matter")]


def test_parse_yaml_empty_text() -> None:
    assert parse_yaml("", "x.md", 2, "front matter") == (None, {}, [])
    assert parse_yaml("# only a comment\n", "x.md", 2, "front matter") == (None, {}, [])


def test_read_doc_with_crlf_bom_and_blank_lines(tmp_path: Path) -> None:
    file = tmp_path / "content" / "stories" / "x.md"
    file.parent.mkdir(parents=True)
    file.write_bytes(b"\xef\xbb\xbf\r\n---\r\ntitle: x\r\n\r\nareas: [a]\r\n---\r\nBody\r\n")
    doc, problems = parse_doc(DocFile(file, "content/stories/x.md", "stories", "x"), file.read_bytes())
    assert problems == []
    assert isinstance(doc, SourceDoc)
    assert (doc.path, doc.stem, doc.meta, doc.body, doc.body_line) == ("content/stories/x.md", "x", {"title": "x", "areas": ["a"]}, "Body\n", 7)
    assert (doc.line_of("title"), doc.line_of("areas", 0), doc.line_of("missing")) == (3, 5, 1)


# ---- libyaml and PyYAML agree -----------------------------------------------------------------------

SHIPPED = Path(__file__).resolve().parent.parent / "content"
YAML_SNIPPETS = [
    "title: Café “quoted” ✓ 😀\nsummary: x # cut\n",
    "title: x\n\u2028summary: y\n",
    "a: 1\na: 2\n",
    "areas: [norfolk, 'suffolk']\nlist:\n  - one\n  -\n  - {date: 2024-01-01, text: x}\n",
    "text: |\n  block\n  lines\nfolded: >\n  a\n  b\n",
    "x: &a [*a]\n",
    "x: !!float abc\n",
    "title Cafe\nsummary: y\n",
    "title: 'unclosed\n",
    "\ttitle: tab\n",
    "key: [a, b] more\n",
    "- a\n- b\n",
    "just text\n",
    "# only a comment\n",
    "",
]


def _shipped_yaml() -> list[str]:
    texts = [f.read_text(encoding="utf-8") for f in sorted(SHIPPED.glob("*.yml"))]
    for doc in sorted(SHIPPED.glob("*/*.md")):
        parts = split_front_matter(doc.read_text(encoding="utf-8"), doc.name)
        assert not isinstance(parts, Problem)
        texts.append(parts[0])
    return texts


@pytest.mark.parametrize("text", YAML_SNIPPETS + _shipped_yaml())
def test_libyaml_reads_exactly_what_pyyaml_reads(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import cmi_site.yamlread as yaml_module

    fast = parse_yaml(text, "x.yml", 2, "front matter")
    monkeypatch.setattr(yaml_module, "LOADERS", (yaml_module.ContentLoader,))
    assert repr(fast) == repr(parse_yaml(text, "x.yml", 2, "front matter"))  # repr: a value may contain itself
