"""Real builds of the minimal content tree into tmp_path, asserting on the written pages."""

from __future__ import annotations

import hashlib
import random
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import dedent


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class Links(HTMLParser):
    """Every href/src in a page, plus the things each page must have once."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.h1 = 0
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append(value)
        self.h1 += tag == "h1"
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data)
            self._in_title = False


def internal_refs(page: Path) -> list[str]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return [r for r in parser.refs if not urlsplit(r).scheme and not r.startswith("//") and not r.startswith("#")]


def test_every_page_kind_is_written(built: Path) -> None:
    for rel in [
        "index.html", "stories/index.html", "stories/respite-with-carers/index.html", "pledge/index.html",
        "signatories/sam-rivers/index.html", "areas/index.html", "areas/norfolk/index.html",
        "areas/region/index.html", "themes/index.html", "themes/carers/index.html", "sectors/index.html",
        "sectors/health/index.html", "events/index.html", "events/open-meeting/index.html",
        "about/index.html", "404.html", "robots.txt", "feed.xml", "data/signatories.csv",
        "data/signatories.json", "data/stories.json", "assets/site.css", "_headers",
    ]:  # fmt: skip
        assert (built / rel).is_file(), rel
    assert not (built / "sitemap.xml").exists(), "no sitemap without a base URL"


def test_every_internal_link_resolves_to_a_file(sample_site: Path) -> None:
    """Opened from disk, a link must name a file: a bare folder does not open."""
    broken = []
    for page in sorted(sample_site.rglob("*.html")):
        for ref in internal_refs(page):
            target = (page.parent / unquote(urlsplit(ref).path)).resolve()
            if not target.is_file():
                broken.append(f"{page.relative_to(sample_site)} -> {ref}")
            assert sample_site.resolve() in target.parents or target == sample_site.resolve(), ref
    assert not broken, "\n".join(broken)


def test_links_are_relative_never_root_absolute(sample_site: Path) -> None:
    for page in sorted(sample_site.rglob("*.html")):
        for ref in internal_refs(page):
            assert not ref.startswith("/"), f"{page}: {ref}"


def test_each_page_has_unique_title_one_h1_description_and_skip_link(sample_site: Path) -> None:
    titles: dict[str, Path] = {}
    for page in sorted(sample_site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        parser = Links()
        parser.feed(html)
        assert parser.h1 == 1, page
        title = parser.titles[0]
        assert title not in titles, f"{page} and {titles[title]} share the title {title!r}"
        titles[title] = page
        assert re.search(r'<meta name="description" content="[^"]+">', html), page
        assert 'class="skip-link" href="#main"' in html and 'id="main"' in html, page


def test_story_page_shows_front_matter_in_words(built: Path) -> None:
    html = read(built, "stories/respite-with-carers/index.html")
    assert "14 March 2025" in html
    assert ">Norfolk</a>" in html and ">Social care</a>" in html and ">Carers</a>" in html
    assert "Co-production" in html and '<ul class="facts__list"><li>carers</li><li>commissioners</li></ul>' in html
    assert "A booking line run by carers" in html
    # RAG ratings carry words, not just colour
    assert "Green</span>: Everyone felt heard." in html
    assert "Amber</span>: Some decisions were shared." in html


def test_stories_are_newest_first_and_region_wide_story_is_on_region_page(built: Path) -> None:
    listing = read(built, "stories/index.html")
    assert listing.index("Respite with carers") < listing.index("Memory cafe")
    assert "Memory cafe" in read(built, "areas/region/index.html")
    assert "Memory cafe" in read(built, "areas/suffolk/index.html")


def test_empty_area_invites_contribution(site_dir: Path, run_cli, content_files) -> None:
    (site_dir / "content/pages/take-part.md").write_text("---\ntitle: Take part\n---\nJoin us.\n")
    assert run_cli("build").code == 0
    html = read(site_dir / "_site", "areas/suffolk/index.html")
    assert "No one in Suffolk has signed the pledge yet." in html
    assert 'href="../../take-part/index.html"' in html


def test_register_counts_by_area_and_sector(built: Path) -> None:
    html = read(built, "pledge/index.html")
    assert "We promise to <strong>count everyone in</strong>." in html
    assert re.search(r'Norfolk</a></th><td>1</td>', html)
    assert re.search(r'Suffolk</a></th><td>0</td>', html)
    assert re.search(r'Social care</a></th><td>1</td>', html)


def test_events_split_into_upcoming_and_past_by_build_date(built: Path) -> None:
    html = read(built, "events/index.html")
    upcoming, past = html.split('id="past-heading"')
    assert "Open meeting" in upcoming and "Last year" in past
    assert "Thursday 11 February 2027, 10am to 12:30pm" in upcoming
    assert "This event has finished." in read(built, "events/last-year/index.html")
    assert ">Region-wide</a>" in read(built, "events/last-year/index.html"), "areas default to region"


def test_home_page_counts_areas(built: Path) -> None:
    html = read(built, "index.html")
    assert "1 current signatory</strong> from 1 organisation, in 1 of the 2 areas." in html
    assert "2 coproduction stories</strong> from both areas, and 1 region-wide." in html


def test_drafts_are_built_only_with_drafts_flag(site_dir: Path, run_cli, content_files) -> None:
    story = content_files["stories/memory-cafe.md"].replace("themes: [dementia]", "themes: [dementia]\ndraft: true")
    (site_dir / "content/stories/memory-cafe.md").write_text(story)
    assert run_cli("build").code == 0
    assert not (site_dir / "_site/stories/memory-cafe").exists()
    assert "Memory cafe" not in read(site_dir / "_site", "stories/index.html")
    assert run_cli("build", "--drafts").code == 0
    assert "Draft: this story is not published yet" in read(site_dir / "_site", "stories/memory-cafe/index.html")


def test_base_url_gives_canonical_links_sitemap_and_absolute_404(site_dir: Path, run_cli) -> None:
    assert run_cli("build", "--base-url", "https://example.org/count-me-in").code == 0
    site = site_dir / "_site"
    assert '<link rel="canonical" href="https://example.org/count-me-in/stories/">' in read(site, "stories/index.html")
    sitemap = read(site, "sitemap.xml")
    assert "<loc>https://example.org/count-me-in/stories/respite-with-carers/</loc>" in sitemap
    assert "404" not in sitemap
    assert "Sitemap: https://example.org/count-me-in/sitemap.xml" in read(site, "robots.txt")
    # Hosts serve 404.html at any missing address, so its links cannot be relative.
    assert 'href="https://example.org/count-me-in/assets/site.css"' in read(site, "404.html")


def test_pagination(site_dir: Path, run_cli) -> None:
    for n in range(30):
        (site_dir / f"content/stories/story-{n:02d}.md").write_text(dedent(f"""
            ---
            title: Story number {n}
            summary: Summary {n}.
            date: 2020-01-{n % 28 + 1:02d}
            areas: [norfolk]
            sectors: [health]
            themes: [carers]
            consent: {{date: 2025-01-10, how: in writing}}
            ---
            Body.
            """))
    assert run_cli("build").code == 0
    site = site_dir / "_site"
    first, second = read(site, "stories/index.html"), read(site, "stories/page/2/index.html")
    assert "32 stories, showing 1 to 24" in first and "showing 25 to 32" in second
    assert 'href="page/2/index.html" rel="next"' in first
    assert 'href="../../index.html" rel="prev"' in second
    assert "Coproduction stories (page 2 of 2)" in second
    assert (site / "areas/norfolk/page/2/index.html").is_file()
    assert (site / "themes/carers/page/2/index.html").is_file()


def test_summary_line(site_dir: Path, run_cli) -> None:
    result = run_cli("build")
    assert re.fullmatch(r"Built \d+ pages \(\d+ files, \d+ written\) into _site in \d+\.\d\d s\n", result.out)


# ---- determinism and atomic output --------------------------------------------------------------


def test_two_builds_are_byte_identical(site_dir: Path, run_cli) -> None:
    assert run_cli("build", "--output", "one").code == 0
    assert run_cli("build", "--output", "two").code == 0
    assert tree_digest(site_dir / "one") == tree_digest(site_dir / "two")


def test_output_does_not_depend_on_file_listing_order(site_dir: Path, run_cli, monkeypatch) -> None:
    assert run_cli("build", "--output", "sorted").code == 0
    real_rglob, real_iterdir = Path.rglob, Path.iterdir

    def shuffled(items):
        items = list(items)
        random.Random(7).shuffle(items)
        return iter(items)

    monkeypatch.setattr(Path, "rglob", lambda self, pattern: shuffled(real_rglob(self, pattern)))
    monkeypatch.setattr(Path, "iterdir", lambda self: shuffled(real_iterdir(self)))
    assert run_cli("build", "--output", "shuffled").code == 0
    assert tree_digest(site_dir / "sorted") == tree_digest(site_dir / "shuffled")


def test_failed_build_leaves_previous_output_untouched(site_dir: Path, run_cli) -> None:
    assert run_cli("build").code == 0
    before = tree_digest(site_dir / "_site")
    (site_dir / "content/stories/memory-cafe.md").write_text("---\ntitle: [unclosed\n---\n")
    result = run_cli("build")
    assert result.code == 1
    assert "_site was left as it was" in result.err
    assert tree_digest(site_dir / "_site") == before
    # .cache is the build cache (safe to delete), not a temporary folder
    # ._site.cmi-site is the build's work folder (the previous site, outdir.py), not a temporary folder
    assert sorted(p.name for p in site_dir.iterdir()) == ["._site.cmi-site", ".cache", "_site", "content"], "no temporary folders left behind"
    assert sorted(p.name for p in (site_dir / "._site.cmi-site").iterdir()) == [".cmi-site-work", "previous"]


def test_successful_build_replaces_stale_files(site_dir: Path, run_cli) -> None:
    assert run_cli("build").code == 0
    (site_dir / "_site/stale.html").write_text("old")
    (site_dir / "content/stories/memory-cafe.md").unlink()
    assert run_cli("build").code == 0
    assert not (site_dir / "_site/stale.html").exists()
    assert not (site_dir / "_site/stories/memory-cafe").exists()


# ---- safety ------------------------------------------------------------------------------------

HOSTILE_BODY = """
## Hello

<script>alert('body')</script>
<p onclick="steal()">Click</p>
<a href="javascript:alert(1)">js link</a>
<a href="JaVaScRiPt:alert(1)">mixed case</a>
<a href="data:text/html;base64,PHN2Zz4=" onmouseover="alert(1)">data link</a>
<iframe src="https://example.org"></iframe>
<object data="x.swf"></object>
<style>body { display: none }</style>
<svg><script>alert(1)</script></svg>
<form action="https://evil.example"><input name="x"></form>
[md link](javascript:alert(2))
<b style="color:red">bold</b>
"""


def test_raw_html_in_markdown_is_sanitised(site_dir: Path, run_cli, content_files) -> None:
    # (an image that is not a picture in content/images is an error: tests/test_body_images.py)
    story = content_files["stories/memory-cafe.md"].replace("Body text.\n", HOSTILE_BODY)
    (site_dir / "content/stories/memory-cafe.md").write_text(story)
    result = run_cli("build")
    assert result.code == 0, result.err
    html = read(site_dir / "_site", "stories/memory-cafe/index.html")
    body = html.split('<div class="prose">')[1].split("</div>")[0]
    for bad in ("<script", "onclick", "onerror", "javascript:", "data:", "<iframe", "<object", "<style", "style=",
                "<svg", "<form", "<input", "alert("):  # fmt: skip
        assert bad not in body.lower(), bad
    assert "<p>Click</p>" in body and "js link" in body and "<strong>" not in body and "bold" in body
    # and the editor is told what was removed
    assert "content/stories/memory-cafe.md:10: body: warning: removed from the page: <script> elements are not allowed" in result.err


def test_front_matter_text_is_always_escaped(site_dir: Path, run_cli, content_files) -> None:
    story = content_files["stories/memory-cafe.md"].replace(
        "title: Memory cafe", "title: \"<script>alert('t')</script> & <b>bold</b>\""
    ).replace("summary: A memory cafe", "summary: <img src=x onerror=alert(1)> A memory cafe")
    (site_dir / "content/stories/memory-cafe.md").write_text(story)
    assert run_cli("build").code == 0
    for rel in ("stories/memory-cafe/index.html", "stories/index.html", "index.html", "areas/suffolk/index.html"):
        html = read(site_dir / "_site", rel)
        assert "<script>alert" not in html and "<img src=x" not in html, rel
        # escaped, with the title's quotes made curly like the body text's (typography.smart_quotes)
        assert "&lt;script&gt;alert(\u2018t\u2019)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html, rel
    feed = read(site_dir / "_site", "feed.xml")
    assert "&lt;script&gt;" in feed and "<script>" not in feed


def test_no_inline_script_or_style_in_any_page(sample_site: Path) -> None:
    for page in sorted(sample_site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page
        assert "<style" not in html and " style=" not in html, page
        assert not re.search(r"\son[a-z]+=", html), page


def test_root_relative_links_in_bodies_become_relative(site_dir: Path, run_cli, content_files) -> None:
    story = content_files["stories/memory-cafe.md"].replace("Body text.", "See [about](/about/) and [pledge](/pledge/#top).")
    (site_dir / "content/stories/memory-cafe.md").write_text(story)
    assert run_cli("build").code == 0
    html = read(site_dir / "_site", "stories/memory-cafe/index.html")
    assert '<a href="../../about/index.html">about</a>' in html
    # a fragment names a heading of the body, whose ids are in their own namespace (test_ids.py)
    assert '<a href="../../pledge/index.html#section--top">pledge</a>' in html


@pytest.mark.parametrize("rel", ["index.html", "stories/respite-with-carers/index.html"])
def test_sample_notice_is_shown_and_can_be_turned_off(site_dir: Path, run_cli, rel: str) -> None:
    assert run_cli("build").code == 0
    assert "Sample content." in read(site_dir / "_site", rel)
    settings = site_dir / "content/site.yml"
    settings.write_text(settings.read_text().replace("sample_notice: true", "sample_notice: false"))
    assert run_cli("build").code == 0
    assert "Sample content." not in read(site_dir / "_site", rel)


def test_suggest_a_change_links_only_with_a_repository(site_dir: Path, run_cli) -> None:
    assert run_cli("build").code == 0
    assert "Suggest a change" not in read(site_dir / "_site", "stories/respite-with-carers/index.html")
    settings = site_dir / "content/site.yml"
    settings.write_text(settings.read_text() + "repository_url: https://github.com/example/cmi-site\n")
    assert run_cli("build").code == 0
    for rel, source in [
        ("stories/respite-with-carers/index.html", "content/stories/respite-with-carers.md"),
        ("signatories/sam-rivers/index.html", "content/signatories/sam-rivers.md"),
        ("events/open-meeting/index.html", "content/events/open-meeting.md"),
        ("about/index.html", "content/pages/about.md"),
    ]:
        assert f'<a href="https://github.com/example/cmi-site/edit/main/{source}">Suggest a change' in read(
            site_dir / "_site", rel
        )
