"""The "Share your story" form in real Chromium (Playwright, Debian's /usr/bin/chromium).

The built site is served on 127.0.0.1 with the Content-Security-Policy shipped in templates/root/_headers,
so any inline script or style, or any request to another address, shows up as a failure. The file
the form makes is checked with the real `cmi-site check` and built into the site.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect

import cmi_site.taken
from cmi_site.cli import main
from cmi_site.config import BuildOptions, Paths
from cmi_site.models import Rating
from cmi_site.pipeline import check
from cmi_site.scaffold import slugify
from conftest import MINIMAL, TEMPLATES, TODAY, dedent, picture, write_files
from quality.server import read_headers_file, serve_folder

pytestmark = pytest.mark.browser

REPOSITORY = "https://github.com/example/cmi-site"

# Answers chosen to break naive YAML: colons, quotes, '#', leading '-', '[', '@', words YAML 1.1
# reads as true/false/null, a number, backslashes, '---' on its own line, accents and emoji.
ANSWERS = {
    "title": 'Respite: "carers" & the #1 plan',
    "summary": "no: it's yes - really",
    "people": "- yes\nnull\n[carers]\n@council: commissioners\n2025\n\n",
    "outcomes": 'A booking line "run by carers"\nC:\\temp\\notes & 100% more',
    "lessons": "Start with the people, not the plan\n  # not a comment\n--- not a boundary",
    "easy_read": "We asked carers what they need.\n---\n# This is not a comment\nCafé ☕ 😀: yes",
    "body": "## What we did\n\nWe met **every** month.\n\n- Carers chose the times\n- We paid people\n\n---\n\n"
            "See [our report](https://example.org/report).",
}
SLUG = "respite-carers-the-1-plan"


@dataclass
class Watched:
    """A page and everything it said or asked for."""

    page: Page
    origin: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)


def add_share_settings(content: Path) -> None:
    """A repository, an email address and one picture: everything the form can offer."""
    settings = content / "site.yml"
    settings.write_text(settings.read_text() + f"repository_url: {REPOSITORY}\ncontact_email: countmein@example.org\n")
    (content / "images").mkdir()
    (content / "images/garden.jpg").write_bytes(picture())


@pytest.fixture(scope="module")
def share_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal site with add_share_settings, built once for this module (the tests only read it)."""
    root = tmp_path_factory.mktemp("share")
    write_files(root / "content", {path: dedent(text) for path, text in MINIMAL.items()})
    add_share_settings(root / "content")
    code = main(["build", "--content", str(root / "content"), "--templates", str(TEMPLATES),
                 "--output", str(root / "_site"), "--today", TODAY.isoformat()])  # fmt: skip
    assert code == 0
    return root / "_site"


@pytest.fixture
def story_site(site_dir: Path) -> Path:
    """The same content as share_site, in a folder of its own to add the form's file to."""
    add_share_settings(site_dir / "content")
    return site_dir


@pytest.fixture(scope="module")
def server(share_site: Path) -> Iterator[str]:
    """The share site over HTTP, with the security headers it ships in _headers."""
    with serve_folder(share_site, read_headers_file(share_site)) as served:
        yield served.base_url.rstrip("/")


def open_page(browser: Browser, url: str, **context: object) -> Watched:
    page = browser.new_context(**context).new_page()  # type: ignore[arg-type]
    watched = Watched(page, url.split("/share/")[0])
    page.on("console", watched.on_console)
    page.on("pageerror", lambda error: watched.errors.append(f"pageerror: {error}"))
    page.on("request", watched.on_request)
    page.goto(url)
    return watched


@pytest.fixture
def share(browser: Browser, server: str) -> Iterator[Watched]:
    watched = open_page(browser, f"{server}/share/index.html", viewport={"width": 1000, "height": 900})
    yield watched
    watched.page.context.close()


def fill_story(page: Page, consent: bool = True, **answers: str) -> None:
    """Answer every question, as a visitor would."""
    values = {**ANSWERS, **answers}
    page.fill("#story-title", values["title"])
    page.fill("#story-summary", values["summary"])
    page.fill("#story-date-day", values.get("day", "14"))
    page.fill("#story-date-month", values.get("month", "March"))
    page.fill("#story-date-year", values.get("year", "2025"))
    for box in ("areas-norfolk", "areas-region", "sectors-social-care", "themes-carers", "themes-dementia",
                "approach-co-design", "rating-felt-heard-green", "rating-shared-power-amber"):  # fmt: skip
        page.check(f"#story-{box}")
    for name in ("people", "outcomes", "lessons", "easy_read", "body", "image_alt"):
        if name in values or name in ANSWERS:
            page.fill(f"#story-{name}", values.get(name, ""))
    if "image" in values:
        page.select_option("#story-image", values["image"])
    if consent:
        page.check("#story-consent")


def create(page: Page) -> None:
    """Press "Make the story file": the form checks the title once its shard of taken addresses has
    loaded, which it may still be doing (the form is aria-busy till then)."""
    page.click("#share-create")
    page.wait_for_selector("#share-form:not([aria-busy])", state="attached")


def make_file(page: Page) -> str:
    create(page)
    assert page.is_visible("#share-result"), page.inner_text("#error-summary")
    return page.input_value("#share-output")


def error_summary(page: Page) -> list[str]:
    return page.locator("#error-summary-list a").all_inner_texts()


# ---- the file the form makes ---------------------------------------------------------------------


def test_the_file_passes_check_and_appears_in_a_build(share: Watched, story_site: Path, run_cli) -> None:
    site_dir = story_site
    page = share.page
    fill_story(page, image="images/garden.jpg", image_alt='Carers planting "seeds": spring')
    text = make_file(page)
    assert page.inner_text("#share-path") == f"content/stories/{SLUG}.md"
    (site_dir / f"content/stories/{SLUG}.md").write_text(text, encoding="utf-8")

    result = run_cli("check", "--strict")
    assert (result.code, result.out, result.err) == (0, "No problems found in content.\n", "")
    checked = check(Paths(site_dir / "content", TEMPLATES, site_dir / "_site", site_dir), BuildOptions(today=TODAY))
    story = next(s for s in checked.site.stories if s.slug == SLUG)
    assert (story.title, story.summary, story.date) == (ANSWERS["title"], ANSWERS["summary"], dt.date(2025, 3, 14))
    assert (story.areas, story.sectors, story.themes) == (("norfolk", "region"), ("social-care",), ("carers", "dementia"))
    assert story.approach == "co-design"
    assert story.self_assessment == (Rating("felt-heard", "green"), Rating("shared-power", "amber"))
    assert story.people == ("yes", "null", "[carers]", "@council: commissioners", "2025")
    assert story.outcomes == ('A booking line "run by carers"', "C:\\temp\\notes & 100% more")
    assert story.lessons == ("Start with the people, not the plan", "# not a comment", "--- not a boundary")
    assert story.easy_read == ANSWERS["easy_read"]
    assert (story.image, story.image_alt) == ("images/garden.jpg", 'Carers planting "seeds": spring')
    assert story.draft is False

    assert run_cli("build").code == 0
    html = (site_dir / f"_site/stories/{SLUG}/index.html").read_text(encoding="utf-8")
    # the title's quotes are made curly, like the body text's (typography.smart_quotes); still escaped
    assert "<h1>Respite: \u201ccarers\u201d &amp; the #1 plan</h1>" in html
    assert '<h2 id="section--what-we-did">What we did</h2>' in html  # a body's ids are in their own namespace
    assert "<li>Carers chose the times</li>" in html
    assert ('<img src="../../images/garden-40w.jpg" srcset="../../images/garden-40w.jpg 40w" sizes="(min-width: 44rem) 42rem, '
            'calc(100vw - 2rem)" width="40" height="30" alt="Carers planting &#34;seeds&#34;: spring">') in html
    listing = (site_dir / "_site/stories/index.html").read_text(encoding="utf-8")
    assert f'<a href="../stories/{SLUG}/index.html">' in listing or f'<a href="{SLUG}/index.html">' in listing


def test_the_file_leaves_out_unanswered_questions(share: Watched, story_site: Path, run_cli) -> None:
    site_dir = story_site
    page = share.page
    page.fill("#story-title", "A short story")
    page.fill("#story-summary", "It went well.")
    for selector, value in (("#story-date-day", "1"), ("#story-date-month", "12"), ("#story-date-year", "2024")):
        page.fill(selector, value)
    for box in ("areas-suffolk", "sectors-health", "themes-carers"):
        page.check(f"#story-{box}")
    page.check("#story-consent")
    create(page)
    assert error_summary(page) == ["Write your story"]  # the one thing the form must not send empty
    page.fill("#story-body", "We met.")
    assert make_file(page) == (
        "---\n"
        '# Made with the "Share your story" form. The person who filled it in confirmed that\n'
        "# everyone named, described or pictured has agreed to the story being shared.\n"
        'title: "A short story"\n'
        'summary: "It went well."\n'
        "date: 2024-12-01\n"
        "areas: [suffolk]\n"
        "sectors: [health]\n"
        "themes: [carers]\n"
        "consent:\n"
        f"  date: {dt.date.today().isoformat()}\n"  # the day the box was ticked, on this machine
        '  how: "confirmed by the person who sent it with the Share your story form"\n'
        "---\n"
        "\n"
        "We met.\n"
    )
    (site_dir / "content/stories/a-short-story.md").write_text(page.input_value("#share-output"))
    assert run_cli("check", "--strict").code == 0


def test_github_link_carries_the_path_and_the_content(share: Watched) -> None:
    page = share.page
    fill_story(page)
    text = make_file(page)
    link = page.locator("#share-github")
    url = urllib.parse.urlsplit(link.get_attribute("href") or "")
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{REPOSITORY}/new/main"
    assert urllib.parse.parse_qs(url.query, strict_parsing=True) == {"filename": [f"content/stories/{SLUG}.md"], "value": [text]}
    assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener noreferrer")
    assert page.is_hidden("#share-send-upload")


def test_a_story_too_long_for_a_link_is_sent_as_a_file(share: Watched) -> None:
    """GitHub refuses links of a ~1,500-word story: the main action becomes download, then GitHub's upload page."""
    page = share.page
    fill_story(page, body=" ".join(["We met every month and talked about what carers need."] * 150))
    make_file(page)
    assert page.is_hidden("#share-send-link") and page.is_visible("#share-send-upload")
    assert page.get_attribute("#share-upload", "href") == f"{REPOSITORY}/upload/main/content/stories"
    assert page.get_attribute("#share-upload-download", "download") == f"{SLUG}.md"
    assert page.get_attribute("#share-upload-download", "href") == page.get_attribute("#share-download", "href")
    page.fill("#story-body", "A short story.")
    make_file(page)
    assert page.is_visible("#share-send-link") and page.is_hidden("#share-send-upload")


def test_copy_and_download_give_the_same_file(browser: Browser, server: str) -> None:
    share = open_page(browser, f"{server}/share/index.html", permissions=["clipboard-read", "clipboard-write"])
    page = share.page
    fill_story(page)
    text = make_file(page)
    page.click("#share-copy")
    expect(page.locator("#share-status")).to_have_text("The story file is copied. You can paste it into an email or a new file.")
    assert page.evaluate("navigator.clipboard.readText()") == text
    with page.expect_download() as download:
        page.click("#share-download")
    assert download.value.suggested_filename == f"{SLUG}.md"
    assert Path(download.value.path()).read_text(encoding="utf-8") == text
    assert share.errors == []
    page.context.close()


def test_nothing_is_sent_anywhere_and_nothing_breaks_the_security_policy(share: Watched) -> None:
    page = share.page
    loaded = list(share.requests)
    fill_story(page)
    make_file(page)
    page.click("#share-copy")
    assert all(url.startswith(share.origin + "/") for url in share.requests), share.requests
    later = [url for url in share.requests[len(loaded):] if not url.endswith("/assets/favicon.svg")]
    # Only the site's own file of taken addresses for the title's shard: it names a shard (one of a
    # few dozen at most), never an answer.
    assert [re.sub(r"taken-\d+\.[0-9a-f]{8}\.js$", "taken-N.js", url) for url in later] == [f"{share.origin}/share/taken-N.js"]
    assert share.errors == []
    # The policy is really in force: an inline script is refused, and says so.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s); }")
    assert page.evaluate("window.ran === undefined")
    assert any("Content Security Policy" in error for error in share.errors)


# ---- checks and errors ---------------------------------------------------------------------------


def test_consent_must_be_given_before_the_file_is_made(share: Watched) -> None:
    page = share.page
    fill_story(page, consent=False)
    create(page)
    assert error_summary(page) == ["Confirm that everyone in your story has agreed to it being shared"]
    assert page.is_hidden("#share-result")
    assert page.input_value("#share-output") == ""
    assert page.get_attribute("#share-github", "href") == f"{REPOSITORY}/new/main"
    page.check("#story-consent")
    assert make_file(page).startswith("---\n")
    assert page.is_hidden("#error-summary")


def test_missing_field_and_bad_date_are_shown_the_gov_uk_way(share: Watched) -> None:
    page = share.page
    fill_story(page, title="", day="30", month="2")
    create(page)
    assert error_summary(page) == ["Enter a title for your story", "The date must be a real date"]
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Error: Share your story")
    assert page.text_content("#story-title-error") == "Error: Enter a title for your story"
    assert page.text_content("#story-date-error") == "Error: The date must be a real date"
    assert page.get_attribute("#story-title", "aria-describedby") == "story-title-error story-title-hint story-title-address"
    assert "story-date-error" in (page.locator('[data-field="date"] fieldset').get_attribute("aria-describedby") or "")
    assert "form-input--error" in (page.get_attribute("#story-title", "class") or "")
    assert "form-group--error" in (page.get_attribute('[data-field="date"]', "class") or "")
    assert page.is_hidden("#share-result")
    # The summary's links lead to the fields, by keyboard too.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "story-title"
    page.click("#error-summary-list a >> nth=1")
    assert page.evaluate("document.activeElement.id") == "story-date-day"
    # Fixed, the errors go away.
    page.fill("#story-title", "A new title")
    page.fill("#story-date-day", "28")
    make_file(page)
    assert page.is_hidden("#error-summary") and page.is_hidden("#story-title-error")
    assert page.title() == "Share your story | Count Me In"
    assert page.get_attribute("#story-title", "aria-describedby") == "story-title-hint story-title-address"


DATES = [
    ("", "", "", "Enter the date the work happened or finished"),
    ("14", "", "2025", "The date must include a month"),
    ("", "", "2025", "The date must include a day and a month"),
    ("14", "3", "25", "The year must have 4 numbers, like 2025"),
    ("14", "Smarch", "2025", "The date must be a real date"),
    ("31", "April", "2025", "The date must be a real date"),
    ("29", "feb", "2023", "The date must be a real date"),
]


def test_date_checks(share: Watched) -> None:
    """One page for every case: each answer replaces the one before."""
    fill_story(share.page)
    seen = []
    for day, month, year in [case[:3] for case in DATES]:
        for part, value in (("day", day), ("month", month), ("year", year)):
            share.page.fill(f"#story-date-{part}", value)
        create(share.page)
        seen.append(error_summary(share.page))
    assert seen == [[case[3]] for case in DATES]


def test_months_as_numbers_or_words(share: Watched) -> None:
    fill_story(share.page, day="29", year="2024")
    for month in ["2", "02", "feb", "February", "FEB."]:
        share.page.fill("#story-date-month", month)
        assert "\ndate: 2024-02-29\n" in make_file(share.page), month


def test_every_required_question_is_checked(share: Watched) -> None:
    page = share.page
    create(page)
    assert error_summary(page) == [
        "Enter a title for your story", "Enter a summary of your story", "Enter the date the work happened or finished",
        "Select at least one area", "Select at least one sector", "Select at least one theme", "Write your story",
        "Confirm that everyone in your story has agreed to it being shared",
    ]  # fmt: skip
    hrefs = page.locator("#error-summary-list a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["#story-title", "#story-summary", "#story-date-day", "#story-areas-norfolk",
                     "#story-sectors-social-care", "#story-themes-carers", "#story-body", "#story-consent"]  # fmt: skip


def test_a_title_already_on_the_site_is_refused(share: Watched) -> None:
    fill_story(share.page, title="Respite with carers!")
    create(share.page)
    assert error_summary(share.page) == [
        "There is already a story with a title like this on the website. Change the title so it is different"
    ]


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The share site with 24 more stories and a withdrawn one, its taken addresses in shards of 3."""
    root = tmp_path_factory.mktemp("sharded")
    files = {path: dedent(text) for path, text in MINIMAL.items()}
    for number in range(24):
        files[f"stories/club-{number}.md"] = files["stories/memory-cafe.md"].replace("Memory cafe", f"Club {number}")
    files["stories/taken-down.md"] = "---\nwithdrawn: 2026-03-04\n---\n"
    write_files(root / "content", files)  # type: ignore[arg-type]
    add_share_settings(root / "content")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cmi_site.taken, "SHARD_SLUGS", 3)
        code = main(["build", "--no-cache", "--content", str(root / "content"), "--templates", str(TEMPLATES),
                     "--output", str(root / "_site"), "--today", TODAY.isoformat()])  # fmt: skip
    assert code == 0
    return root / "_site"


TAKEN = "There is already a story with a title like this on the website. Change the title so it is different"


def test_each_taken_address_is_found_in_its_shard_as_the_build_placed_it(browser: Browser, sharded_site: Path) -> None:
    # share.js's hash must agree with taken.fnv1a for every slug, or it looks in the wrong file.
    files = (sharded_site / "share").glob("taken-*.js")
    assert len(list(files)) == 9  # 27 addresses, 3 a file
    with serve_folder(sharded_site, read_headers_file(sharded_site)) as served:
        share = open_page(browser, f"{served.base_url}share/index.html")
        page = share.page
        fill_story(page)
        for title in ["Club 0", "club 1!", *[f"Club {n}" for n in range(2, 24)], "Memory café", "Respite with carers", "Taken down"]:
            page.fill("#story-title", title)
            create(page)
            assert error_summary(page) == [TAKEN], title
        page.fill("#story-title", "Club 24")
        assert "Club 24" in make_file(page)
        share.page.context.close()
    loaded = [url for url in share.requests if "/share/taken-" in url]
    assert len(loaded) == len(set(loaded)) == 9 and share.errors == []  # each shard once


def shards_asked(share: Watched) -> int:
    return len([url for url in share.requests if "/share/taken-" in url])


def test_only_the_shard_of_the_title_as_left_is_loaded_and_from_disk_too(browser: Browser, sharded_site: Path) -> None:
    # Not as it is typed: that would load most shards, and tell the host's log the title's first letters.
    share = open_page(browser, (sharded_site / "share/index.html").as_uri())
    fill_story(share.page, title="")
    share.page.locator("#story-title").press_sequentially("Club 7 and a longer title, typed")
    for _ in range(len(" and a longer title, typed")):
        share.page.keyboard.press("Backspace")
    assert shards_asked(share) == 0
    with share.page.expect_request(lambda request: "/share/taken-" in request.url):
        share.page.keyboard.press("Tab")  # leaving the box: its shard is loaded, ready
    create(share.page)
    assert error_summary(share.page) == [TAKEN]
    assert shards_asked(share) == 1
    assert share.errors == []
    share.page.context.close()


def test_a_shard_that_fails_or_never_comes_leaves_the_title_unchecked_then_is_asked_again(browser: Browser, sharded_site: Path) -> None:
    with serve_folder(sharded_site, read_headers_file(sharded_site)) as served:
        share = open_page(browser, f"{served.base_url}share/index.html")
        page = share.page
        page.route("**/taken-*", lambda route: route.abort())
        fill_story(page, title="Club 7")
        assert "Club 7" in make_file(page)  # not checked here: whoever adds the file finds its name taken
        page.unroute("**/taken-*")
        page.route("**/taken-*", lambda route: None)  # a request that is never answered
        create(page)
        expect(page.locator("#share-result")).to_be_visible()  # after TAKEN_WAIT, unchecked
        page.unroute("**/taken-*")
        create(page)  # asked for again, and now it comes
        assert error_summary(page) == [TAKEN]
        assert shards_asked(share) == 3
        share.page.context.close()


def test_a_picture_needs_alt_text(share: Watched) -> None:
    fill_story(share.page, image="images/garden.jpg", image_alt="")
    create(share.page)
    assert error_summary(share.page) == ["Describe the picture for people who cannot see it"]


def test_a_decorative_picture_with_a_caption_passes_check_and_is_built(share: Watched, story_site: Path, run_cli) -> None:
    page = share.page
    fill_story(page, image="images/garden.jpg", image_alt="")
    page.check("#story-image_decorative")
    page.fill("#story-image_caption", "The garden: first spring")
    text = make_file(page)
    assert "\nimage_decorative: true\n" in text and "image_alt" not in text and "\nimage_caption: " in text
    (story_site / f"content/stories/{SLUG}.md").write_text(text, encoding="utf-8")
    result = run_cli("check", "--strict")
    assert (result.code, result.err) == (0, ""), result.out
    assert run_cli("build").code == 0
    html = (story_site / f"_site/stories/{SLUG}/index.html").read_text(encoding="utf-8")
    assert 'alt=""' in html and "The garden: first spring" in html


def test_a_decorative_picture_has_no_alt_text(share: Watched) -> None:
    fill_story(share.page, image="images/garden.jpg", image_alt="Carers planting a garden")
    share.page.check("#story-image_decorative")
    create(share.page)
    assert error_summary(share.page) == [
        "Leave this empty when the picture only decorates the story, or untick \u201cThe picture only decorates the story\u201d"]


def test_without_a_picture_nothing_about_one_is_written(share: Watched) -> None:
    fill_story(share.page, image_alt="A garden")
    share.page.check("#story-image_decorative")
    share.page.fill("#story-image_caption", "A caption")
    text = make_file(share.page)
    assert "image" not in text.split("\n---\n")[0]


def test_web_address_is_made_from_the_title_as_cmi_site_new_does(share: Watched) -> None:
    for title in ["Café Project: phase 2!", "  Spaces   and --- dashes  ", "Ünïcödé ñame — with a dash",
                  "Co-designing respite with carers in Thetford and the surrounding villages of Breckland"]:  # fmt: skip
        share.page.fill("#story-title", title)
        assert share.page.inner_text("#story-title-address") == f"Your story’s web address will end in stories/{slugify(title)}/"


def test_a_title_without_letters_or_numbers_is_refused(share: Watched) -> None:
    fill_story(share.page, title="日本語 ???")
    create(share.page)
    assert error_summary(share.page) == ["The title must include some letters or numbers"]


def test_changing_an_answer_withdraws_the_file(share: Watched) -> None:
    page = share.page
    fill_story(page)
    make_file(page)
    page.fill("#story-summary", "A different summary.")
    assert page.is_hidden("#share-result")
    assert page.input_value("#share-output") == ""
    expect(page.locator("#share-status")).to_have_text("You changed your answers. Make the story file again to include the changes.")


# ---- the preview ---------------------------------------------------------------------------------


def preview_html(page: Page, body: str) -> str:
    page.fill("#story-body", body)
    page.wait_for_timeout(300)  # the preview waits for a pause in typing
    return page.inner_html("#story-preview")


def test_preview_shows_the_markdown_the_site_supports(share: Watched) -> None:
    html = preview_html(share.page, ANSWERS["body"] + "\n\n# Top\n\nA `code` and *em* and snake_case_word.\n\n1. one\n2. two")
    assert html == (
        '<h3>What we did</h3><p>We met <strong>every</strong> month.</p><ul><li>Carers chose the times</li>'
        "<li>We paid people</li></ul><hr><p>See "
        '<a href="https://example.org/report" target="_blank" rel="noopener noreferrer">our report</a>.</p>'
        "<h2>Top</h2><p>A <code>code</code> and <em>em</em> and snake_case_word.</p><ol><li>one</li><li>two</li></ol>"
    )


def test_preview_never_turns_text_into_markup(share: Watched) -> None:
    page = share.page
    html = preview_html(page, '<img src=x onerror="window.hacked=1"> [click](javascript:alert(1)) '
                              "[x](JAVASCRIPT:alert`1`) ![pic](https://evil.example/p.png) <script>window.hacked=1</script>")  # fmt: skip
    tags = page.locator("#story-preview *").evaluate_all("nodes => nodes.map(n => n.tagName)")
    assert tags == ["P"]
    assert "&lt;img src=x" in html and "[Picture: pic]" in html
    assert page.evaluate("window.hacked === undefined")
    assert share.requests == [r for r in share.requests if r.startswith(share.origin)]
    assert share.errors == []


def test_preview_like_the_site_needs_an_empty_line_before_a_list(share: Watched) -> None:
    assert preview_html(share.page, "We did:\n- this\n- that") == "<p>We did:\n- this\n- that</p>"


# ---- without a server, without JavaScript, on a small screen -------------------------------------


def test_works_opened_from_disk_at_320_pixels_wide(browser: Browser, share_site: Path) -> None:
    share = open_page(browser, (share_site / "share/index.html").as_uri(), viewport={"width": 320, "height": 640})
    page = share.page
    assert page.evaluate("document.documentElement.scrollWidth") == 320
    fill_story(page)
    text = make_file(page)
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") == 320
    with page.expect_download() as download:
        page.click("#share-download")
    assert Path(download.value.path()).read_text(encoding="utf-8") == text
    assert share.errors == []
    page.context.close()


def test_without_javascript_the_form_is_hidden_and_other_ways_shown(browser: Browser, server: str) -> None:
    share = open_page(browser, f"{server}/share/index.html", java_script_enabled=False)
    page = share.page
    assert page.is_visible("text=The form on this page needs JavaScript")
    assert page.is_hidden("#share-form")
    assert page.is_visible(".share-other a[href='mailto:countmein@example.org']")
    page.click("text=other ways to share your story")
    assert page.is_visible("#other-ways-heading")
    page.context.close()


def test_with_javascript_the_no_javascript_note_goes(share: Watched) -> None:
    assert share.page.is_hidden("#share-nojs")
    assert share.page.is_visible("#share-form")
    assert share.errors == []
