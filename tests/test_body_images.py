"""Images in bodies come from content/images only: any other source is an error, and never published.

A picture from another website loads for every visitor and tells that website who read the page
(GitHub Pages sends no Content-Security-Policy to stop it)."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmi_site.bodyhtml import ALLOWED_TAGS
from cmi_site.markup import render_markdown
from conftest import picture

HINT = "(write ![what it shows](images/garden.jpg); pictures from other websites would tell them who reads the page)"
OFF_SITE_BODY = """Intro.

![tracker](https://tracker.example/p.png)

![ref][pic]

<img src="//cdn.example/p.png" alt="x">
<img src="data:image/png;base64,AAAA" alt="d">
<img src="/\\evil.example/p.png" alt="b">
<img src="&#104;ttps://obfuscated.example/p.png" alt="e">
<img src="/&#9;/tab.example/p.png" alt="t">
<img src="javascript:alert(1)" alt="j">
![missing](images/nowhere.jpg)
![good](images/garden.jpg) ![good too](/images/garden.jpg)

[pic]: HTTPS://Tracker.example/ref.png
"""


def _write_story(site_dir: Path, content_files: dict[str, str], body: str) -> None:
    story = content_files["stories/memory-cafe.md"].replace("Body text.\n", body)  # the body starts on line 9
    (site_dir / "content/stories/memory-cafe.md").write_text(story)
    (site_dir / "content/images").mkdir(exist_ok=True)
    (site_dir / "content/images/garden.jpg").write_bytes(picture((40, 30)))


def test_every_image_that_is_not_a_picture_in_content_images_is_an_error(site_dir: Path, run_cli: Callable, content_files) -> None:
    _write_story(site_dir, content_files, OFF_SITE_BODY)
    result = run_cli("check")
    assert result.code == 1
    where = "content/stories/memory-cafe.md"
    expected = [
        f"{where}:12: body: images must be pictures in content/images/, got 'https://tracker.example/p.png' {HINT}",
        f"{where}:16: body: images must be pictures in content/images/, got '//cdn.example/p.png' {HINT}",
        f"{where}:17: body: images must be pictures in content/images/, got 'data:image/png;base64,AAAA' {HINT}",
        f"{where}:18: body: images must be pictures in content/images/, got '/\\\\evil.example/p.png' {HINT}",
        f"{where}:19: body: images must be pictures in content/images/, got 'https://obfuscated.example/p.png' {HINT}",
        f"{where}:20: body: images must be pictures in content/images/, got '/\\t/tab.example/p.png' {HINT}",
        f"{where}:21: body: images must be pictures in content/images/, got an image address that is not allowed {HINT}",
        f"{where}:22: body: no image at content/images/nowhere.jpg (put the image file in content/images/ and give its path, like images/garden.jpg)",
        # a reference-style image: the line where its address is written
        f"{where}:25: body: images must be pictures in content/images/, got 'HTTPS://Tracker.example/ref.png' {HINT}",
    ]
    errors = [line for line in result.err.splitlines() if line.startswith(where) and ": warning:" not in line]
    assert sorted(errors) == sorted(expected)
    assert run_cli("build").code == 1 and not (site_dir / "_site").exists()


def test_pictures_in_content_images_are_published_with_relative_addresses(site_dir: Path, run_cli: Callable, content_files) -> None:
    _write_story(site_dir, content_files, '![good](images/garden.jpg)\n\n<img src="/images/garden.jpg" alt="raw">\n')
    result = run_cli("build")
    assert result.code == 0, result.err
    page = (site_dir / "_site/stories/memory-cafe/index.html").read_text()
    copy = 'src="../../images/garden-40w.jpg" srcset="../../images/garden-40w.jpg 40w" sizes="(min-width: 44rem) 42rem, calc(100vw - 2rem)" width="40" height="30" loading="lazy" decoding="async">'
    assert f'<img alt="good" {copy}' in page
    assert f'<img alt="raw" {copy}' in page
    assert (site_dir / "_site/images/garden-40w.jpg").exists()
    assert not (site_dir / "_site/images/garden.jpg").exists()  # the file itself is never published


def test_an_svg_in_content_images_is_refused_in_a_body_as_in_the_image_field(site_dir: Path, run_cli: Callable, content_files) -> None:
    _write_story(site_dir, content_files, "![drawing](images/drawing.svg)\n")
    (site_dir / "content/images/drawing.svg").write_text("<svg/>")
    result = run_cli("check")
    assert ("content/stories/memory-cafe.md:10: body: SVG images are not accepted, got 'images/drawing.svg' "
            "(save the picture as .png or .jpg, and use that file)") in result.err  # fmt: skip


# ---- defence in depth: whatever gets past validation, the sanitizer publishes no off-site fetch ------

# Every way HTML has of making a browser fetch without a click, with the places a URL goes.
_FETCHERS = [
    ("img", "src"), ("img", "srcset"), ("img", "lowsrc"), ("img", "dynsrc"), ("img", "longdesc"), ("picture", None),
    ("source", "src"), ("source", "srcset"), ("link", "href"), ("video", "poster"), ("video", "src"), ("audio", "src"),
    ("object", "data"), ("embed", "src"), ("iframe", "src"), ("input", "src"), ("table", "background"),
    ("td", "background"), ("body", "background"), ("image", "href"), ("svg", None), ("use", "href"), ("track", "src"),
    ("meta", "content"), ("base", "href"), ("a", "ping"), ("blockquote", "cite"), ("q", "cite"), ("p", "style"),
    ("style", None), ("frame", "src"), ("script", "src"),
]  # fmt: skip
_URLS = ["https://t.example/p.png", "//t.example/p.png", "/\\t.example/p.png", "\\\\t.example/p.png", " https://t.example/",
         "HTTPS://T.EXAMPLE/P.PNG", "&#104;ttps://t.example/p.png", "/&#9;/t.example/p.png", "/&#10;/t.example/p",
         "data:image/png;base64,AA", "http:t.example", "https:\\\\t.example", "images/../../x.png", "images/%2e%2e/x.png",
         "images/ok.png", "/images/ok.png", "url(https://t.example/p.png)", "0;url=https://t.example/",
         "x.png 1x, https://t.example/p.png 2x"]  # fmt: skip


@st.composite
def _hostile_html(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        tag, attribute = draw(st.sampled_from(_FETCHERS))
        url = draw(st.sampled_from(_URLS))
        value = f"background:url({url})" if attribute == "style" else url
        attributes = f' {attribute}="{value}"' if attribute else ""
        inner = f"url({url})" if tag == "style" else draw(st.sampled_from(["", "x", f'<image href="{url}"/>']))
        parts.append(f"<{tag}{attributes}>{inner}</{tag}>")
    markdown_image = draw(st.sampled_from(["", "![a](https://t.example/m.png)", "![a][r]\n\n[r]: //t.example/r.png"]))
    return draw(st.sampled_from(["\n", " ", "\n\n"])).join([*parts, markdown_image])


class _Fetches(HTMLParser):
    """Every attribute of a page that names a URL the browser may fetch, and every tag."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.urls += [(tag, name, value or "") for name, value in attrs if name != "alt"]


@pytest.mark.fuzz
@given(_hostile_html())
def test_the_sanitizer_publishes_no_image_or_fetch_from_another_website(html: str) -> None:
    found = _Fetches()
    found.feed(render_markdown(html).html)
    assert found.tags <= ALLOWED_TAGS
    for tag, name, value in found.urls:
        if tag == "img" and name == "src":
            assert value.startswith("/images/") and "\\" not in value and not value.startswith("//"), value
        else:  # a link is followed only on a click; nothing else that names a URL is kept
            assert (tag, name) in {("a", "href"), ("a", "title"), ("img", "title")}, (tag, name, value)
