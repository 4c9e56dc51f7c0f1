"""The "Share your story" page as written by the build, before any JavaScript runs.

The form itself is tested in real Chromium in test_share_browser.py; these tests read the HTML:
what a visitor without JavaScript sees, and that every choice and rule comes from the content and
the schema.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

from cmi_site.fields import STORY_FIELDS
from cmi_site.models import APPROACHES
from cmi_site.taken import SHARD_SLUGS, fnv1a, taken_scripts
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


def shards(site: Path) -> dict[str, str]:
    """The files the share form names for its taken addresses -> the slugs in each."""
    form, _ = parse(site)
    found = {}
    for name in str(form.form["data-taken"]).split():
        text = (site / "share" / name).read_text(encoding="utf-8")
        number, slugs = re.fullmatch(r'CMI_TAKEN\((\d+), "([a-z0-9 -]*)"\);\n', text).groups()  # type: ignore[union-attr]
        assert name.startswith(f"taken-{number}.")
        found[name] = slugs
    return found


def test_the_addresses_taken_are_in_files_the_form_names(site_dir: Path, run_cli) -> None:
    # Published stories and withdrawn ones (their files and addresses are still there), never a draft's.
    stories = site_dir / "content/stories"
    (stories / "taken-down.md").write_text("---\nwithdrawn: 2026-03-04\n---\n", encoding="utf-8")
    draft = (stories / "memory-cafe.md").read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1)
    (stories / "unpublished-plans.md").write_text(draft, encoding="utf-8")
    assert run_cli("build").code == 0
    assert list(shards(site_dir / "_site").values()) == ["memory-cafe respite-with-carers taken-down"]  # one file when few


def test_many_addresses_are_shared_out_by_hash_so_the_page_stays_small() -> None:
    slugs = [f"story-number-{n}-about-coproduction-with-carers" for n in range(10_000)]
    site = SimpleNamespace(stories=[SimpleNamespace(slug=slug) for slug in slugs],
                           withdrawn=[SimpleNamespace(collection="stories", slug="gone"), SimpleNamespace(collection="signatories", slug="left")])  # fmt: skip
    scripts = taken_scripts(site)  # type: ignore[arg-type]
    assert len(scripts) == -(-10_001 // SHARD_SLUGS)
    seen = []
    for number, (path, data) in enumerate(scripts):
        shard = json.loads(data.decode().removeprefix(f"CMI_TAKEN({number}, ").removesuffix(");\n")).split()
        assert all(fnv1a(slug) % len(scripts) == number for slug in shard)
        assert len(data) < 2.5 * SHARD_SLUGS * 50, path  # each about the share of its slugs
        seen += shard
    assert sorted(seen) == sorted([*slugs, "gone"])
    names = " ".join(path.removeprefix("share/") for path, _ in scripts)
    assert len(names) < 30 * len(scripts)  # what the page carries: their names alone


def test_the_shard_hash_is_32_bit_fnv_1a() -> None:
    # Known answers of FNV-1a (32 bit); share.js computes the same (tests/test_share_browser.py).
    assert [fnv1a(text) for text in ("", "a", "foobar")] == [0x811C9DC5, 0xE40C292C, 0xBF9CF968]


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
