"""Front matter and text an attacker (or Word) might write: YAML that used to end in a traceback,
characters that break feed.xml, HTML and .ics lines, messages that would quote them raw, and content
folders left empty by a botched merge.

Every case runs `cmi-site check` and `cmi-site build` (the `refused` fixture): both exit 1 with the
same problem lines, each one line, and the site built before is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cmi_site.fields import AREA_FIELDS, COLLECTION_FIELDS, SITE_FIELDS, STATEMENT_FIELDS, TERM_FIELDS
from cmi_site.schema import FieldSpec
from cmi_site.yamlread import FIX_FIRST
from conftest import MINIMAL, Run, dedent

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
VT = "the character U+000B (vertical tab, which Word's Shift+Enter pastes as a line break), which is not allowed"


def write(site_dir: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        target = site_dir / "content" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))


def with_title(title: str) -> str:
    return STORY.replace("title: Memory cafe", title)


def added(lines: str) -> str:
    """STORY with lines added after themes: the first added line is line 8."""
    return STORY.replace("themes: [dementia]\n", f"themes: [dementia]\n{lines}\n")


def laughs() -> str:
    """'Billion laughs': nine lines that stand for 9**7 (4.8 million) items."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 8)]
    return added("\n".join(lines))


# ---- front matter that used to end in a traceback ---------------------------------------------------

QUOTE_IT = "put the whole text in double quotes"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(with_title("title: {Carers, our story"), f"2: front matter: a '{{' on this line is not closed properly "
                     f"(if it is text, {QUOTE_IT})" + FIX_FIRST, id="unclosed-brace"),
        pytest.param(added("[carers]: yes"), "8: front matter: a field name cannot be a list or a set of fields "
                     f"(if it is text that starts with '[' or '{{', {QUOTE_IT})" + FIX_FIRST, id="list-as-key"),
        pytest.param(added("? [a, b]\n: x"), "8: front matter: a field name cannot be a list or a set of fields "
                     f"(if it is text that starts with '[' or '{{', {QUOTE_IT})" + FIX_FIRST, id="complex-key"),
        pytest.param(added("draft: !!bool maybe"), "8: front matter: '!!bool' is a YAML tag, and tags are not used here "
                     f"(write the value without it; if it is text, {QUOTE_IT})" + FIX_FIRST, id="bool-tag"),
        pytest.param(with_title("title: !!int 0x" + "f" * 20_000), "2: front matter: '!!int' is a YAML tag, and tags are not "
                     f"used here (write the value without it; if it is text, {QUOTE_IT})" + FIX_FIRST, id="huge-int"),
        pytest.param(with_title("title: " + "[" * 1000 + "]" * 1000), "2: front matter: lists and fields are nested more than "
                     f"20 deep here (content needs 4 at most: check that each '[' and '{{' is closed, and {QUOTE_IT} if it is "
                     "text)" + FIX_FIRST, id="nested-1000"),
        pytest.param(with_title("title: " + "{a: " * 600), "2: front matter: lists and fields are nested more than 20 deep here "
                     f"(content needs 4 at most: check that each '[' and '{{' is closed, and {QUOTE_IT} if it is text)" + FIX_FIRST,
                     id="nested-unclosed"),
        pytest.param(with_title("title: Carers\x0bour story"), f"2: front matter: this line has {VT} (delete it; it is "
                     "invisible in most editors, so if you cannot find it, type the line again)", id="raw-vertical-tab"),
        pytest.param(laughs(), f"8: front matter: text cannot start with '&' ({QUOTE_IT})" + FIX_FIRST, id="billion-laughs"),
        pytest.param(added("people: [*x]"), f"8: front matter: text cannot start with '*' ({QUOTE_IT}, like "
                     "title: \"*New* project\")" + FIX_FIRST, id="alias"),
        pytest.param(added("people: !!set {a, b}"), "8: front matter: '!!set' is a YAML tag, and tags are not used here "
                     f"(write the value without it; if it is text, {QUOTE_IT})" + FIX_FIRST, id="set-tag"),
        pytest.param(with_title('title: "a \\ud800 b"'), "2: title: the text has the character U+D800 (half of a character "
                     "pair, which cannot be stored on its own), which is not allowed (delete the escape that writes it in "
                     "the double-quoted text, like \\ud800)", id="lone-surrogate"),
    ],
)  # fmt: skip
def test_front_matter_that_crashed_is_one_problem(built: Path, site_dir: Path, refused, text: str, expected: str) -> None:
    write(site_dir, {"stories/x.md": text})
    assert refused() == [f"content/stories/x.md:{expected}"]


def test_anchor_and_alias_in_a_data_file(site_dir: Path, refused) -> None:
    themes = dedent(MINIMAL["themes.yml"]) + "- &x\n  id: x\n  name: X\n  description: X.\n- *x\n"
    write(site_dir, {"themes.yml": themes})
    assert refused() == [f"content/themes.yml:7: text cannot start with '&' ({QUOTE_IT})" + FIX_FIRST]


# ---- control characters in every text field ---------------------------------------------------------

ESCAPED = '"a\\vb"'  # a vertical tab written as an escape in double quotes
BASES = {
    "stories": {"title": "Memory cafe", "summary": "A cafe.", "date": "2024-06-01", "areas": "[suffolk]", "sectors": "[health]",
                "themes": "[dementia]"},
    "signatories": {"name": "Sam", "role": "Director", "organisation": "Fenside", "area": "norfolk", "sector": "health",
                    "signed": "2024-05-01", "commitments": "[Listen]"},
    "events": {"title": "Open meeting", "start": "2027-02-11", "location": "Norwich"},
    "pages": {"title": "About"},
}  # fmt: skip


def bad_value(spec: FieldSpec) -> tuple[str, str]:
    """(a YAML value for the field holding a vertical tab, the label of the problem's field)."""
    if spec.kind.startswith("list of date"):
        return f"[{{date: 2025-01-01, text: {ESCAPED}}}]", f"{spec.name}.text"
    if spec.kind.startswith("list"):
        return f"[x, {ESCAPED}]", spec.name
    if spec.kind.startswith("statement id"):
        return f"{{felt-heard: {ESCAPED}}}", f"{spec.name}.felt-heard"
    return ESCAPED, spec.name


FIELD_CASES = [
    pytest.param(collection, spec, id=f"{collection}-{spec.name}")
    for collection, fields in COLLECTION_FIELDS.items()
    for spec in fields
]


@pytest.mark.parametrize(("collection", "spec"), FIELD_CASES)
def test_control_character_in_any_field_of_any_collection(site_dir: Path, refused, collection: str, spec: FieldSpec) -> None:
    value, label = bad_value(spec)
    fields = {**BASES[collection], spec.name: value}
    lines = [f"{name}: {text}" for name, text in fields.items()]
    write(site_dir, {f"{collection}/x.md": "---\n" + "\n".join(lines) + "\n---\nText.\n"})
    line = 2 + list(fields).index(spec.name)
    found = refused()
    assert (f"content/{collection}/x.md:{line}: {label}: the text has {VT} (delete the escape that writes it in the "
            "double-quoted text, like \\u000b)") in found  # fmt: skip


DATA_CASES = [pytest.param("site.yml", spec, id=f"site-{spec.name}") for spec in SITE_FIELDS] + [
    pytest.param(name, spec, id=f"{name.removesuffix('.yml')}-{spec.name}")
    for name, fields in (("areas.yml", AREA_FIELDS), ("themes.yml", TERM_FIELDS), ("self-assessment.yml", STATEMENT_FIELDS))
    for spec in fields
]


@pytest.mark.parametrize(("name", "spec"), DATA_CASES)
def test_control_character_in_any_field_of_any_data_file(site_dir: Path, refused, name: str, spec: FieldSpec) -> None:
    value, label = bad_value(spec)
    text = dedent(MINIMAL[name])
    if name == "site.yml":
        text += f"{spec.name}: {value}\n"
    else:
        fields = {field.name: "x" if field.kind != "list of text" else "[x]" for field in dict(
            site=SITE_FIELDS, areas=AREA_FIELDS, themes=TERM_FIELDS, **{"self-assessment": STATEMENT_FIELDS}
        )[name.removesuffix(".yml")]}  # fmt: skip
        fields = {**fields, "id": "new-one", spec.name: value}
        text += "- " + "\n  ".join(f"{field}: {data}" for field, data in fields.items()) + "\n"
    write(site_dir, {name: text})
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.lstrip("- ").startswith(f"{spec.name}: {value}"))
    found = refused()
    expected = f"content/{name}:{line}: {label}: the text has {VT} (delete the escape that writes it in the double-quoted text, like \\u000b)"
    assert expected in found


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param('self_assessment: {"felt\\theard": green}', "8: self_assessment.felt\\theard: the field name has the "
                     "character U+0009 (tab), which is not allowed (delete the escape that writes it in the double-quoted "
                     "text, like \\u0009)", id="self-assessment-key"),
        pytest.param('"sum\\nmary": x', "8: sum\\nmary: the field name has the character U+000A (line break), which is not "
                     "allowed (delete the escape that writes it in the double-quoted text, like \\u000a)", id="field-name"),
        pytest.param('people: ["\\x85", "\\uFFFE", "\\x7f", "\\0"]', "8: people: the text has the character U+0000 (null), "
                     "which is not allowed (delete the escape that writes it in the double-quoted text, like \\u0000)",
                     id="first-of-several"),
    ],
)  # fmt: skip
def test_control_character_in_a_field_name(site_dir: Path, refused, lines: str, expected: str) -> None:
    write(site_dir, {"stories/x.md": added(lines)})
    assert f"content/stories/x.md:{expected}" in refused()


@pytest.mark.parametrize(
    ("char", "what"),
    [
        ("\x0b", "U+000B (vertical tab, which Word's Shift+Enter pastes as a line break)"),
        ("\x0c", "U+000C (form feed, a page break)"),
        ("\x7f", "U+007F (delete)"),
        ("\x85", "U+0085 (next line)"),
        ("\x9b", "U+009B (an invisible control character)"),
        ("\ufffe", "U+FFFE (not a character)"),
        ("\U0010ffff", "U+10FFFF (not a character)"),
    ],
)
def test_control_character_in_the_body_is_refused_at_its_line(site_dir: Path, refused, char: str, what: str) -> None:
    # The body rule matches the front matter's: refused, at the body's line, never stripped silently.
    write(site_dir, {"stories/x.md": STORY + f"\nSecond{char} paragraph.\n"})
    assert refused() == [f"content/stories/x.md:12: body: this line has the character {what}, which is not allowed "
                         "(delete it; it is invisible in most editors, so if you cannot find it, type the line again)"]  # fmt: skip


@pytest.mark.parametrize(
    ("reference", "what"),
    [("&#11;", "U+000B (vertical tab, which Word's Shift+Enter pastes as a line break)"), ("&#xFFFE;", "U+FFFE (not a character)"),
     ("&#0;", "U+0000 (null)"), ("&#x110000;", "no character")],
)  # fmt: skip
def test_character_reference_to_a_control_character_in_the_body(site_dir: Path, refused, reference: str, what: str) -> None:
    # Python-Markdown and nh3 turn &#11; into the character itself: refused like the character.
    write(site_dir, {"stories/x.md": STORY + f"\nSecond {reference} paragraph, &#233; &amp; &#x2014; are fine.\n"})
    assert refused() == [f"content/stories/x.md:12: body: this line has the character reference {reference}, which stands "
                         f"for {what}, which is not allowed (delete it)"]  # fmt: skip


def test_tab_and_line_breaks_are_kept_in_text(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    write(site_dir, {"stories/x.md": added('easy_read: "We met.\\tWe talked.\\nWe planned."') + "A\ttab.\n"})
    assert run_cli("check").code == 0


def test_many_bad_lines_are_counted_not_listed(site_dir: Path, refused) -> None:
    write(site_dir, {"stories/x.md": STORY + "a\x0b\n" * 5000})
    lines = refused()
    assert len(lines) == 11
    assert lines[-1] == ("content/stories/x.md:21: body: and 4,990 more lines from here on have the same kind of problem "
                         "(fix the ones above first)")  # fmt: skip


# ---- every message is one line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param('areas: ["nor\\nfolk"]', "8: areas: unknown area 'nor\\nfolk' (did you mean 'norfolk'?)", id="value"),
        pytest.param("areas: [" + "a" * 300 + "]", f"8: areas: unknown area '{'a' * 60}... (300 characters)' (expected one "
                     "of: norfolk, suffolk, region)", id="long-value"),
        pytest.param('approach: "co\\u2028design"', "8: approach: unknown approach 'co\\u2028design' (did you mean "
                     "'co-design'?)", id="line-separator"),
        pytest.param('image: "images/a\\u202eb.jpg"', "8: image: no image at content/images/a\\u202eb.jpg (put the image "
                     "file in content/images/ and give its path, like images/garden.jpg)", id="bidi-override"),
        pytest.param("? " + "k" * 2000 + "\n: x", f"8: {'k' * 80}... (2,000 characters): warning: unknown field, so it is "
                     "ignored (the fields here are: title, summary, date, areas, sectors, themes, approach, self_assessment, "
                     "people, outcomes, lessons, easy_read, image, image_alt, image_decorative, image_caption, draft, consent, organisations, told_by, withdrawn)", id="long-field-name"),
        pytest.param("' ': x", "8: ' ': warning: unknown field, so it is ignored (the fields here are: title, summary, date, "
                     "areas, sectors, themes, approach, self_assessment, people, outcomes, lessons, easy_read, image, "
                     "image_alt, image_decorative, image_caption, draft, consent, organisations, told_by, withdrawn)", id="blank-field-name"),
    ],
)  # fmt: skip
def test_values_quoted_in_messages_stay_on_one_line(site_dir: Path, run_cli: Callable[..., Run], lines: str, expected: str) -> None:
    write(site_dir, {"stories/x.md": added(lines)})
    result = run_cli("check")
    assert f"content/stories/x.md:{expected}" in result.err.splitlines()


# ---- an empty site over the live one ------------------------------------------------------------------

NO_STORIES = ("content/stories:1: no published stories: the folder has no .md files, or every story is a draft or withdrawn (a build "
              "would replace the live site with one without stories; check that this is the right content folder)")  # fmt: skip
NO_SIGNATORIES = ("content/signatories:1: no signatories: the folder has no .md files, or every signatory is withdrawn (a build would replace the live site "
                  "with an empty pledge register; check that this is the right content folder)")  # fmt: skip


def test_no_stories_and_no_signatories(built: Path, site_dir: Path, refused) -> None:
    for file in [*(site_dir / "content/stories").iterdir(), *(site_dir / "content/signatories").iterdir()]:
        file.unlink()
    assert refused() == [NO_SIGNATORIES, NO_STORIES]


def test_only_draft_stories(built: Path, site_dir: Path, refused) -> None:
    for file in (site_dir / "content/stories").iterdir():
        file.write_text(file.read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1), encoding="utf-8")
    assert refused() == [NO_STORIES]


def test_no_signatories_folder(site_dir: Path, refused) -> None:
    for file in (site_dir / "content/signatories").iterdir():
        file.unlink()
    (site_dir / "content/signatories").rmdir()
    assert refused() == [NO_SIGNATORIES]
