"""The fast engine's pages: a page whose template, values and Site reads are what they were in the last
build, and whose file the output folder still holds as that build wrote it, is kept (write.Kept)
without being rendered; the rest are rendered on every core, noting what of the Site each reads
(track.py), in job order. Nothing here knows a page kind: a PageJob is a template and its values.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import types
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..commit import FileStat
from ..models import Output, PageJob
from ..render import Renderer
from ..write import Kept, Staged, stage_new
from .cache import BuildCache, code_version
from .fingerprint import Fingerprints, Unfingerprintable, digest
from .parallel import run_jobs
from .track import Read, SiteReads, TrackedSite, Tracker


@dataclass(frozen=True)
class Entry:
    """One file of the output as the last build left it."""

    digest: str
    stat: FileStat

    def __reduce__(self) -> tuple[type[Entry], tuple[str, FileStat]]:
        """Pickled as its fields (15,000 of them are saved every build; ~30% quicker than the default)."""
        return Entry, (self.digest, self.stat)


@dataclass(frozen=True)
class Trace:
    """What a page was made from: its template, the fingerprint of its values, the numbers of the
    Site reads it made (in LastBuild.reads), and the digest of its bytes."""

    template: str
    values: str
    reads: tuple[int, ...]
    digest: str

    def __reduce__(self) -> tuple[type[Trace], tuple[str, str, tuple[int, ...], str]]:
        return Trace, (self.template, self.values, self.reads, self.digest)


@dataclass
class LastBuild:
    """What the last build into an output folder left in the cache."""

    reads: list[Read] = field(default_factory=list)  # every Site read any page made ...
    read_fingerprints: list[str] = field(default_factory=list)  # ... and what it gave then
    traces: dict[str, Trace] = field(default_factory=dict)  # page path -> its trace
    manifest: dict[str, Entry] = field(default_factory=dict)  # every file of the output folder
    common: str = ""  # the code and the templates' helpers, as one key
    templates: dict[str, str] = field(default_factory=dict)  # template name -> key of it and what it uses

    @classmethod
    def load(cls, cache: BuildCache, name: str) -> LastBuild:
        """The last build's record, or an empty one (nothing known) when there is none or it is not of
        the shape this code makes."""
        found = cache.state(name)
        return found if isinstance(found, LastBuild) and found.sound() else cls()

    def sound(self) -> bool:
        reads, traces, manifest = self.reads, self.traces, self.manifest
        return (type(reads) is list and type(self.read_fingerprints) is list and len(reads) == len(self.read_fingerprints)
                and all(type(read) is tuple and len(read) == 2 and type(read[0]) is tuple and type(read[1]) is str for read in reads)
                and type(traces) is dict and all(type(t) is Trace and type(t.reads) is tuple for t in traces.values())
                and type(self.common) is str and type(self.templates) is dict
                and all(type(k) is str and type(v) is str for k, v in self.templates.items())
                and type(manifest) is dict and all(type(e) is Entry and type(e.digest) is str and type(e.stat) is tuple
                                                   for e in manifest.values()))  # fmt: skip


class PageReuse:
    """The pages of one build: kept from the last build or rendered (and traced) now."""

    def __init__(self, last: LastBuild, valid: dict[str, str], site: Any, renderer_for: Any, fingerprints: Fingerprints) -> None:
        """valid: path -> digest of each file the output holds just as the last build wrote it.
        renderer_for: makes a render.Renderer for a stand-in of the Site (a TrackedSite)."""
        self.last, self.valid, self.fingerprints = last, valid, fingerprints
        self.tracker = Tracker()
        self.renderer: Renderer = renderer_for(TrackedSite(site, self.tracker))
        self.reads = SiteReads(site, fingerprints)
        self.numbers: dict[Read, int] = {read: n for n, read in enumerate(last.reads)}
        self.changed = {n for n, read in enumerate(last.reads) if self.reads.one(read) != last.read_fingerprints[n]}
        self.traces: dict[str, Trace] = {}
        self.digests: dict[str, str] = {}  # path -> digest of every page of this build
        self.why: dict[str, str] = {}  # path -> why it was rendered again
        self.staging: Path | None = None  # set by the writer: where rendered pages are written (write.stage_new)
        self._running: list[Generator[Any, None, None]] = []  # pages()' render workers
        self._keys: dict[str, str] = {}

    def pages(self, jobs: Sequence[PageJob]) -> Iterator[Output | Kept | Staged]:
        """Each job's page: rendered (on every core, in job order, as the writer takes them), or Kept
        when its trace still holds."""
        render: list[tuple[PageJob, str]] = []
        kept: list[str] = []
        for job in jobs:
            values = self._values_key(job)
            if self._holds(job, values):
                trace = self.last.traces[job.path]
                self.traces[job.path], self.digests[job.path] = trace, trace.digest
                kept.append(job.path)
            else:
                render.append((job, values))
        made = run_jobs(lambda n: self._made(render[n][0]), len(render))
        self._running.append(made)
        for (job, values), (page, hashed, page_reads) in zip(render, made, strict=True):
            self.digests[job.path] = hashed
            if values:
                self.traces[job.path] = Trace(job.template, values, self._number(page_reads), hashed)
            yield page
        yield from (Kept(path) for path in kept)

    def close(self) -> None:
        """End the render workers of pages() whose pages were not all taken (the writer stopped)."""
        for running in self._running:
            running.close()
        self._running.clear()

    def _made(self, job: PageJob) -> tuple[Output | Kept | Staged, str, frozenset[Read]]:
        """A page rendered (by whichever process runs the job), the digest of its bytes and its reads:
        Kept when the output already holds those bytes, else written into the staging folder there and
        then (so that pages never travel between processes, and every process writes), else Output."""
        self.tracker.start()
        try:
            data = self.renderer.render(job)
        finally:
            reads = self.tracker.stop()
        hashed = digest(data)
        if self.valid.get(job.path) == hashed:
            return Kept(job.path), hashed, reads
        staged = stage_new(self.staging, job.path, data) if self.staging is not None else None
        return staged or Output(job.path, data), hashed, reads

    def _holds(self, job: PageJob, values: str) -> bool:
        """Whether the last build's trace of this page still holds; else why not, noted in self.why."""
        trace, last = self.last.traces.get(job.path), self.last
        if not values:
            self.why[job.path] = "its values or the templates' helpers cannot be fingerprinted, so it is always made"
        elif trace is None:
            self.why[job.path] = "the last build did not make it"
        elif last.common != self._keys[""]:
            self.why[job.path] = "the code or the templates' helpers changed"
        elif trace.template != job.template or last.templates.get(job.template) != self._keys[job.template]:
            self.why[job.path] = f"its template changed (templates/{job.template}, or one it extends, includes or imports)"
        elif trace.values != values:
            self.why[job.path] = "its values changed (what the page is given to show)"
        elif self.valid.get(job.path) != trace.digest:
            self.why[job.path] = "the file in the output folder is not the one the last build wrote"
        elif not self.changed.isdisjoint(trace.reads):
            read = self.last.reads[min(self.changed & set(trace.reads))]
            self.why[job.path] = f"what it reads of the site changed: {'.'.join(read[0])} ({read[1]})"
        else:
            return True
        return False

    def _values_key(self, job: PageJob) -> str:
        """The fingerprint of a page's values ('' when they, or the helpers, cannot be known), with the
        keys of the code and helpers (self._keys[""]) and of its template (and what it uses) worked out."""
        if "" not in self._keys:
            helpers = helpers_fingerprint(self.renderer, self.fingerprints)
            self._keys[""] = digest(code_version(), helpers) if helpers else ""
        if job.template not in self._keys:
            sources = self.renderer.template_sources(job.template)
            self._keys[job.template] = digest(*(f"{name}\n{text}" for name, text in sources.items()))
        try:
            return self.fingerprints.of(job.context) if self._keys[""] else ""
        except Unfingerprintable:
            return ""

    def _number(self, reads: frozenset[Read]) -> tuple[int, ...]:
        """A page's reads as numbers: 13,700 pages share a few hundred different reads."""
        return tuple(sorted(self.numbers.setdefault(read, len(self.numbers)) for read in reads))

    def record(self, manifest: dict[str, Entry]) -> LastBuild:
        """What to remember of this build: each read once, numbered, with its fingerprint now. Reads
        no page makes any more are dropped now and then."""
        traces, table = self.traces, list(self.numbers)
        used = set().union(*(trace.reads for trace in traces.values()))
        if len(table) > 2 * len(used) + 1000:
            renumber = {old: new for new, old in enumerate(sorted(used))}
            table = [table[old] for old in sorted(used)]
            traces = {path: dataclasses.replace(t, reads=tuple(renumber[n] for n in t.reads)) for path, t in traces.items()}
        templates = {name: key for name, key in self._keys.items() if name}
        return LastBuild(table, [self.reads.one(read) for read in table], traces, manifest, self._keys.get("", ""), templates)


def helpers_fingerprint(renderer: Renderer, fingerprints: Fingerprints) -> str:
    """The globals, filters and tests templates can use, as data: a function counts as its name (the
    code is versioned) and what it closes over (which may be data worked out from the Site). '' when
    one cannot be known: then every page is made (tests/test_speed.py keeps them all known)."""
    parts = [f"{kind} {name} {as_data(value, fingerprints)}" for kind, name, value in renderer.helpers()]
    return "" if any(part.split(" ", 2)[-1].startswith(UNKNOWABLE) for part in parts) else digest(*parts)


UNKNOWABLE = "unknowable"  # in as_data's text of what cannot be fingerprinted


def as_data(value: Any, fingerprints: Fingerprints, depth: int = 0) -> str:
    """A helper as data (see helpers_fingerprint); 'unknowable ...' (never equal to anything) when it cannot be."""
    if isinstance(value, TrackedSite):
        return "the Site (its reads are tracked)"
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if isinstance(value, functools.partial) and depth < 8:
        inner = [as_data(v, fingerprints, depth + 1) for v in (value.func, *value.args, *value.keywords.values())]
        return _unknowable() if any(part.startswith(UNKNOWABLE) for part in inner) else f"partial {digest(*inner)}"
    if isinstance(value, types.FunctionType) and depth < 8:
        cells = [as_data(cell.cell_contents, fingerprints, depth + 1) for cell in value.__closure__ or ()]
        defaults = [as_data(v, fingerprints, depth + 1) for v in value.__defaults__ or ()]
        if any(part.startswith(UNKNOWABLE) for part in [*cells, *defaults]):
            return _unknowable()
        return f"function {value.__module__}.{value.__qualname__} {digest(*cells, *defaults)}"
    if isinstance(value, (type, types.BuiltinFunctionType)):
        return f"code {getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"
    try:
        return fingerprints.of(value)
    except Unfingerprintable:
        return _unknowable()


def _unknowable() -> str:
    """as_data of what cannot be known: never equal to anything (a page using it is always made)."""
    return f"{UNKNOWABLE} {os.urandom(16).hex()}"
