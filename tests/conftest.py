"""Shared fixtures: a small but complete content tree in tmp_path, and real builds of it.

Layered along the pipeline: `content_files` (a dict you can change) -> `site_dir` (written to
disk) -> `run_cli` (the real command line, output captured) -> `built` (a finished _site).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from cmi_site.cli import main
from cmi_site.config import BuildOptions
from cmi_site.load import load_content
from cmi_site.speed import PlainEngine
from cmi_site.validate import Validated

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
SAMPLE_CONTENT = REPO / "content"
TODAY = dt.date(2026, 11, 23)
# Property-based tests: a bounded number of examples in `make test` ("ci", the default); many more
# with HYPOTHESIS_PROFILE=long (`make fuzz`). No example database: each run is independent.
settings.register_profile("ci", max_examples=60, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
settings.register_profile("long", max_examples=3000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
# The quality checks' fixtures (Chromium, Java, axe-core, vnu.jar): tests/quality/fixtures.py.
pytest_plugins = ("quality.fixtures",)


def validated(root: Path) -> Validated:
    """root/content loaded and validated, as a build does (with the plain engine)."""
    return PlainEngine(root / "templates", root / "_site", BuildOptions(today=TODAY)).check(load_content(root / "content", root))


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


MINIMAL = {
    "site.yml": """
        title: Count Me In
        tagline: Coproduction in the East of England
        description: Stories and pledges about coproduction.
        base_url: ""
        sample_notice: true
        """,
    "areas.yml": """
        - id: norfolk
          name: Norfolk
          description: Norfolk County Council area.
          integrated_care_systems: [Norfolk and Waveney]
        - id: suffolk
          name: Suffolk
          description: Suffolk County Council area.
          integrated_care_systems: [Suffolk and North East Essex, Norfolk and Waveney]
        - id: region
          name: Region-wide
          description: Work across the whole East of England.
          integrated_care_systems: [Norfolk and Waveney, Suffolk and North East Essex]
        """,
    "sectors.yml": """
        - id: social-care
          name: Social care
          description: Adult social care.
        - id: health
          name: Health
          description: The NHS and health services.
        """,
    "themes.yml": """
        - id: carers
          name: Carers
          description: Unpaid carers.
        - id: dementia
          name: Dementia
          description: People living with dementia.
        """,
    "self-assessment.yml": """
        - id: felt-heard
          statement: People felt heard.
          red: Most people did not feel heard.
          amber: Some people felt heard.
          green: Everyone felt heard.
        - id: shared-power
          statement: Power was shared.
          red: Decisions were made elsewhere.
          amber: Some decisions were shared.
          green: Decisions were made together.
        """,
    "pages/pledge.md": """
        ---
        title: The pledge
        summary: What signatories promise.
        ---
        We promise to **count everyone in**.
        """,
    "pages/about.md": """
        ---
        title: About the network
        ---
        About us.
        """,
    "stories/respite-with-carers.md": """
        ---
        title: Respite with carers
        summary: Carers and commissioners redesigned respite together.
        date: 2025-03-14
        areas: [norfolk]
        sectors: [social-care]
        themes: [carers]
        approach: co-production
        self_assessment:
          felt-heard: green
          shared-power: amber
        people: [carers, commissioners]
        outcomes: [A booking line run by carers]
        consent: {date: 2025-01-10, how: in writing}
        ---
        ## What we did

        We met every month.
        """,
    "stories/memory-cafe.md": """
        ---
        title: Memory cafe
        summary: A memory cafe planned with people living with dementia.
        date: 2024-06-01
        areas: [suffolk, region]
        sectors: [health]
        themes: [dementia]
        consent: {date: 2025-01-10, how: in writing}
        ---
        Body text.
        """,
    "signatories/sam-rivers.md": """
        ---
        name: Sam Rivers
        role: Director of Adult Social Care
        organisation: Fenside Council
        area: norfolk
        sector: social-care
        signed: 2024-05-01
        commitments:
          - Pay people for their time
        updates:
          - date: 2025-06-01
            text: We set up a carers' panel.
        ---
        We are proud to sign.
        """,
    "events/open-meeting.md": """
        ---
        title: Open meeting
        start: 2027-02-11 10:00
        end: 2027-02-11 12:30
        location: The Forum, Norwich
        areas: [norfolk]
        ---
        Come along.
        """,
    "events/last-year.md": """
        ---
        title: Last year's gathering
        start: 2025-06-12
        online: true
        ---
        It happened.
        """,
}


@pytest.fixture
def content_files() -> dict[str, str]:
    """The minimal content tree as {path under content/: text}; change it before site_dir writes it."""
    return {path: dedent(text) for path, text in MINIMAL.items()}


def picture(size: tuple[int, int] = (40, 30), kind: str = "JPEG", colour: tuple[int, int, int] = (40, 120, 60)) -> bytes:
    """A small real picture (Pillow) of one colour, as a file of that format holds it."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")


@pytest.fixture
def site_dir(tmp_path: Path, content_files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder in tmp_path holding content/ (the minimal tree); the working directory."""
    write_files(tmp_path / "content", content_files)  # type: ignore[arg-type]
    monkeypatch.chdir(tmp_path)
    return tmp_path


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `cmi-site ARGS` in-process (templates from the repository, date fixed) and capture output."""

    def run(*args: str) -> Run:
        extra = ["--today", TODAY.isoformat()]
        if args and args[0] in ("build", "check") and "--templates" not in args:
            extra += ["--templates", str(TEMPLATES)]
        code = main([*args, *extra])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def built(site_dir: Path, run_cli: Callable[..., Run]) -> Path:
    """The minimal site, built into site_dir/_site."""
    result = run_cli("build")
    assert result.code == 0, result.err
    return site_dir / "_site"


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sample content, built once per test session."""
    out = tmp_path_factory.mktemp("sample") / "_site"
    code = main(["build", "--content", str(SAMPLE_CONTENT), "--templates", str(TEMPLATES), "--output", str(out),
                 "--today", TODAY.isoformat()])  # fmt: skip
    assert code == 0
    return out


def problem_lines(result: Run) -> list[str]:
    """The problem lines of a run: everything before the blank line that precedes the count."""
    lines = result.err.splitlines()
    return lines[: lines.index("")] if "" in lines else lines


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below folder (relative POSIX path -> bytes); {} when there is no folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def refused(site_dir: Path, run_cli: Callable[..., Run]) -> Callable[..., list[str]]:
    """Run `cmi-site check`, then `cmi-site build`: both must fail (exit 1) without a traceback, with
    the same problem lines, each one line naming a file and a line; _site (if built before) is left
    as it was. Returns the problem lines."""

    def run(*args: str) -> list[str]:
        before = tree(site_dir / "_site")
        checked, built = run_cli("check", *args), run_cli("build", *args)
        for result in (checked, built):
            assert result.code == 1, result.err
            assert "Traceback" not in result.out + result.err
        lines = problem_lines(checked)
        assert lines == problem_lines(built)
        assert lines and all(re.match(r"^.+?:\d+: \S", line) for line in lines), lines
        assert tree(site_dir / "_site") == before
        return lines

    return run
