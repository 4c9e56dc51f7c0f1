"""Markdown -> safe HTML."""

from cmi_site.markup import plain_text, render_markdown


def test_headings_start_at_h2_because_the_title_is_the_h1() -> None:
    html = render_markdown("# Top\n\n## Next\n").html
    assert '<h2 id="top">Top</h2>' in html and '<h3 id="next">Next</h3>' in html
    assert render_markdown("## Already h2\n").html.startswith('<h2 id="already-h2">')


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


def test_state_does_not_leak_between_documents() -> None:
    first = render_markdown("## Same\n").html
    second = render_markdown("## Same\n").html
    assert first == second == '<h2 id="same">Same</h2>'


def test_plain_text() -> None:
    assert plain_text("<p>Carers &amp; <em>families</em></p>\n<p>met.</p>") == "Carers & families met."
