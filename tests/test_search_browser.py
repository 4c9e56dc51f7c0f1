"""The search page in real Chromium: queries, prefixes, typos, accents, filters, counts, URL state,
from file://, under a sub-path behind a strict CSP, and without JavaScript.

The session's one Chromium (the `browser` fixture of tests/quality/fixtures.py); two small sites built
once: one whose index is a single file, and one split into many parts (the rules for splitting are
lowered so that a small site is split too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from cmi_site.cli import main
from cmi_site.outputs import search, searchtext
from conftest import MINIMAL, TEMPLATES, TODAY, dedent, write_files
from quality.server import read_headers_file, serve_folder

pytestmark = pytest.mark.browser


EXTRA = {
    "stories/cafe-for-carers.md": """
        ---
        title: A Café for carers
        summary: Carers opened a café in Suffolk.
        date: 2025-05-01
        areas: [suffolk]
        sectors: [social-care]
        themes: [carers]
        approach: co-design
        consent: {date: 2025-01-10, how: in writing}
        ---
        Planning took six months.
        """,
    "stories/going-home.md": """
        ---
        title: Going home from hospital
        summary: Patients and ward staff redesigned hospital discharge.
        date: 2023-02-01
        areas: [norfolk]
        sectors: [health]
        themes: [dementia]
        approach: co-production
        consent: {date: 2025-01-10, how: in writing}
        ---
        Families looking after someone with dementia were asked first.
        """,
    "stories/newsletter.md": """
        ---
        title: A newsletter for the network
        summary: A monthly newsletter.
        date: 2022-01-01
        areas: [region]
        sectors: [social-care]
        themes: [dementia]
        consent: {date: 2025-01-10, how: in writing}
        ---
        The newsletter has a page for carers every month.
        """,
}


def filler(count: int) -> dict[str, str]:
    """Stories that share no words with the queries, so a split index has many parts to choose from."""
    words = "garden kitchen bicycle orchestra lantern meadow harbour violin pottery chess".split()
    return {
        f"stories/filler-{n:03d}.md": dedent(f"""
            ---
            title: Filler {words[n % 10]} {n}
            summary: About {words[(n * 3) % 10]} and {words[(n * 7) % 10]}.
            date: 2021-{1 + n % 12:02d}-{1 + n % 28:02d}
            areas: [norfolk]
            sectors: [health]
            themes: [dementia]
            consent: {{date: 2025-01-10, how: in writing}}
            ---
            Words {words[(n * 9) % 10]} number{n}.
            """)
        for n in range(count)
    }


def build(root: Path, files: dict[str, str]) -> Path:
    write_files(root / "content", files)  # type: ignore[arg-type]
    out = root / "_site"
    code = main(["build", "--content", str(root / "content"), "--templates", str(TEMPLATES), "--output", str(out),
                 "--today", TODAY.isoformat()])  # fmt: skip
    assert code == 0
    return out


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {path: dedent(text) for path, text in {**MINIMAL, **EXTRA}.items()}
    site = build(tmp_path_factory.mktemp("small"), files)
    assert len(list((site / "search").glob("*.js"))) == 1
    return site


PHRASES = {
    "stories/shared-lives.md": """
        ---
        title: Shared Lives carers
        summary: A Shared Lives scheme in Essex.
        date: 2020-01-01
        areas: [norfolk]
        sectors: [health]
        themes: [dementia]
        consent: {date: 2025-01-10, how: in writing}
        ---
        Carers share their homes.
        """,
    "stories/our-stories.md": """
        ---
        title: Shared stories of our lives
        summary: People told us about their lives, and shared them.
        date: 2020-02-01
        areas: [norfolk]
        sectors: [health]
        themes: [dementia]
        consent: {date: 2025-01-10, how: in writing}
        ---
        Stories.
        """,
    "stories/care-at-home.md": """
        ---
        title: Care at home
        summary: Visits to people in their own homes.
        date: 2020-03-01
        areas: [norfolk]
        sectors: [health]
        themes: [dementia]
        consent: {date: 2025-01-10, how: in writing}
        ---
        Visits.
        """,
    "pages/who-we-are.md": """
        ---
        title: Who we are
        ---
        A small team.
        """,
    "stories/review.md": """
        ---
        title: A review of home care
        summary: What people said about the care they get.
        date: 2020-04-01
        areas: [norfolk]
        sectors: [health]
        themes: [dementia]
        consent: {date: 2025-01-10, how: in writing}
        ---
        A review.
        """,
}


@pytest.fixture(scope="module")
def phrase_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {path: dedent(text) for path, text in {**MINIMAL, **PHRASES}.items()}
    return build(tmp_path_factory.mktemp("phrases"), files)


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from the content the project ships (content/)."""
    out = tmp_path_factory.mktemp("shipped") / "_site"
    code = main(["build", "--content", str(TEMPLATES.parent / "content"), "--templates", str(TEMPLATES), "--output", str(out),
                 "--today", TODAY.isoformat()])  # fmt: skip
    assert code == 0
    return out


@pytest.fixture(scope="module")
def split_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {path: dedent(text) for path, text in {**MINIMAL, **EXTRA}.items()} | filler(120)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SINGLE_FILE_BYTES", 1000)
        patch.setattr(search, "MAX_FILES_PER", 5)
        patch.setattr(search, "DICT_BYTES", 400)  # several dictionary groups, as on a large site
        patch.setattr(search, "HASH_BLOCK", 2)  # kinds of part with several hashes in main, as on a large site
        site = build(tmp_path_factory.mktemp("split"), files)
    assert len(list((site / "search").glob("*.js"))) > 10
    main = next((site / "search").glob("main.*.js")).read_text(encoding="utf-8")
    assert re.search(r'"c":\["[0-9a-f]+","', main), "the chunks' hashes are a list, one for each block"
    return site


@pytest.fixture(scope="module")
def served(split_site: Path) -> Iterator[str]:
    """The split site at http://127.0.0.1:PORT/sub/path/, with the security headers it ships in _headers."""
    with serve_folder(split_site, read_headers_file(split_site), subpath="/sub/path/") as server:
        yield server.base_url


class Page:
    """A browser tab on the search page, collecting console errors and failed requests."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, url: str) -> Page:
        self.page.goto(url)
        self.settle()
        return self

    def settle(self) -> None:
        """Wait until the search has drawn the results for what is on the page now, and said how many.

        Events run the search at once and mark it busy, so "done" means done with the latest; after typing
        it is done once the status line is updated, when typing pauses. (A selector, not wait_for_function:
        that evaluates a string in the page, which the strict CSP rightly refuses.)
        """
        self.page.wait_for_selector("#search[data-state=done]", state="attached")

    def type(self, text: str) -> None:
        self.page.fill("#search-q", text)
        self.settle()
        if text.strip():  # "done" may still be the last query's for a moment (a CI run saw the old status)
            expect(self.page.locator("#search-status")).to_contain_text(f"“{text.strip()}”")

    def status(self) -> str:
        return self.page.inner_text("#search-status")

    def titles(self) -> list[str]:
        return self.page.locator(".search-result__title").all_inner_texts()

    def marks(self) -> list[str]:
        return self.page.locator(".search-results mark").all_inner_texts()

    def count(self, facet: str, value: str) -> str:
        return self.page.text_content(f"label[for='search-{facet}-{value}'] .search-facet__count") or ""

    def check(self, facet: str, value: str) -> None:
        if not self.page.is_visible(f"#search-{facet}-{value}"):
            self.page.click(f"details[data-facet='{facet}'] summary")
            self.settle()
        self.page.check(f"#search-{facet}-{value}")
        self.settle()

    def history(self, step: str) -> None:
        """Go back or forward, then wait for the search that the move starts to be drawn ("done" may still
        be the last search's when the browser returns, before its popstate event has run)."""
        drawn = self.page.get_attribute("#search", "data-at")
        self.page.go_back() if step == "back" else self.page.go_forward()
        for _ in range(100):
            if self.page.get_attribute("#search", "data-at") != drawn:
                break
            self.page.wait_for_timeout(50)
        self.settle()

    def query(self) -> str:
        return self.page.evaluate("location.search")

    def address(self, expected: str) -> None:
        """Wait for the page's address to hold the search (it is written once typing pauses)."""
        for _ in range(100):
            if self.query() == expected:
                return
            self.page.wait_for_timeout(50)
        assert self.query() == expected


@pytest.fixture
def tab(browser: Any) -> Iterator[Page]:
    context = browser.new_context()
    page = Page(context.new_page())
    yield page
    context.close()
    assert page.errors == []


def file_url(site: Path, query: str = "") -> str:
    return (site / "search" / "index.html").as_uri() + query


# ---- matching ------------------------------------------------------------------------------------


def test_a_word_finds_its_forms_with_title_matches_first_and_highlighted(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site))
    assert tab.status() == "Type a word, or choose a filter, to search 10 stories, signatories, events and pages."
    tab.type("carers")
    assert tab.status() == "4 results for “carers”."
    titles = tab.titles()
    assert titles[:2] == ["Respite with carers", "A Café for carers"]  # in the title: first
    assert set(titles[2:]) == {"A newsletter for the network", "Sam Rivers"}  # in the body
    assert "carers" in [m.lower() for m in tab.marks()]
    first = tab.page.locator(".search-result").first
    assert first.locator(".search-result__kind").inner_text() == "Story"
    assert first.locator(".search-result__meta").inner_text() == "14 March 2025 · Norfolk"
    assert first.locator("a").get_attribute("href") == "../stories/respite-with-carers/index.html"


def test_stemming_prefixes_typos_and_accents(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site))
    tab.type("caring")
    assert tab.titles()[:2] == ["Respite with carers", "A Café for carers"]
    tab.type("hosp")
    assert tab.titles() == ["Going home from hospital"]
    assert tab.marks() == ["hospital", "hospital"]
    tab.type("hospitl ")
    assert tab.titles() == ["Going home from hospital"]
    tab.type("dementai")
    assert set(tab.titles()) == {"Going home from hospital", "Memory cafe", "A newsletter for the network"}
    tab.type("CAFÉ")
    assert tab.titles() == ["A Café for carers", "Memory cafe"]
    assert tab.marks() == ["Café", "café", "cafe", "cafe"]
    tab.type("cafe carers")
    assert tab.titles() == ["A Café for carers"]
    tab.type("zebra")
    assert tab.status() == "0 results for “zebra”. " + NOTHING
    assert tab.titles() == []
    tab.type("the ")
    assert tab.status() == "“the” is too short or too common to search for. Type a word, or choose a filter, to search 10 stories, signatories, events and pages."


NOTHING = "Try fewer words, other words or another spelling, fewer filters, or browse by area, theme or sector."
SOME = "No results with all of your words. Showing results with some of them. "


def test_when_no_document_has_every_word_those_with_most_of_them_are_shown_ranked(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site))
    tab.type("carers zebra")
    assert tab.status() == SOME + "4 results for “carers zebra”."
    assert tab.titles()[:2] == ["Respite with carers", "A Café for carers"]  # ranked as "carers" alone
    assert not tab.page.is_visible("#search-help")
    tab.type("dementia carers zebra")  # two of the three words first, then one
    titles = tab.titles()
    assert tab.status().startswith(SOME)
    assert titles[0] == "A newsletter for the network"  # dementia (its theme) and carers (its text)
    assert set(titles[1:]) == {"Respite with carers", "A Café for carers", "Sam Rivers", "Going home from hospital", "Memory cafe"}
    tab.type("dementia carers")  # every word somewhere: only those, no partial line
    assert tab.status() == "1 result for “dementia carers”."


def test_when_nothing_matches_the_page_and_the_live_region_say_what_to_try(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site, "?q=zebra+giraffe"))
    assert tab.status() == "0 results for “zebra giraffe”. " + NOTHING
    assert tab.page.get_attribute("#search-status", "role") == "status"
    help_box = tab.page.locator("#search-help")
    expect(help_box).to_be_visible()
    links = help_box.locator("a")
    assert links.all_inner_texts() == ["all stories", "area", "theme", "sector"]
    assert links.nth(1).get_attribute("href") == "../areas/index.html"
    tab.type("carers")
    expect(help_box).to_be_hidden()
    tab.type("")
    expect(help_box).to_be_hidden()
    tab.open(file_url(small_site, "?q=carers&type=event"))  # the filters leave nothing
    assert tab.status() == "0 results for “carers”, filtered by Type: Events. " + NOTHING
    expect(help_box).to_be_visible()


def test_a_result_whose_shown_words_did_not_match_says_where_it_matched(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site, "?q=carers"))
    where = {item.locator(".search-result__title").inner_text(): item.locator(".search-result__where").all_inner_texts()
             for item in tab.page.locator(".search-result").all()}  # fmt: skip
    assert where == {"Respite with carers": [], "A Café for carers": [],  # marked in the title
                     "A newsletter for the network": ["Matched words in the story."],
                     "Sam Rivers": ["Matched words in the signatory's page."]}  # fmt: skip
    tab.type("commissioners")  # in the summary shown: marked there, nothing more said
    assert tab.page.locator(".search-result__where").count() == 0
    assert tab.marks() == ["commissioners"]
    tab.type("pay people")  # a signatory's commitment: not shown, so said
    assert tab.page.locator(".search-result__where").all_inner_texts() == ["Matched its role, organisation, commitments, area or sector."]


def test_a_typo_in_the_first_letter_of_a_long_word_is_forgiven(tab: Page, split_site: Path) -> None:
    tab.open(file_url(split_site))
    tab.type("nospital")  # h -> n: the word is in another dictionary file, loaded for it
    assert tab.titles() == ["Going home from hospital"]
    assert tab.marks() == ["hospital", "hospital"]
    tab.type("ospital")  # the first letter dropped
    assert tab.titles() == ["Going home from hospital"]
    tab.type("vafe")  # too short to guess which word was meant
    assert tab.titles() == []


def test_a_quoted_phrase_matches_its_words_next_to_each_other_in_order(tab: Page, phrase_site: Path) -> None:
    tab.open(file_url(phrase_site))
    tab.type("shared lives")  # both stories have both words; the one with them together first
    assert tab.titles() == ["Shared Lives carers", "Shared stories of our lives"]
    tab.type('"shared lives"')
    assert tab.status() == "1 result for “\"shared lives\"”."
    assert tab.titles() == ["Shared Lives carers"]
    assert tab.marks() == ["Shared", "Lives", "Shared", "Lives"]
    tab.type("“lives shared”")  # the wrong order: not a match, so those with some of the words
    assert tab.status().startswith("No results with all of your words and the quoted ones next to each other. Showing")
    tab.type('"shared lives" essex')  # a phrase and a word
    assert tab.titles() == ["Shared Lives carers"]


def test_a_query_of_several_words_ranks_them_together_first(tab: Page, phrase_site: Path) -> None:
    tab.open(file_url(phrase_site))
    tab.type("care at home")  # "at" is skipped between them, as in the index
    assert tab.titles()[:2] == ["Care at home", "A review of home care"]  # both titles have both words
    tab.type("home care")
    assert tab.titles()[:2] == ["A review of home care", "Care at home"]


def test_ranking_on_the_shipped_content_is_as_documented(tab: Page, shipped_site: Path) -> None:
    tab.open(file_url(shipped_site, "?q=what+is+coproduction"))  # the About page's heading, whole
    assert tab.titles()[0] == "About Count Me In"
    assert tab.page.locator(".search-result__where").first.inner_text() == "Matched its summary or headings."
    tab.open(file_url(shipped_site, "?q=carers"))  # titled stories first; a signatory's organisation is not its title
    kinds = tab.page.locator(".search-result__kind").all_inner_texts()
    assert tab.titles()[:2] == ["Carers help design a simpler way to book a break", "Rewriting the carers' information leaflet"]
    # below the titled stories (the sample's other carers stories, matched by their theme, may come between)
    assert kinds[:2] == ["Story", "Story"] and "Signatory" in kinds


def test_a_query_of_small_common_words_finds_a_whole_title_or_heading(tab: Page, phrase_site: Path) -> None:
    tab.open(file_url(phrase_site, "?q=Who+we+are"))
    assert tab.status() == "1 result for “Who we are”."
    assert tab.titles() == ["Who we are"]
    assert tab.marks() == ["Who", "we", "are"]
    tab.type("where we are ")
    assert tab.status().startswith("“where we are” is too short or too common to search for.")
    tab.type("shared stories of our lives")  # a whole title: first, above a title with more of the words
    assert tab.titles()[0] == "Shared stories of our lives"


def test_short_words_are_not_guessed_at(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site))
    tab.type("ho")  # too short to stand for every word it starts
    assert tab.titles() == []
    tab.type("hom")
    assert "Going home from hospital" in tab.titles()


def test_newest_first_sort(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site, "?q=carers&sort=newest"))
    assert tab.page.input_value("#search-sort") == "newest"
    assert tab.titles()[:2] == ["A Café for carers", "Respite with carers"]
    tab.page.select_option("#search-sort", "")
    tab.settle()
    assert tab.titles()[:2] == ["Respite with carers", "A Café for carers"]
    tab.address("?q=carers")


def test_the_count_is_said_once_typing_pauses_not_at_every_key(tab: Page, small_site: Path) -> None:
    clock = tab.page.clock
    clock.install()  # the page's timers run on a clock the test moves on
    tab.open(file_url(small_site))
    clock.pause_at(tab.page.evaluate("Date.now()") + 1000)
    tab.page.evaluate("""() => {
        const status = document.getElementById("search-status");
        window.said = [];
        new MutationObserver((changes) => changes.forEach(() => said.push(status.textContent)))
            .observe(status, { childList: true, characterData: true, subtree: true });
    }""")  # fmt: skip

    def said() -> list[str]:
        """Every text the status line was given since the observer started."""
        return tab.page.evaluate("said")

    titles = tab.page.locator(".search-result__title")
    tab.page.focus("#search-q")
    for key in "carers":
        tab.page.keyboard.type(key)
        clock.run_for(300)  # a slow typist: each key well after the last, but before typing pauses
    expect(titles).to_have_text(["Respite with carers", "A Café for carers", re.compile("."), re.compile(".")])
    assert said() == []  # the results follow each key; the status line, read out, does not
    assert tab.status() == "Type a word, or choose a filter, to search 10 stories, signatories, events and pages."
    clock.run_for(200)  # 500 ms after the last key
    assert said() == []
    clock.run_for(300)  # 800 ms
    assert said() == ["4 results for “carers”."]
    assert tab.page.get_attribute("#search", "data-state") == "done"

    tab.page.keyboard.type(" cafe")
    expect(titles).to_have_text(["A Café for carers"])
    tab.page.keyboard.press("Enter")  # searching on purpose: said at once
    expect(tab.page.locator("#search-status")).to_have_text("1 result for “carers cafe”.")
    clock.run_for(2000)
    assert said() == ["4 results for “carers”.", "1 result for “carers cafe”."]  # nothing said late


# ---- filters -------------------------------------------------------------------------------------


def test_filters_work_without_words_and_counts_follow_the_query(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site))
    assert tab.count("type", "story") == " (5)"
    tab.check("area", "suffolk")
    assert tab.status() == "2 results, filtered by Area: Suffolk."
    assert tab.titles() == ["A Café for carers", "Memory cafe"]  # newest first
    tab.address("?area=suffolk")
    assert tab.count("area", "norfolk") == " (4)"  # what choosing Norfolk as well would add
    assert tab.count("type", "story") == " (2)"
    tab.check("area", "norfolk")
    assert tab.status() == "6 results, filtered by Area: Norfolk or Suffolk."
    tab.check("theme", "carers")
    assert tab.status() == "2 results, filtered by Area: Norfolk or Suffolk; Theme: Carers."
    assert tab.titles() == ["A Café for carers", "Respite with carers"]
    assert tab.count("theme", "dementia") == " (2)"
    tab.type("cafe")
    assert tab.status() == "1 result for “cafe”, filtered by Area: Norfolk or Suffolk; Theme: Carers."
    assert tab.count("theme", "dementia") == " (1)"
    assert tab.page.inner_text("details[data-facet='area'] summary") == "Area (2 chosen)"
    tab.address("?q=cafe&area=norfolk&area=suffolk&theme=carers")


def test_the_address_holds_the_search_and_the_back_button_returns_to_it(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site, "?q=carers&area=norfolk"))
    assert tab.page.input_value("#search-q") == "carers"
    assert tab.page.is_checked("#search-area-norfolk")
    assert tab.page.get_attribute("details[data-facet='area']", "open") == ""
    assert tab.titles() == ["Respite with carers", "Sam Rivers"]
    tab.check("type", "signatory")
    assert tab.titles() == ["Sam Rivers"]
    tab.type("sam")
    tab.address("?q=sam&type=signatory&area=norfolk")
    tab.type("samuel")
    tab.address("?q=samuel&type=signatory&area=norfolk")
    tab.history("back")  # typing replaced its own entry, so back goes to before it
    tab.address("?q=carers&type=signatory&area=norfolk")
    assert tab.page.input_value("#search-q") == "carers"
    tab.history("back")
    assert not tab.page.is_checked("#search-type-signatory")
    assert tab.titles() == ["Respite with carers", "Sam Rivers"]
    tab.history("forward")
    assert tab.titles() == ["Sam Rivers"]


def test_more_results_on_request_with_focus_on_the_first_new_one(tab: Page, split_site: Path) -> None:
    tab.open(file_url(split_site, "?theme=dementia"))
    assert tab.status() == "123 results, filtered by Theme: Dementia. Showing the first 10."
    assert len(tab.titles()) == 10
    tab.page.click("#search-more")
    tab.page.locator(".search-result").nth(19).wait_for()
    eleventh = tab.page.locator(".search-result a").nth(10)
    assert tab.page.evaluate("document.activeElement.textContent") == eleventh.inner_text()
    assert tab.status() == "123 results, filtered by Theme: Dementia. Showing 20."


# ---- where it works ------------------------------------------------------------------------------


def test_a_split_index_from_file_loads_only_the_parts_a_query_needs(tab: Page, split_site: Path) -> None:
    loaded: list[str] = []
    tab.page.on("request", lambda r: loaded.append(r.url.rsplit("/", 1)[1]) if "/search/" in r.url else None)
    tab.open(file_url(split_site, "?q=hospital"))
    assert tab.titles() == ["Going home from hospital"]
    kinds = sorted(name[0] for name in loaded if name.endswith(".js"))
    assert kinds == ["c", "d", "m", "t"], loaded  # one chunk, one dictionary group, main, one shard


def test_a_first_letter_typo_loads_a_few_dictionary_groups_not_all(tab: Page, split_site: Path) -> None:
    loaded: list[str] = []
    tab.page.on("request", lambda r: loaded.append(r.url.rsplit("/", 1)[1]) if "/search/" in r.url else None)
    tab.open(file_url(split_site, "?q=nospital"))
    assert tab.titles() == ["Going home from hospital"]
    groups = [name for name in loaded if name.startswith("d")]
    every = [f for f in (split_site / "search").iterdir() if f.name.startswith("d")]
    assert any(name.startswith("e") for name in loaded) and 0 < len(groups) < len(every), loaded  # not every group


def test_a_typo_after_the_first_letter_loads_its_typo_groups(tab: Page, split_site: Path) -> None:
    loaded: list[str] = []
    tab.page.on("request", lambda r: loaded.append(r.url.rsplit("/", 1)[1]) if "/search/" in r.url else None)
    tab.open(file_url(split_site, "?q=hpspital"))  # the second letter changed: a g group
    assert tab.titles() == ["Going home from hospital"]
    assert any(name.startswith("g") for name in loaded) and not any(name.startswith("e") for name in loaded), loaded
    for typo in ("hsopital", "hospitla", "hopital", "hosspital"):  # swapped, swapped at the end, dropped, doubled
        tab.type(typo)
        assert tab.titles() == ["Going home from hospital"], typo


def test_under_a_sub_path_with_a_strict_csp(tab: Page, served: str) -> None:
    tab.page.goto(served + "stories/going-home/index.html")
    tab.page.fill("#site-search-q", "hospital discharge")
    tab.page.press("#site-search-q", "Enter")
    tab.page.wait_for_url("**/sub/path/search/index.html?q=hospital+discharge")
    tab.settle()
    assert tab.titles() == ["Going home from hospital"]
    tab.type("garden")
    assert tab.status().startswith("12 results for “garden”")
    tab.check("approach", "co-production")
    assert tab.status() == "0 results for “garden”, filtered by Approach: Co-production. " + NOTHING
    tab.address("?q=garden&approach=co-production")  # pushed just after "done": going back sooner skips it
    tab.history("back")
    assert tab.status().startswith("12 results for “garden”")


def test_without_javascript_the_page_says_so_and_links_to_browsing(browser: Any, small_site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(file_url(small_site, "?q=carers"))
    assert page.is_visible("text=Search needs JavaScript")
    assert not page.is_visible("#search-form")
    assert page.get_attribute("a:text('area')", "href") == "../areas/index.html"
    context.close()


def test_keyboard_only_with_visible_focus(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site))
    tab.page.focus("#search-q")
    tab.page.keyboard.type("respite")
    tab.settle()
    assert tab.titles() == ["Respite with carers"]
    tab.page.keyboard.press("Tab")  # the Search button
    tab.page.keyboard.press("Tab")  # the order
    tab.page.keyboard.press("Tab")  # the first filter, closed
    assert tab.page.evaluate("document.activeElement.textContent") == "Type"
    tab.page.keyboard.press("Enter")  # opens it
    tab.settle()
    tab.page.keyboard.press("Tab")  # its first value
    assert tab.page.evaluate("document.activeElement.id") == "search-type-story"
    outline = tab.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    tab.page.keyboard.press("Space")
    tab.settle()
    assert tab.status() == "1 result for “respite”, filtered by Type: Stories."


def test_python_and_javascript_tokenise_and_stem_alike(tab: Page, small_site: Path) -> None:
    tab.open(file_url(small_site))
    text = ("Carers' Café caring CARED planning stories status co-production hospital discharged services "
            "naïve Zoë people's analysis meetings accessed called 2024 GP's ward-based e-mail ÉCOLE straße")  # fmt: skip
    got = tab.page.evaluate("t => CMI_SEARCH.indexWords(t).map(CMI_SEARCH.stem)", text)
    assert got == searchtext.terms_of(text)
    assert tab.page.evaluate("t => CMI_SEARCH.normalise(t)", text) == searchtext.normalise(text)
    assert json.dumps(got)  # sanity: a plain list of strings
