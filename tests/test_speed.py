"""What the build cache can know: every template helper and every page's values can be fingerprinted
(else the pages that use them are made on every build, silently), and --explain says why a page was
made again."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cmi_site import pages
from cmi_site.config import BuildOptions, Paths
from cmi_site.pipeline import check
from cmi_site.render import Renderer
from cmi_site.site import Site
from cmi_site.speed.fingerprint import Fingerprints
from cmi_site.speed.pages import as_data
from conftest import REPO, SAMPLE_CONTENT, TEMPLATES, TODAY, Run


@pytest.fixture(scope="module")
def sample() -> Site:
    site = check(Paths(SAMPLE_CONTENT, TEMPLATES, REPO / "_site", REPO), BuildOptions(today=TODAY)).site
    assert site is not None
    return site


def unknowable(value: object) -> bool:
    """Whether the cache cannot know value: as_data gives a new random text for what it cannot fingerprint."""
    return as_data(value, Fingerprints()) != as_data(value, Fingerprints())


def test_every_template_helper_can_be_fingerprinted(sample: Site) -> None:
    renderer = Renderer(TEMPLATES, sample)
    helpers = renderer.helpers()
    assert len(helpers) > 30
    assert [f"{kind} {name}" for kind, name, value in helpers if unknowable(value)] == []
    # The check can fail: a helper that closes over an open file cannot be known.
    with (REPO / "README.md").open() as handle:
        renderer.env.globals["opaque"] = lambda: handle.name
        assert [name for _, name, value in renderer.helpers() if unknowable(value)] == ["opaque"]


def test_every_page_s_values_can_be_fingerprinted(sample: Site) -> None:
    fingerprints = Fingerprints()
    jobs = pages.plan_pages(sample)
    assert len(jobs) > 50
    for job in jobs:
        fingerprints.of(job.context)  # Unfingerprintable (a TypeError) names the value's type


def test_explain_says_why_each_page_was_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   run_cli: Callable[..., Run]) -> None:  # fmt: skip
    shutil.copytree(SAMPLE_CONTENT, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    args = ("build", "--templates", str(TEMPLATES), "--today", TODAY.isoformat(), "--explain")
    first = run_cli(*args)
    assert first.code == 0 and "made again: index.html: the last build did not make it" in first.err, first.err
    story = tmp_path / "content/stories/jobs-support-luton.md"
    story.write_text(story.read_text(encoding="utf-8").replace("## Why we did it", "## Why it was done"), encoding="utf-8")
    second = run_cli(*args)
    made = [line for line in second.err.splitlines() if line.startswith("made again: ")]
    assert "made again: stories/jobs-support-luton/index.html: its values changed (what the page is given to show)" in made
    assert "about/index.html" not in [line.split(": ")[1] for line in made]  # a page that shows no story
    assert "pages made again" in second.err and second.err.rstrip().splitlines()[-1].startswith("time: check for changes ")
    third = run_cli(*args)  # nothing changed: nothing to explain
    assert third.err == "" and third.out.startswith("Nothing changed since the last build")


def spelt(value: object) -> object:
    """value with the type of everything in it spelt out: what the build cache may treat as the same value
    (1, 1.0 and True are equal in Python, but a template may show them differently)."""
    if isinstance(value, dict):
        return ("dict", [(spelt(key), spelt(item)) for key, item in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [spelt(item) for item in value])
    if isinstance(value, float):  # 0.0 == -0.0, but a template shows them differently
        return ("float", repr(value))
    return (type(value).__name__, value)


# A few look-alikes (None, "", "None", 0, 0.0, False ...) so that values which differ only in a type
# or in how they nest come up often; and any text, number or date.
scalars = (st.sampled_from([None, "", "None", "s0:", 0, 0.0, -0.0, False, 1, 1.0, True, "1", dt.date(2026, 1, 1), "2026-01-01"])
           | st.text(max_size=8) | st.integers() | st.floats(allow_nan=False) | st.dates())  # fmt: skip
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
                      | st.dictionaries(st.sampled_from(["", "a", "None"]) | st.text(max_size=4), inner, max_size=3),
                      max_leaves=8)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(values, min_size=2, max_size=8))
def test_two_values_have_one_fingerprint_exactly_when_they_are_the_same(found: list[object]) -> None:
    fingerprints = Fingerprints()
    prints = [fingerprints.of(value) for value in found]
    assert prints[0] == Fingerprints().of(copy.deepcopy(found[0]))
    for (one, first), (other, second) in itertools.combinations(zip(prints, found, strict=True), 2):
        assert (one == other) == (spelt(first) == spelt(second)), (first, second)
    pages = [fingerprints.of({"page": value}) for value in found]  # a page's values (a dict), spelt out in of() itself
    assert len(set(pages)) == len(set(prints)) and fingerprints.of({"page": found[0]}) != fingerprints.of({"page": (found[0],)})


def test_a_rebuild_that_changed_no_event_or_picture_loads_neither_icalendar_nor_pillow(site_dir: Path) -> None:
    # Each takes ~40 ms to load, and a one-story rebuild at 10,000 stories is ~3 s: the calendars are
    # kept by the engine (calendar.calendar_of) and the pictures' copies by the build cache.
    import subprocess
    import sys

    from conftest import picture, write_files

    write_files(site_dir / "content", {"images/photo.jpg": picture()})
    build = (f"import sys; from cmi_site.cli import main; code = main(['build', '--templates', {str(TEMPLATES)!r}, "
             f"'--today', {TODAY.isoformat()!r}]); print(code, 'icalendar' in sys.modules, 'PIL' in sys.modules)")  # fmt: skip

    def run() -> str:
        done = subprocess.run([sys.executable, "-c", build], cwd=site_dir, capture_output=True, text=True, check=True)
        return done.stdout.split("\n")[-2]

    assert run() == "0 True True"  # the first build makes the calendars and the copies
    assert list(site_dir.glob("_site/**/*.ics")) and list(site_dir.glob("_site/images/**/*.jpg"))
    story = next((site_dir / "content/stories").glob("*.md"))
    story.write_text(story.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert run() == "0 False False"
    event = next((site_dir / "content/events").glob("*.md"))
    event.write_text(event.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert run() == "0 True False"
