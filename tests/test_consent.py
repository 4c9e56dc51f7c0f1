"""Stories respect the people in them: consent recorded and shown, credit to those who told them, a
way to ask for a change or removal, and withdrawal that leaves nothing of an entry in any output."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, dedent

WORD = "Quokkaflume"  # in no other content: found in an output only if the entry leaked into it
STORY = dedent(f"""
    ---
    title: {WORD} garden club
    summary: The {WORD} club planned a garden with its members.
    date: 2025-05-02
    areas: [norfolk]
    sectors: [health]
    themes: [carers]
    people: [{WORD} members]
    told_by: [Members of the {WORD} club, a parent carer]
    consent: {{date: 2025-05-20, how: in writing at the club}}
    self_assessment:
      felt-heard: green
    ---
    We met in the {WORD} hall.
    """)
SIGNATORY = dedent(f"""
    ---
    name: Robin {WORD}
    role: Director
    organisation: {WORD} Trust
    area: norfolk
    sector: health
    signed: 2024-02-01
    commitments: [Listen to {WORD} members]
    ---
    Our {WORD} statement.
    """)


def outputs_holding(site: Path, word: str) -> list[str]:
    """Every output file (any kind: pages, feed, data, search index, calendars) whose bytes hold word."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() and word.encode() in p.read_bytes())


def settings(site_dir: Path, extra: str) -> None:
    path = site_dir / "content/site.yml"
    path.write_text(path.read_text(encoding="utf-8").replace('base_url: ""\n', "") + extra, encoding="utf-8")


@pytest.fixture
def with_entries(site_dir: Path) -> Path:
    (site_dir / "content/stories/garden-club.md").write_text(STORY, encoding="utf-8")
    (site_dir / "content/signatories/robin.md").write_text(SIGNATORY, encoding="utf-8")
    settings(site_dir, "base_url: https://example.org/cmi/\ncontact_email: countmein@example.org\n"
                       "repository_url: https://github.com/example/cmi-site\n")  # fmt: skip
    return site_dir


def test_consent_is_required_and_checked(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    path = site_dir / "content/stories/garden-club.md"
    cases = {
        "": "content/stories/garden-club.md:12: consent: missing: this field is required: add it above this line, the '---' "
            "that ends the front matter (when and how the people in the story agreed to it being published; for example "
            "'consent: {date: 2025-02-20, how: in writing}')",
        "consent: yes\n": "content/stories/garden-club.md:10: consent: expected consent with date, how, got text 'yes'",
        "consent: {date: 2025-05-20}\n": "content/stories/garden-club.md:10: consent.how: missing: this field is required "
                                         "(how they agreed; for example 'how: in writing, at the carers' group')",
    }  # fmt: skip
    for line, expected in cases.items():
        path.write_text(STORY.replace("consent: {date: 2025-05-20, how: in writing at the club}\n", line), encoding="utf-8")
        result = run_cli("check")
        assert result.code == 1 and expected in result.err.splitlines(), result.err


def test_the_story_page_credits_its_tellers_and_says_they_agreed(with_entries: Path, run_cli: Callable[..., Run]) -> None:
    assert run_cli("build").code == 0
    page = (with_entries / "_site/stories/garden-club/index.html").read_text(encoding="utf-8")
    assert f"<dt>Told by</dt><dd>Members of the {WORD} club and a parent carer</dd>" in page
    assert ('<p class="consent">The people in this story agreed to it being shared (in writing at the club, '
            '<time datetime="2025-05-20">20 May 2025</time>).</p>') in page  # fmt: skip
    # Credit is searchable and in the open data.
    assert f'"told_by": ["Members of the {WORD} club", "a parent carer"]' in (with_entries / "_site/data/stories.json").read_text()


def test_every_story_and_signatory_page_offers_a_change_or_removal(with_entries: Path, run_cli: Callable[..., Run]) -> None:
    assert run_cli("build").code == 0
    subject = f"Change or removal: {WORD} garden club (https://example.org/cmi/stories/garden-club/)"
    page = (with_entries / "_site/stories/garden-club/index.html").read_text(encoding="utf-8")
    assert f'<a href="mailto:countmein@example.org?subject={urllib.parse.quote(subject, safe="")}">by email</a>' in page
    issue = "https://github.com/example/cmi-site/issues/new?" + urllib.parse.urlencode(
        {"title": subject, "labels": "change-or-removal"}, quote_via=urllib.parse.quote).replace("&", "&amp;")  # fmt: skip
    assert f'<a href="{issue}">on GitHub</a>' in page
    signatory = (with_entries / "_site/signatories/robin/index.html").read_text(encoding="utf-8")
    assert "Ask for a change or removal" in signatory and urllib.parse.quote(f"Robin {WORD}", safe="") in signatory


@pytest.mark.parametrize("cache", [True, False], ids=["fast engine", "plain engine"])
def test_a_withdrawn_story_and_signatory_leave_every_output(with_entries: Path, run_cli: Callable[..., Run], cache: bool) -> None:
    no_cache = () if cache else ("--no-cache",)
    assert run_cli("build", *no_cache).code == 0
    site = with_entries / "_site"
    assert len(outputs_holding(site, WORD)) > 8  # the entries are everywhere first: pages, lists, feed, data, search
    for rel, text in (("stories/garden-club.md", STORY), ("signatories/robin.md", SIGNATORY)):
        (with_entries / "content" / rel).write_text(text.replace("---\n", "---\nwithdrawn: 2026-03-04\n", 1), encoding="utf-8")
    result = run_cli("build", *no_cache)
    assert result.code == 0, result.err
    assert outputs_holding(site, WORD) == []
    for route, kind in (("stories/garden-club/", "story"), ("signatories/robin/", "entry in the pledge register")):
        page = (site / route / "index.html").read_text(encoding="utf-8")
        assert f"<h1>This {kind} was withdrawn</h1>" in page
        assert '<time datetime="2026-03-04">4 March 2026</time>' in page and '<meta name="robots" content="noindex">' in page
        assert f"https://example.org/cmi/{route}<" not in (site / "sitemap.xml").read_text()
    assert "garden-club" not in (site / "stories/index.html").read_text() and "robin" not in (site / "pledge/index.html").read_text()


def test_a_deleted_story_leaves_nothing_behind(with_entries: Path, run_cli: Callable[..., Run]) -> None:
    assert run_cli("build").code == 0
    (with_entries / "content/stories/garden-club.md").unlink()
    (with_entries / "content/signatories/robin.md").unlink()
    assert run_cli("build").code == 0
    assert outputs_holding(with_entries / "_site", WORD) == []
    assert not (with_entries / "_site/stories/garden-club").exists()


def test_a_withdrawn_entry_is_checked_only_for_its_date(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    path = site_dir / "content/stories/garden-club.md"
    path.write_text("---\n# taken down at the family's request\nwithdrawn: 2026-03-04\n---\n", encoding="utf-8")
    assert run_cli("check").code == 0
    path.write_text("---\nwithdrawn: March 2026\n---\n", encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1 and result.err.startswith("content/stories/garden-club.md:2: withdrawn: "), result.err


def test_an_event_cannot_name_a_withdrawn_story_as_its_write_up(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    (site_dir / "content/stories/garden-club.md").write_text("---\nwithdrawn: 2026-03-04\n---\n", encoding="utf-8")
    event = site_dir / "content/events/open-meeting.md"
    event.write_text(event.read_text(encoding="utf-8").replace("---\n", "---\nwrite_up: garden-club\n", 1), encoding="utf-8")
    result = run_cli("check")
    assert ("content/events/open-meeting.md:2: write_up: the story 'garden-club' was withdrawn, so it cannot be the event's "
            "write-up (remove write_up)") in result.err.splitlines()  # fmt: skip


def test_only_withdrawn_stories_is_an_empty_site(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    for story in (site_dir / "content/stories").glob("*.md"):
        story.write_text("---\nwithdrawn: 2026-03-04\n---\n", encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1 and "or every story is a draft or withdrawn" in result.err
