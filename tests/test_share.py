"""The "Share your story" page as written by the build, before any JavaScript runs.

The form itself is tested in real Chromium in test_share_browser.py; these tests read the HTML:
what a visitor without JavaScript sees, and that every choice and rule comes from the content and
the schema.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from cmi_site.fields import STORY_FIELDS
from cmi_site.models import APPROACHES
from conftest import picture

SHARE = "share/index.html"


class Form(HTMLParser):
    """The share page's inputs, question groups and the text outside hidden parts."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.groups: dict[str, dict[str, str | None]] = {}
        self.form: dict[str, str | None] = {}
        self.options: list[str] = []
        self.visible_text: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("input", "textarea", "select"):
            self.inputs.append({"tag": tag, **found})
        if tag == "option":
            self.options.append(found.get("value") or "")
        if tag == "form":
            self.form = found
        if "data-field" in found:
            self.groups[found["data-field"] or ""] = found
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            hidden = "hidden" in found or bool(self._stack and self._stack[-1][1])
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        in_script = any(tag in ("script", "head", "title") for tag, _ in self._stack)
        if data.strip() and not in_script and not (self._stack and self._stack[-1][1]):
            self.visible_text.append(data)

    @property
    def text(self) -> str:
        """The visible text, with white space folded."""
        return " ".join("".join(self.visible_text).split())


def parse(site: Path) -> tuple[Form, str]:
    html = (site / SHARE).read_text(encoding="utf-8")
    form = Form()
    form.feed(html)
    return form, html


def values(form: Form, name: str) -> list[str]:
    return [str(i["value"]) for i in form.inputs if i.get("name") == name]


def set_site(site_dir: Path, **settings: str) -> None:
    path = site_dir / "content/site.yml"
    path.write_text(path.read_text() + "".join(f"{k}: {v}\n" for k, v in settings.items()))


def test_without_javascript_the_page_explains_other_ways_to_share(site_dir: Path, run_cli) -> None:
    set_site(site_dir, contact_email="countmein@example.org", repository_url="https://github.com/example/cmi-site")
    (site_dir / "content/pages/take-part.md").write_text("---\ntitle: How to take part\n---\nJoin in.\n")
    assert run_cli("build").code == 0
    form, html = parse(site_dir / "_site")
    text = form.text
    assert "The form on this page needs JavaScript, which is turned off or has not loaded in your browser." in text
    assert "Email your story to countmein@example.org." in text
    assert "Press “Add file”, then “Create new file”." in text
    assert '<a href="https://github.com/example/cmi-site/blob/main/CONTRIBUTING.md">guide for contributors</a>' in html
    assert '<a href="../take-part/index.html">how to take part</a>' in html
    # The form, which needs JavaScript, is hidden until share.js shows it.
    assert '<div class="share-app" id="share-app" hidden>' in html
    assert "Which areas did the work cover?" not in text and "Make the story file" not in text
    assert '<script src="../assets/share.js"></script>' in html


def test_other_ways_follow_the_site_settings(built: Path) -> None:
    """The minimal site has no email, no repository and no take-part page: none is mentioned."""
    form, html = parse(built)
    text = form.text
    assert "Other ways to share your story" in text
    assert "cmi-site new story" in text
    assert "mailto:" not in html and "github.com" not in html and "take-part" not in html
    assert 'id="share-github"' not in html


def test_choices_are_listed_from_the_content(site_dir: Path, run_cli) -> None:
    areas = site_dir / "content/areas.yml"
    areas.write_text(areas.read_text() + "- id: luton\n  name: Luton\n  description: Luton.\n  integrated_care_systems: [BLMK]\n")
    assert run_cli("build").code == 0
    form, html = parse(site_dir / "_site")
    assert values(form, "areas") == ["norfolk", "suffolk", "region", "luton"]
    assert values(form, "sectors") == ["social-care", "health"]
    assert values(form, "themes") == ["carers", "dementia"]
    assert values(form, "approach") == [*APPROACHES, ""]
    assert values(form, "rating-felt-heard") == ["red", "amber", "green", ""]
    assert values(form, "rating-shared-power") == ["red", "amber", "green", ""]
    assert '<label class="choice__label" for="story-areas-luton">Luton</label>' in html
    assert "Choose “Region-wide” for work across the whole East of England." in html
    assert '<p class="form-hint choice__hint" id="story-themes-dementia-hint">People living with dementia.</p>' in html
    assert "Power was shared." in html and "Decisions were made together." in html


def test_required_fields_and_their_order_come_from_the_schema(built: Path) -> None:
    form, _ = parse(built)
    assert str(form.form["data-fields"]).split() == [spec.name for spec in STORY_FIELDS]
    required = {name for name, group in form.groups.items() if "data-required" in group}
    schema_required = {spec.name for spec in STORY_FIELDS if spec.required and spec.name in form.groups}
    assert required == schema_required | {"body"}  # a story file with no story is no use (issue 13)
    assert schema_required == {"title", "summary", "date", "areas", "sectors", "themes", "consent"}
    for name in required:
        assert form.groups[name]["data-missing"], name

    # Optional questions say so; required ones do not.
    _, html = parse(built)
    assert '<label class="form-label" for="story-title">Title</label>' in html
    assert "How far did the work share power? (optional)</legend>" in html
    assert '<h3 id="self-assessment-heading">Self-assessment (optional)</h3>' in html


def test_every_input_has_a_label(built: Path) -> None:
    form, html = parse(built)
    assert len(form.inputs) > 20
    for field in form.inputs:
        assert f'for="{field["id"]}"' in html, field


def test_existing_stories_are_listed_so_a_new_one_needs_another_title(built: Path) -> None:
    form, _ = parse(built)
    assert form.form["data-existing-slugs"] == "memory-cafe respite-with-carers"


def test_github_button_only_with_a_repository(site_dir: Path, run_cli) -> None:
    set_site(site_dir, repository_url="https://github.com/example/cmi-site", repository_branch="live")
    assert run_cli("build").code == 0
    _, html = parse(site_dir / "_site")
    assert ('<a class="button" id="share-github" href="https://github.com/example/cmi-site/new/live" '
            'data-new-file-url="https://github.com/example/cmi-site/new/live" target="_blank" rel="noopener noreferrer">'
            'Send your story on GitHub (opens in a new tab)</a>') in html  # fmt: skip


def test_pictures_are_offered_from_content_images(site_dir: Path, run_cli) -> None:
    assert run_cli("build").code == 0
    form, html = parse(site_dir / "_site")
    assert "image" not in form.groups and "image_alt" not in form.groups
    assert "To add a picture to your story, send it to us" in html
    for name in ("garden.jpg", "people/meeting.png"):
        target = site_dir / "content/images" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(picture(kind="PNG" if name.endswith(".png") else "JPEG"))
    assert run_cli("build").code == 0
    form, html = parse(site_dir / "_site")
    assert form.options == ["", "images/garden.jpg", "images/people/meeting.png"]
    assert form.groups["image_alt"]["data-missing"] == "Describe the picture for people who cannot see it"


def test_every_page_links_to_the_share_page(built: Path) -> None:
    for rel, link in [("index.html", "share/index.html"), ("stories/index.html", "../share/index.html"),
                      ("stories/memory-cafe/index.html", "../../share/index.html")]:  # fmt: skip
        assert f'<a href="{link}">Share your story</a>' in (built / rel).read_text(encoding="utf-8"), rel
