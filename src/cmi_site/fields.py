"""The schema's tables: every field each kind of file may hold, with its check, whether it is
required, its kind, help and example (docs/content.md, the share form and `cmi-site new` show them).
The checks themselves are schema.py's."""

from __future__ import annotations

from .schema import (
    Check,
    FieldSpec,
    approach,
    boolean,
    date,
    date_or_datetime,
    email,
    image_path,
    list_of,
    one_of,
    rag_map,
    record,
    story_slug,
    text,
    web_url,
)


def _f(name: str, check: Check, required: bool, kind: str, help_text: str, example: str) -> FieldSpec:
    return FieldSpec(name, check, required, help_text, example, kind)


AREA_IDS = list_of(one_of("areas", "area"), "area ids")
SECTOR_IDS = list_of(one_of("sectors", "sector"), "sector ids")
THEME_IDS = list_of(one_of("themes", "theme"), "theme ids")
TEXT_LIST = list_of(text, "items", unique=False)

UPDATE_FIELDS = (
    _f("date", date, True, "date", "when the update was made", "2025-06-01"),
    _f("text", text, True, "text", "what has happened", "We set up a carers' panel that meets monthly."),
)

CONSENT_FIELDS = (
    _f("date", date, True, "date", "when the people in the story agreed to it being published", "2025-02-20"),
    _f("how", text, True, "text", "how they agreed", "in writing, at the carers' group"),
)

STORY_FIELDS = (
    _f("title", text, True, "text", "the story's title", "Co-designing respite with carers in Thetford"),
    _f(
        "summary",
        text,
        True,
        "text",
        "one or two sentences saying what happened",
        "Carers and commissioners redesigned respite together.",
    ),
    _f("date", date, True, "date", "when the work happened or was finished", "2025-03-14"),
    _f("areas", AREA_IDS, True, "list of area ids", "the areas the work covers; [region] for region-wide", "[norfolk]"),
    _f("sectors", SECTOR_IDS, True, "list of sector ids", "the sectors involved", "[social-care, health]"),
    _f("themes", THEME_IDS, True, "list of theme ids", "what the work was about", "[carers]"),
    _f("approach", approach, False, "approach", "how far along the ladder of coproduction the work went", "co-production"),
    _f("self_assessment", rag_map, False, "statement id: red, amber or green", "the RAG self-assessment", "{felt-heard: green}"),
    _f("people", TEXT_LIST, False, "list of text", "who took part, in words", "[carers, people who draw on care, commissioners]"),
    _f("outcomes", TEXT_LIST, False, "list of text",
       "what changed, one point each (the page shows them under the heading 'What changed')", "[A new respite booking line run by carers]"),
    _f("lessons", TEXT_LIST, False, "list of text",
       "what you learned, one point each (the page shows them under the heading 'What we learned')", "[Start with the people, not the plan]"),
    _f(
        "easy_read",
        text,
        False,
        "text",
        "an Easy Read summary: short sentences, one idea each",
        "We asked carers what they need.",
    ),
    _f("image", image_path, False, "image path", "a picture, saved in content/images/", "images/garden.jpg"),
    _f("image_alt", text, False, "text", "what the picture shows, for people who cannot see it", "Carers planting a garden"),
    _f("image_decorative", boolean, False, "true or false",
       "true when the picture only decorates and shows nothing a reader needs (then it has no image_alt)", "false"),
    _f("image_caption", text, False, "text", "a caption shown under the picture", "The garden in its first spring"),
    _f("draft", boolean, False, "true or false", "true keeps the story off the site until it is ready", "false"),
    _f("consent", record(CONSENT_FIELDS, "consent"), True, "date and how",
       "when and how the people in the story agreed to it being published", "{date: 2025-02-20, how: in writing}"),
    _f("organisations", list_of(text, "organisations"), False, "list of text",
       "the organisations involved, written as their signatories write them (their pages then list the story)",
       "[Fenside Council]"),
    _f("told_by", TEXT_LIST, False, "list of text", "the people or groups who told or co-wrote the story, credited on its page",
       "[Members of the Thetford carers' group]"),
    _f("withdrawn", date, False, "date", "takes the story off the site (its address says it was withdrawn)", "2026-05-01"),
)  # fmt: skip

SIGNATORY_FIELDS = (
    _f("name", text, True, "text", "the person's name", "Sam Rivers"),
    _f("role", text, True, "text", "their job title", "Director of Adult Social Care"),
    _f("organisation", text, True, "text", "the organisation they sign for", "Fenside Council"),
    _f("area", one_of("areas", "area"), True, "area id", "the area the organisation works in", "suffolk"),
    _f("sector", one_of("sectors", "sector"), True, "sector id", "the organisation's sector", "social-care"),
    _f("signed", date, True, "date", "the date they signed the pledge", "2024-05-01"),
    _f("commitments", TEXT_LIST, True, "list of text", "what they commit to", "[Pay people for their time]"),
    _f("website", web_url, False, "web address", "the organisation's website", "https://example.org"),
    _f("updates", list_of(record(UPDATE_FIELDS, "an update"), "updates", unique=False), False,
       "list of date and text", "dated progress on the commitments", "[{date: 2025-06-01, text: ...}]"),
    _f("easy_read", text, False, "text", "an Easy Read version of their statement", "We will listen to you."),
    _f("left", date, False, "date",
       "when they left the organisation: they stay on the register as a former signatory", "2026-03-31"),
    _f("withdrawn", date, False, "date", "takes the signatory off the site (its address says it was withdrawn)", "2026-05-01"),
)  # fmt: skip

# A withdrawn story or signatory: only this is checked (and kept); the rest of the file is never published.
WITHDRAWN_FIELDS = (_f("withdrawn", date, True, "date", "when it was taken off the site", "2026-05-01"),)

EVENT_FIELDS = (
    _f("title", text, True, "text", "the event's name", "Coproduction week: open meeting"),
    _f("start", date_or_datetime, True, "date or date and time", "when it starts, UK time", "2027-02-11 10:00"),
    _f("end", date_or_datetime, False, "date or date and time", "when it ends, UK time", "2027-02-11 12:30"),
    _f("location", text, False, "text", "where it happens (or use online: true)", "Norwich Forum, Norwich"),
    _f("online", boolean, False, "true or false", "true when the event is online", "true"),
    _f("areas", AREA_IDS, False, "list of area ids", "the areas it is for; left out means region-wide", "[norfolk]"),
    _f("booking_url", web_url, False, "web address", "where to book a place", "https://example.org/book"),
    _f("summary", text, False, "text", "one sentence about the event", "An open meeting for anyone interested."),
    _f("recording_url", web_url, False, "web address", "a recording, after the event", "https://example.org/recording"),
    _f("write_up_url", web_url, False, "web address", "a write-up, after the event", "https://example.org/write-up"),
    _f(
        "write_up",
        story_slug,
        False,
        "story file name",
        "a story on this site that is the event's write-up",
        "summer-gathering-stories",
    ),
)

PAGE_FIELDS = (
    _f("title", text, True, "text", "the page title", "About the network"),
    _f("summary", text, False, "text", "one sentence about the page", "Who we are and what we do."),
    _f("easy_read", text, False, "text", "an Easy Read version", "We help people work together."),
)

SITE_FIELDS = (
    _f("title", text, True, "text", "the site's name", "Count Me In"),
    _f("tagline", text, True, "text", "a few words under the name", "Coproduction in the East of England"),
    _f("description", text, True, "text", "one sentence describing the site, for search engines", "Stories and pledges ..."),
    _f(
        "base_url",
        web_url,
        False,
        "web address",
        "where the site lives, for canonical links, sitemap and feed",
        "https://example.org/count-me-in/",
    ),
    _f(
        "repository_url",
        web_url,
        False,
        "web address",
        "the repository, for 'Suggest a change' links",
        "https://github.com/example/cmi-site",
    ),
    _f("repository_branch", text, False, "text", "the repository's main branch", "main"),
    _f("sample_notice", boolean, True, "true or false", "true shows a notice that the content is sample content", "true"),
    _f("contact_email", email, False, "email address", "where people can write to the network", "countmein@example.org"),
    _f("easy_read", text, False, "text", "the home page's message in Easy Read", "We help people work together."),
)

TERM_FIELDS = (
    _f("id", text, True, "id", "the id used in stories: lower-case letters, numbers and hyphens", "carers"),
    _f("name", text, True, "text", "the name shown on the site", "Carers"),
    _f("description", text, True, "text", "a short description", "Unpaid carers and the people they care for."),
)

AREA_FIELDS = (
    *TERM_FIELDS,
    _f("integrated_care_systems", TEXT_LIST, True, "list of text", "the integrated care systems that cover the area",
       "[Norfolk and Waveney]"),
)  # fmt: skip

STATEMENT_FIELDS = (
    _f("id", text, True, "id", "the id used in stories' self_assessment", "felt-heard"),
    _f("statement", text, True, "text", "the statement, in plain words", "People felt listened to."),
    _f("red", text, True, "text", "what red means for this statement", "Most people did not feel heard."),
    _f("amber", text, True, "text", "what amber means", "Some people felt heard, some did not."),
    _f("green", text, True, "text", "what green means", "Everyone felt heard."),
)

COLLECTION_FIELDS = {
    "stories": STORY_FIELDS,
    "signatories": SIGNATORY_FIELDS,
    "events": EVENT_FIELDS,
    "pages": PAGE_FIELDS,
}
