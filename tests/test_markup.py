"""Markdown -> safe HTML, and the fast path giving exactly what Python-Markdown gives."""

from __future__ import annotations

from collections.abc import Iterator

import markdown
import markdown.treeprocessors
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cmi_site import bounds, markup, markup_fast
from cmi_site.markup import EXTENSION_CONFIGS, EXTENSIONS, convert, plain_text, render_markdown


def test_headings_start_at_h2_because_the_title_is_the_h1() -> None:
    html = render_markdown("# Top\n\n## Next\n").html
    assert '<h2 id="section--top">Top</h2>' in html and '<h3 id="section--next">Next</h3>' in html
    assert render_markdown("## Already h2\n").html.startswith('<h2 id="section--already-h2">')


def test_tables_lists_and_links_survive() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n[x](https://example.org) [m](mailto:a@b.org)").html
    assert "<table>" in html and "<td>1</td>" in html and "<li>one</li>" in html
    assert '<a href="https://example.org">x</a>' in html and '<a href="mailto:a@b.org">m</a>' in html


def test_unsafe_html_is_removed_and_reported() -> None:
    result = render_markdown('<script>x()</script><a href="javascript:y()" onmouseover="z()">a</a>')
    assert "script" not in result.html and "javascript" not in result.html and "onmouseover" not in result.html
    assert result.removed == (
        "<script> elements are not allowed",
        "event-handler attributes (on...=) are not allowed",
        "javascript:, vbscript: and data: links are not allowed",
    )


def test_safe_markdown_reports_nothing() -> None:
    assert render_markdown("Plain *text* with a [link](/about/).").removed == ()


def test_code_samples_of_unsafe_html_report_nothing() -> None:
    sample = '<a href="javascript:x()" onclick="y()" style="z"><script>'
    text = f'Write `{sample}` like this:\n\n    {sample}\n\n```\n{sample}\n```\n\nOr in words: style="z" onclick="y()".'
    result = render_markdown(text)
    assert result.removed == () and result.html.count('&lt;a href="javascript:x()" onclick="y()" style="z"&gt;') == 3


def test_state_does_not_leak_between_documents() -> None:
    first = render_markdown("## Same\n").html
    second = render_markdown("## Same\n").html
    assert first == second == '<h2 id="section--same">Same</h2>'


def test_plain_text() -> None:
    assert plain_text("<p>Carers &amp; <em>families</em></p>\n<p>met.</p>") == "Carers & families met."
    assert plain_text("<p>co<em>production</em></p><p>Next&nbsp;step</p>") == "coproduction Next step"
    assert plain_text("<table><tr><td>One</td><td>Two</td></tr></table><ul><li>a</li><li>b<br>c</li></ul>") == "One Two a b c"
    assert plain_text('<p><img alt="a > b" src="x.png">Text &lt;b&gt; &#8217;quoted&#8217;</p>') == "Text <b> \u2019quoted\u2019"


# ---- the fast path gives exactly Python-Markdown's HTML ---------------------------------------------

TRICKY = [
    "It's \"quoted\" -- and --- dashes... and 'single' quotes, '90s, rock 'n' roll, \\'escaped\\' and <<angles>>.",
    "*em* **strong** ***both*** _u_ __uu__ `code with 'quotes'` and <span>html 'x'</span> &quot;entity&quot; &#39;",
    "[link 'a'](https://example.org \"Title 'b'\") ![img](x.png) <https://auto.link> <a@b.org> [ref][r]\n\n[r]: /x/",
    "*[HTML]: Hyper Text Markup Language\n\nHTML is 'here'.",
    'Term\n: Definition with "quotes"\n\nOther\n:   Indented',
    "| a | 'b' |\n|---|:-:|\n| 1 \\| 2 | x... |",
    "```python\nx = 'y' -- z\n```\n\n~~~\nplain\n~~~",
    "# Title 'quoted'\n\n## Same\n\n## Same\n\n### Café & co\n\nline  \nbreak",
    "- one\n- two\n    - nested 'x'\n\n1. first\n3. third\n\n> quote -- dash\n> *em*",
    "[TOC]\n\n# One\n\n## Two *em*\n\nText [TOC] in a line.",
    "Setext one\n==========\n\nSetext two\n----------\n\n> ## Quoted heading\n\n## Fish &amp; <em>chips</em> &#91;TOC]\n\n## One",
    "<h2 id=\"one\">Raw</h2>\n\n## One\n\n## One_1\n\n## 'Quotes' -- and `code`\n\n###### Six\n\n## \u00a0",
    "## AT&T &copy 2 < 3 > 1\n\n## Tabs\tand  spaces\u2003wide\n\n## Caf\u00e9 \u017elut\u00fd \u4e2d\u6587\n\n## \\*not em\\*",
    "## &#X41; b\n\n## x &#X26; y\n\n## Caf&#XE9;\n\n## Fish &amp chips",
    "Plain text with nothing special at all",
    "",
    # where "cannot need the extension" once said no wrongly (issue 12): a definition list in a quote
    # and in a list item, a tab after the colon, and the control characters Python-Markdown strips
    "> Term\n> : Definition",
    "- Term\n\n    : Definition",
    "1. Item\n\n    Term\n    : Definition",
    "Term\n:\tDefinition",
    "Term\r\n: Definition\r\n",
    "Term\r: Definition",
    "Term\n\x02: Definition",
    "-\x02- a dash and .\x03.. dots",
    "*\x02[HTML]: Hyper Text\n\nHTML",
    "`\x02``\ncode\n```",
    "[TO\x02C]\n\n## One",
    "<div>\nTerm\n</div>: Definition",  # the rest of a raw HTML block's last line is a line of its own
    "<!-- c -->:\tDefinition",
]


@pytest.fixture(scope="module", autouse=True)
def speed_ups_on() -> Iterator[None]:
    """The speed-ups on, whatever Python-Markdown is installed: the equality tests below are what
    proves a new version safe to add to markup_fast.TESTED."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markup_fast, "ENABLED", True)
        patch.setattr(markup, "_CONVERTERS", {})
        yield


def _stock(text: str) -> str:
    """What Python-Markdown with every extension, freshly made for this text, produces."""
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html").convert(text)


def _texts() -> list[str]:
    """The tricky cases, every shipped document and 60 generated benchmark stories and signatories."""
    import importlib.util
    import tempfile
    from pathlib import Path

    import frontmatter

    from conftest import REPO, SAMPLE_CONTENT

    spec = importlib.util.spec_from_file_location("corpus", REPO / "bench" / "corpus.py")
    assert spec is not None and spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    with tempfile.TemporaryDirectory() as folder:
        corpus.generate(Path(folder), 60, seed=7)
        generated = [frontmatter.loads(f.read_text()).content for f in sorted(Path(folder).glob("*/*.md"))]
    shipped = [frontmatter.loads(f.read_text()).content for f in sorted(SAMPLE_CONTENT.glob("*/*.md"))]
    return TRICKY + shipped + generated


def test_the_fast_converter_gives_exactly_what_python_markdown_gives() -> None:
    texts = _texts()
    assert len(texts) > 100
    for text in texts + texts:  # twice: a reused converter must not remember the last document
        assert convert(text) == _stock(text), text
    assert {type(c.treeprocessors["inline"]) for c in markup._CONVERTERS.values()} == {markup_fast._QuickInlineProcessor}


def test_the_speed_ups_are_used_only_with_a_python_markdown_they_were_tested_with(monkeypatch: pytest.MonkeyPatch) -> None:
    assert markup_fast.supported((3, 11)) and not markup_fast.supported((3, 12)) and not markup_fast.supported((4, 0))
    monkeypatch.delattr(markdown.treeprocessors.InlineProcessor, "_InlineProcessor__handleInline")
    assert not markup_fast.supported((3, 11))  # a tested version whose private methods are gone (patched)
    monkeypatch.undo()
    monkeypatch.setattr(markup_fast, "ENABLED", False)
    monkeypatch.setattr(markup, "_CONVERTERS", {})
    text = "A *story* -- with 'quotes'.\n\n## A heading\n"
    assert convert(text) == _stock(text)
    assert {type(c.treeprocessors["inline"]) for c in markup._CONVERTERS.values()} == {markdown.treeprocessors.InlineProcessor}
    assert markup_fast.status().startswith("warning: Markdown speed-ups off: Python-Markdown ")


# Generated Markdown: lines in nesting contexts (quotes, list items, nested lists, indented blocks),
# of words and every mark Markdown and its extensions care about, control characters and odd
# white space, ended by any of the line endings Python-Markdown reads.
_MARKS = [*"*_`[]()!<>&#|:-+.~=\"'\\{}/@%$^", "\t", " ", "  ", "\x02", "\x03", "\x00", "\x0b", "\x0c", "\u00a0", "\u2028"]
_PIECES = ["a", "Term", "HTML", "x y", "1", "1.", "--", "---", "...", "```", "~~~", "*[HTML]: Hyper", "[TOC]", "&amp;",
           "&#39;", "&#X41;", "<b>", "</b>", "<div>", "</div>", '<h2 id="a">', "</h2>", "<!--", "-->", "<!-- c -->", "</div>: ", "-->:\t", "http://x.org",
           "<a@b.org>", "[x]: /y", "[x][]", "![i](/p.png)", "[l](/a/ \"t\")", "|---|", ": ", ":\t", "# ", "## ", "===",
           "'90s", "rock 'n' roll", "&quot;"]  # fmt: skip
_PREFIXES = ["", "> ", ">", "- ", "* ", "+ ", "1. ", "3) ", "    ", "\t", "  ", ": ", ":\t", ":   ", "<div>", "<!--"]


@st.composite
def _markdown(draw: st.DrawFn) -> str:
    """A generated Markdown text (composite, so a failing example is shown as the text itself)."""
    pieces = st.sampled_from(_MARKS) | st.sampled_from(_PIECES)
    lines = [draw(st.lists(st.sampled_from(_PREFIXES), max_size=3)) + draw(st.lists(pieces, max_size=8))
             for _ in range(draw(st.integers(0, 12)))]  # fmt: skip
    return draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"])).join("".join(line) for line in lines)


@pytest.mark.fuzz
@given(_markdown())
def test_the_fast_converter_gives_what_python_markdown_gives_on_generated_markdown(text: str) -> None:
    assume(bounds.refusal(text) is None)
    assert convert(text) == _stock(text)
