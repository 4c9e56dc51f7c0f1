"""A link to a page shared in a newsletter or on social media shows the page: Open Graph and Twitter
card metadata, with full addresses (so only when the site knows its base URL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run, picture


def test_pages_carry_open_graph_metadata_with_a_base_url(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    story = site_dir / "content/stories/memory-cafe.md"
    story.write_text(story.read_text(encoding="utf-8").replace("title: Memory cafe", 'title: "Memory cafe: \\"tea\\" & <talk>"'))
    assert run_cli("build", "--base-url", "https://example.org/cmi/").code == 0
    page = (site_dir / "_site/stories/memory-cafe/index.html").read_text(encoding="utf-8")
    for tag in ('<meta property="og:site_name" content="Count Me In">',
                '<meta property="og:type" content="article">',
                '<meta property="og:title" content="Memory cafe: “tea” &amp; &lt;talk&gt;">',  # curly quotes, as the title shows
                '<meta property="og:description" content="A memory cafe planned with people living with dementia.">',
                '<meta property="og:url" content="https://example.org/cmi/stories/memory-cafe/">',
                '<meta property="og:image" content="https://example.org/cmi/assets/share-card.png">',  # no picture: the site's card
                '<meta property="og:image:alt" content="Count Me In: Coproduction in the East of England">',
                '<meta name="twitter:card" content="summary_large_image">'):  # fmt: skip
        assert tag in page, tag
    assert (site_dir / "_site/assets/share-card.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert '<meta property="og:type" content="website">' in (site_dir / "_site/index.html").read_text(encoding="utf-8")
    assert run_cli("build", "--output", "_plain").code == 0  # no base URL: no address to give
    assert "og:" not in (site_dir / "_plain/stories/memory-cafe/index.html").read_text(encoding="utf-8")


def test_a_story_s_picture_is_its_shared_image(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    (site_dir / "content/images").mkdir()
    (site_dir / "content/images/cafe.jpg").write_bytes(picture((1200, 800)))
    story = site_dir / "content/stories/memory-cafe.md"
    story.write_text(story.read_text(encoding="utf-8").replace("title: Memory cafe", "title: Memory cafe\nimage: images/cafe.jpg\n"
                                                                "image_alt: Tables set for tea"), encoding="utf-8")  # fmt: skip
    assert run_cli("build", "--base-url", "https://example.org/cmi/").code == 0
    page = (site_dir / "_site/stories/memory-cafe/index.html").read_text(encoding="utf-8")
    for tag in ('<meta property="og:image" content="https://example.org/cmi/images/cafe-1200w.jpg">',
                '<meta property="og:image:width" content="1200">', '<meta property="og:image:height" content="800">',
                '<meta property="og:image:alt" content="Tables set for tea">',
                '<meta name="twitter:card" content="summary_large_image">'):  # fmt: skip
        assert tag in page, tag
