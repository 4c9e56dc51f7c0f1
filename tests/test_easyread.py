"""Easy Read: the long-sentence warning (exact messages and lines), the Easy Read sections and the index page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cmi_site.easyread import MAX_WORDS, blocks, long_sentences, sentences, words
from conftest import REPO

SIXTEEN = "We will ask the people who use our services to help us plan every new service."
FIFTEEN = "We will ask the people who use our services to help us plan new services."


def test_threshold_is_fifteen_words() -> None:
    assert MAX_WORDS == 15
    assert len(words(FIFTEEN)) == 15 and len(words(SIXTEEN)) == 16
    assert long_sentences(FIFTEEN) == []
    assert long_sentences(f"Short one.\n{SIXTEEN}") == [(1, SIXTEEN, 16)]


def test_sentences_and_words() -> None:
    assert sentences("We met. Was it good? Yes! Lunch was 3.50 each.") == ["We met.", "Was it good?", "Yes!", "Lunch was 3.50 each."]
    assert words("- We met - twice, at 10am.") == ["We", "met", "twice,", "at", "10am."]


def test_blocks_turn_hyphen_lines_into_lists() -> None:
    assert blocks("They promise to:\n- listen\n- pay people\n\nThat is all.\n") == [
        ("p", ("They promise to:",)), ("ul", ("listen", "pay people")), ("p", ("That is all.",)),
    ]  # fmt: skip


def _check_lines(run_cli) -> list[str]:
    result = run_cli("check")
    assert result.code == 0, result.err
    return [line for line in result.err.splitlines() if "easy_read" in line]


def test_long_sentences_warn_at_their_own_line(site_dir: Path, run_cli, content_files) -> None:
    story = content_files["stories/memory-cafe.md"].replace(
        "themes: [dementia]\n",
        f"themes: [dementia]\neasy_read: |\n  We opened a cafe.\n  It is for people with dementia. {SIXTEEN}\n",
    )  # easy_read is on line 8, so the block's second line is line 10
    (site_dir / "content/stories/memory-cafe.md").write_text(story, encoding="utf-8")
    page = "---\ntitle: Help\neasy_read: " + SIXTEEN + "\n---\nText.\n"
    (site_dir / "content/pages/help.md").write_text(page, encoding="utf-8")
    site = content_files["site.yml"] + f"easy_read: |\n  Hello.\n\n  Hi. {SIXTEEN}\n"  # easy_read on line 6
    (site_dir / "content/site.yml").write_text(site, encoding="utf-8")
    message = ("easy_read: warning: a sentence of 16 words, starting 'We will ask the people who ...' "
               "(Easy Read sentences should have 15 words or fewer: split it into shorter sentences, one idea each)")  # fmt: skip
    assert _check_lines(run_cli) == [
        f"content/pages/help.md:3: {message}",
        f"content/site.yml:9: {message}",
        f"content/stories/memory-cafe.md:10: {message}",
    ]


def test_short_sentences_do_not_warn(site_dir: Path, run_cli, content_files) -> None:
    page = f"---\ntitle: Help\neasy_read: |\n  {FIFTEEN}\n  - a list item\n---\nText.\n"
    (site_dir / "content/pages/help.md").write_text(page, encoding="utf-8")
    assert _check_lines(run_cli) == []


def test_long_sentence_fails_only_under_strict(site_dir: Path, run_cli) -> None:
    (site_dir / "content/pages/help.md").write_text(f"---\ntitle: Help\neasy_read: {SIXTEEN}\n---\nText.\n", encoding="utf-8")
    assert run_cli("build").code == 0
    assert run_cli("build", "--strict").code == 1


@pytest.fixture
def easy_site(site_dir: Path, run_cli, content_files) -> Path:
    """The minimal site with Easy Read on the home page, a page, a story and a signatory."""
    files = {
        "site.yml": content_files["site.yml"] + "easy_read: |\n  We work together.\n  We share stories.\n",
        "pages/about.md": "---\ntitle: About the network\neasy_read: We are a network.\n---\nAbout us.\n",
        "stories/memory-cafe.md": content_files["stories/memory-cafe.md"].replace(
            "themes: [dementia]\n", "themes: [dementia]\neasy_read: |\n  We opened a cafe.\n  - It is warm.\n  - It is free.\n"),
        "signatories/sam-rivers.md": content_files["signatories/sam-rivers.md"].replace(
            "signed: 2024-05-01\n", "signed: 2024-05-01\neasy_read: We will listen to you.\n"),
    }  # fmt: skip
    for rel, text in files.items():
        (site_dir / "content" / rel).write_text(text, encoding="utf-8")
    assert run_cli("build").code == 0
    return site_dir / "_site"


def _section(html: str) -> str:
    match = re.search(r'<section class="easy-read" id="easy-read" aria-labelledby="easy-read-heading">(.*?)</section>', html, re.S)
    assert match, "no Easy Read section"
    return match.group(1)


def test_easy_read_sections_have_heading_anchor_and_lists(easy_site: Path) -> None:
    story = _section((easy_site / "stories/memory-cafe/index.html").read_text(encoding="utf-8"))
    assert '<h2 id="easy-read-heading">Easy Read</h2>' in story
    assert "<p>We opened a cafe.</p>" in story
    assert "<ul><li>It is warm.</li><li>It is free.</li></ul>" in story
    assert '<a href="../../easy-read/index.html">More pages in Easy Read</a>' in story
    assert "<p>We work together.</p>" in _section((easy_site / "index.html").read_text(encoding="utf-8"))
    assert "<p>We are a network.</p>" in _section((easy_site / "about/index.html").read_text(encoding="utf-8"))
    signatory = (easy_site / "signatories/sam-rivers/index.html").read_text(encoding="utf-8")
    assert "<p>We will listen to you.</p>" in _section(signatory)
    assert 'id="easy-read"' not in (easy_site / "stories/respite-with-carers/index.html").read_text(encoding="utf-8")


def test_easy_read_index_links_to_each_section(easy_site: Path) -> None:
    html = (easy_site / "easy-read/index.html").read_text(encoding="utf-8")
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a><br>([^<]+)</li>', html)
    assert links == [
        ("../index.html#easy-read", "Count Me In: home page", "We work together."),
        ("../about/index.html#easy-read", "About the network", "We are a network."),
        ("../evidence/index.html#easy-read", "What the stories add up to", "What all the stories tell us about how the work felt."),
        ("../stories/memory-cafe/index.html#easy-read", "Memory cafe", "We opened a cafe."),
        ("../signatories/sam-rivers/index.html#easy-read", "Sam Rivers, Fenside Council", "We will listen to you."),
    ]
    assert [h for h in re.findall(r"<h2 [^>]*>([^<]+)</h2>", html)] == ["About Count Me In", "Stories", "People who signed the pledge"]
    assert '<a href="../easy-read/index.html">Easy Read</a>' in (easy_site / "about/index.html").read_text(encoding="utf-8")


def test_easy_read_index_without_any_easy_read(site_dir: Path, run_cli) -> None:
    # The evidence page's Easy Read part is made from the stories' self-assessments: listed while there are any.
    assert run_cli("build").code == 0
    main = (site_dir / "_site/easy-read/index.html").read_text(encoding="utf-8").split("<main")[1].split("</main>")[0]
    assert re.findall(r'<li><a href="([^"]+#easy-read)">', main) == ["../evidence/index.html#easy-read"]
    story = site_dir / "content/stories/respite-with-carers.md"
    text = story.read_text(encoding="utf-8")
    story.write_text(re.sub(r"self_assessment:\n(  \S.*\n)+", "", text), encoding="utf-8")
    assert "self_assessment" not in story.read_text(encoding="utf-8") and run_cli("build").code == 0
    html = (site_dir / "_site/easy-read/index.html").read_text(encoding="utf-8")
    assert "No pages have an Easy Read part yet." in html and "evidence/" not in html.split("<main")[1].split("</main>")[0]


def test_sample_ships_easy_read_for_home_pledge_and_take_part(sample_site: Path) -> None:
    for rel in ("index.html", "pledge/index.html", "take-part/index.html"):
        assert 'id="easy-read"' in (sample_site / rel).read_text(encoding="utf-8"), rel
    html = (sample_site / "easy-read/index.html").read_text(encoding="utf-8")
    for link in ("../index.html#easy-read", "../pledge/index.html#easy-read", "../take-part/index.html#easy-read"):
        assert f'href="{link}"' in html


def test_sample_easy_read_has_no_long_sentences(run_cli, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = run_cli("check")
    assert result.code == 0 and "easy_read" not in result.err, result.err

