"""Property: whatever a pull request puts in content/, `cmi-site check` and `cmi-site build` end
plainly, and agree.

Hypothesis writes random front matter and bodies for every collection and data file, two ways: as
structured values (every field, random types, any code point, surrogates and controls included, long
strings, deep nesting) dumped with PyYAML and then mutated, and as raw text made of YAML's own
syntax (tags, anchors, aliases, brackets, block scalars, broken '---' lines, BOM, CRLF, tabs). It
adds odd file names, symbolic links out of content/, dangling links, loops and named pipes. For
every case, through the real command line:

- no traceback; check and build exit 0 or 1, the same;
- every problem is one line, `path:line: ...`, its path inside content/, its line within the file;
- check and build print the same problems;
- a build that fails leaves the site built before byte-identical;
- nothing outside content/ shows up, in a message or in the site.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cmi_site.chars import first_forbidden
from cmi_site.cli import main
from cmi_site.fields import COLLECTION_FIELDS, SITE_FIELDS, STATEMENT_FIELDS
from conftest import MINIMAL, TEMPLATES, TODAY, dedent, tree, write_files

pytestmark = pytest.mark.fuzz
SECRET = "OUTSIDE-CONTENT-5b1e"  # noqa: S105 - a marker to look for, not a password
# Characters that have broken something, or could: controls, C1, line and paragraph separators, BOM,
# non-characters, surrogates, bidirectional overrides, quotes and YAML's indicators.
ODD = ["\x00", "\x07", "\t", "\n", "\r", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b", "\xa0", "\u2028", "\u2029",
       "\ufeff", "\ufffe", "\uffff", "\ud800", "\udfff", "\U0010ffff", "\u202e", "'", '"', "\\", "#", ":", "-", "&", "*",
       "!", "|", ">", "%", "@", "`", "{", "}", "[", "]", ",", "?", "é", "😀"]  # fmt: skip
FRAGMENTS = ["&a ", "*a", "&a [x, *a]", "!!int 0x1f", "!!bool maybe", "!!float x", "!!binary aGk=", "!!set {a}", "!x ",
             "!!python/object:os.system ls", "<<: *a", "? [a, b]\n: x", "[", "]", "{", "}", ": ", "- ", "---", "...",
             "%YAML 1.1\n", "|\n  block", ">-\n  folded", "'", '"', '"\\ud800"', '"\\x0b"', '"\\u0000"', "\t", "\n", "\r\n",
             "\n  ", "title: ", "areas: [norfolk]", "draft: true", "updates:\n  - date: 2025-01-01\n    text: x",
             "self_assessment:\n  felt-heard: green", "[" * 50, "{a: " * 30, "- " * 40, "x" * 3000, "# c"]  # fmt: skip
FIELDS = sorted({spec.name for fields in (*COLLECTION_FIELDS.values(), SITE_FIELDS, STATEMENT_FIELDS) for spec in fields})
DOCS = {"stories": "stories/memory-cafe.md", "signatories": "signatories/sam-rivers.md", "events": "events/open-meeting.md",
        "pages": "pages/about.md"}  # fmt: skip
DATA = ["site.yml", "areas.yml", "sectors.yml", "themes.yml", "self-assessment.yml"]

text = st.text(st.one_of(st.characters(codec=None, exclude_categories=()), st.sampled_from(ODD)), max_size=40)
long_text = st.builds(lambda t, n: t * n, text, st.integers(1, 300))
scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.dates(), text, long_text,
                   st.sampled_from(["2024-06-01", "2027-02-11 10:00", "norfolk", "health", "carers", "co-design", "green",
                                    "felt-heard", "images/x.jpg", "https://example.org", "memory-cafe", "true", "~"]))  # fmt: skip
key = st.one_of(st.sampled_from(FIELDS), text, st.integers(), st.booleans())
value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=4), max_leaves=12)


@st.composite
def mutated(draw: st.DrawFn, yaml_text: str) -> str:
    """YAML text with a few random edits: fragments put in, slices cut, lines doubled, line ends changed."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(yaml_text)))
        edit = draw(st.sampled_from(["insert", "cut", "double", "crlf"]))
        if edit == "insert":
            yaml_text = yaml_text[:at] + draw(st.one_of(st.sampled_from(FRAGMENTS), text)) + yaml_text[at:]
        elif edit == "cut":
            yaml_text = yaml_text[:at] + yaml_text[at + draw(st.integers(1, 20)) :]
        elif edit == "double":
            lines = yaml_text.split("\n")
            line = at % len(lines)
            yaml_text = "\n".join([*lines[: line + 1], *lines[line:]])
        else:
            yaml_text = yaml_text.replace("\n", "\r\n")
    return yaml_text


def dump(data: Any, flow: bool, unicode: bool) -> str:
    """PyYAML's text for random data (tags for what content never holds, like !!binary and !!float, included)."""
    try:
        return yaml.dump(data, default_flow_style=flow, allow_unicode=unicode, sort_keys=False, width=60)
    except (yaml.YAMLError, ValueError, TypeError):
        return repr(data)


# Text a build accepts, however odd (line separators, bidirectional overrides, quotes, markup, emoji):
# documents with it are built, so the pages, feeds, calendars and data files are written from it.
allowed_text = text.map(lambda t: "".join(char for char in t if first_forbidden(char) is None)).filter(str.strip)
TEXT_FIELDS = {"title", "summary", "easy_read", "name", "role", "organisation", "location", "image_alt", "description", "tagline"}


@st.composite
def front_matter(draw: st.DrawFn, base: str, gentle: bool) -> str:
    """YAML for a document or data file. gentle: the base with odd but allowed text in its text fields
    (most such files are built). Else the base's fields with random ones over them, dumped then
    mutated; or raw text made of YAML fragments."""
    loaded = yaml.safe_load(base)
    if gentle:
        records = loaded if isinstance(loaded, list) else [loaded]
        odd = [{**record, **{name: draw(allowed_text) for name in sorted(TEXT_FIELDS & set(record)) if draw(st.booleans())}}
               for record in records]  # fmt: skip
        return dump(odd if isinstance(loaded, list) else odd[0], draw(st.booleans()), draw(st.booleans()))
    if draw(st.booleans()):
        fields = draw(st.dictionaries(key, value, max_size=5))
        if isinstance(loaded, dict):
            data: Any = {**loaded, **fields}
        else:  # a data file that is a list of records: change one, or add one
            data = [*loaded, fields] if draw(st.booleans()) or not loaded else [{**loaded[0], **fields}, *loaded[1:]]
        return draw(mutated(dump(data, draw(st.booleans()), draw(st.booleans()))))
    return "".join(draw(st.lists(st.one_of(st.sampled_from(FRAGMENTS), text), max_size=12)))


BODIES = ["Body text.\n", "## Heading\n\n*a* [link](/x/)\n", "<script>x</script>", "| a | b |\n|---|---|\n| 1 | 2 |\n",
          "&#11; &#xFFFE; &#0; &#x110000; &#233; &amp;\n"]  # fmt: skip


@st.composite
def document(draw: st.DrawFn, collection: str, gentle: bool) -> bytes:
    """A whole .md file: front matter between '---' lines (when not gentle, sometimes broken), then a body."""
    base = dedent(MINIMAL[DOCS[collection]]).split("---\n")[1]
    if gentle:
        body = draw(st.one_of(allowed_text, st.sampled_from(BODIES)))
        return f"---\n{draw(front_matter(base, gentle))}---\n{body}".encode()
    body = draw(st.one_of(text, st.sampled_from(BODIES)))
    opening, closing = draw(st.sampled_from([("---\n", "\n---\n"), ("---\n", "\n"), ("", "\n---\n"), ("--- ", "\n----\n")]))
    whole = f"{opening}{draw(front_matter(base, gentle))}{closing}{body}"
    prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\n\n"]))
    return prefix + whole.encode("utf-8", "surrogatepass")  # a surrogate: bytes that are not UTF-8


file_name = st.text(st.characters(codec=None, exclude_categories=(), exclude_characters="/\x00"), min_size=1, max_size=30)
slug = st.from_regex(r"\A[a-z0-9]{1,12}(?:-[a-z0-9]{1,8}){0,2}\Z")
SPECIAL = ["link-out", "folder-link-out", "dangling", "loop", "folder-loop", "pipe"]


@st.composite
def changes(draw: st.DrawFn) -> tuple[dict[str, bytes], list[tuple[str, str]]]:
    """Files to write under content/ ({path: bytes}), and special entries to make ([(kind, path)]).
    Half the time gentle: odd text a build accepts, in files with good names, and no special entry."""
    gentle = draw(st.booleans())
    files: dict[str, bytes] = {}
    for _ in range(draw(st.integers(1, 3))):
        collection = draw(st.sampled_from(sorted(DOCS)))
        names = [st.just(DOCS[collection].split("/")[1]), slug.map(lambda n: f"{n}.md")]
        name = draw(st.one_of(*names) if gentle else st.one_of(*names, file_name.map(lambda n: f"{n}.md"), file_name))
        if name not in (".", "..", ".md") and _encodable(name) and len(os.fsencode(name)) < 200:
            files[f"{collection}/{name}"] = draw(document(collection, gentle))
    if draw(st.booleans()):
        data = draw(st.sampled_from(DATA))
        files[data] = draw(front_matter(dedent(MINIMAL[data]), gentle)).encode("utf-8", "surrogatepass")
    if gentle:
        return files, []
    special = draw(st.lists(st.tuples(st.sampled_from(SPECIAL), st.sampled_from([*DOCS, "images"])), max_size=2))
    return files, special


def _encodable(name: str) -> bool:
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return True


def make_special(content: Path, kind: str, folder: str, outside: Path) -> None:
    """A symbolic link out of content/, a dangling link, a loop or a named pipe in a folder of content/."""
    place = content / folder
    place.mkdir(exist_ok=True)
    path = place / f"odd-{kind}{'.md' if folder != 'images' else '.jpg'}"
    if os.path.lexists(path):
        return
    if kind == "pipe":
        os.mkfifo(path)
    else:
        target = {"link-out": outside / "secret.md", "folder-link-out": outside, "dangling": place / "nothing",
                  "loop": path, "folder-loop": place}[kind]  # fmt: skip
        path.symlink_to(target)


def run(*args: str) -> tuple[int, list[str], str]:
    """`cmi-site ARGS` in-process: (exit status, problem lines, everything printed)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args, "--templates", str(TEMPLATES), "--today", TODAY.isoformat()])
    lines = err.getvalue().splitlines()
    return code, lines[: lines.index("")] if "" in lines else lines, out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def base_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal content, built once: each example starts from a copy, build cache included (so
    that a build is quick, and goes through the cache's checks of what changed)."""
    project = tmp_path_factory.mktemp("fuzz-base")
    write_files(project / "content", {path: dedent(text) for path, text in MINIMAL.items()})
    with contextlib.chdir(project):
        assert run("build")[0] == 0
    return project


# A full build of the minimal site takes most of a second: the ci profile's examples are kept to
# about a third, so the test stays within a few seconds; make fuzz (HYPOTHESIS_PROFILE=long) runs a
# thousand, for some minutes, so its time limit is raised from pyproject's 300 s.
EXAMPLES = max(20, settings().max_examples // 3)


@pytest.mark.timeout(300 if EXAMPLES <= 100 else 3600)
@settings(max_examples=EXAMPLES)
@given(change=changes())
def test_any_content_is_checked_and_built_plainly(base_project: Path, tmp_path: Path,
                                                  change: tuple[dict[str, bytes], list[tuple[str, str]]]) -> None:  # fmt: skip
    files, special = change
    project = Path(tempfile.mkdtemp(dir=tmp_path))
    shutil.copytree(base_project / "content", project / "content")
    shutil.copytree(base_project / "_site", project / "_site")
    shutil.copytree(base_project / ".cache", project / ".cache")
    outside = project / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(f"---\ntitle: {SECRET}\n---\n{SECRET}\n", encoding="utf-8")
    for rel, data in files.items():
        target = project / "content" / rel
        if os.path.lexists(target) and not target.is_file():
            continue
        target.write_bytes(data)
    for kind, folder in special:
        make_special(project / "content", kind, folder, outside)
    before = tree(project / "_site")
    with contextlib.chdir(project):
        checked = run("check")
        built = run("build")
    event(f"exit {built[0]}")  # --hypothesis-show-statistics: how many were built, how many refused
    assert checked[0] in (0, 1) and built[0] == checked[0], (checked, built)
    assert checked[1] == built[1]
    for line in checked[1]:
        assert_one_problem(project, line)
    assert SECRET not in checked[2] + built[2]
    after = tree(project / "_site")
    if built[0] == 1:
        assert after == before
    assert not any(SECRET.encode() in data for data in after.values())
    for path, data in after.items() if built[0] == 0 else ():
        assert_clean_output(path, data)
    shutil.rmtree(project)


PROBLEM = re.compile(r"^(?P<path>content/[^\n]*?):(?P<line>\d+): \S[^\n]*$")  # field names are never blank


def assert_one_problem(project: Path, line: str) -> None:
    """A problem line: a path inside content/, then a line number within that file."""
    match = PROBLEM.match(line)
    assert match, line
    assert line.isprintable(), line
    path, number = project / match["path"], int(match["line"])
    assert number >= 1, line
    if "\\" not in match["path"] and path.is_file() and not path.is_symlink():
        data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # line ends as editors see them
        assert number <= data.count(b"\n") + 1, (line, data.count(b"\n") + 1)


def assert_clean_output(path: str, data: bytes) -> None:
    """A file of the built site: no character content may not hold (chars.FORBIDDEN), and the XML files well-formed."""
    if path.rsplit(".", 1)[-1] in ("html", "xml", "ics", "json", "csv", "txt"):
        text = data.decode("utf-8").replace("\r\n", "\n")  # CSV and iCalendar end lines with CR LF, as they must
        assert first_forbidden(text) is None, (path, first_forbidden(text))
    if path.endswith(".xml"):
        ElementTree.fromstring(data)
