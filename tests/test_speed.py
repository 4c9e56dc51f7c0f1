"""What the build cache can know: every template helper and every page's values can be fingerprinted
(else the pages that use them are made on every build, silently), and --explain says why a page was
made again."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

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
