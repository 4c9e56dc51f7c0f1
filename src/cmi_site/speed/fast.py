"""The fast engine: the Engine of speed/__init__.py with the build cache and every core. Its output is
byte-identical to the plain engine's (tests/test_incremental.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..commit import FileStat, prepare_spare, scan_output
from ..config import BuildOptions, Paths, Result
from ..errors import Problem
from ..load import Loaded
from ..models import Content, Output, PageJob, Picture, StaticFile
from ..outdir import MARKER, MARKER_TEXT, OutputFolder
from ..outputs.search import SearchDoc
from ..outputs.searchtext import Postings
from ..render import Renderer
from ..site import Site, build_site
from ..validate import Validated, validate
from ..write import Kept, Staged, Written, write_failed, write_site
from . import postings
from .cache import PARTS, BuildCache, code_version, in_parts, template_bytecode
from .docs import check_documents, hash_files_known
from .fingerprint import Fingerprints, Unfingerprintable, digest
from .pages import Entry, LastBuild, PageReuse
from .parallel import Background, in_background
from .pictures import PictureStore
from .resident import Memory

T = TypeVar("T")
A = TypeVar("A")


class FastEngine:
    """One build with the cache in paths.cache (which must be set)."""

    def __init__(self, paths: Paths, options: BuildOptions, strict: bool, memory: Memory | None = None) -> None:
        """memory: the preview's (speed/resident.py): documents taken from it, and the content left in it."""
        if paths.cache is None:
            raise ValueError("the fast engine needs a cache folder")
        self.paths, self.options, self.strict = paths, options, strict
        self.cache = BuildCache(paths.cache, freeze_states=True)
        self.fingerprints = Fingerprints()
        self.output = OutputFolder.of(paths.output).output
        self.bytecode = template_bytecode(paths.cache)
        self._started: list[Background[Any]] = []  # cancelled at close if their result was never taken
        self._keeping: Callable[[], None] = lambda: None  # the documents being kept in the cache (check)
        self._collecting = gc.isenabled()
        self._inputs = ""
        self._hashes: dict[str, str] = {}
        self._existing: Callable[[], dict[str, FileStat]] = functools.partial(prepare_spare, self.output)
        self._reuse: PageReuse | None = None
        self._staging: Path | None = None  # the staging folder (the render workers write into it), removed at close
        self._sweep = False  # whether close() also deletes unused state (finish: a build that wrote its site)
        self._memos: list[Memo[Any]] = []
        self._stats: dict[str, FileStat] = {}
        self._pictures = PictureStore(self.cache)
        self.memory = memory

    # ---- before anything is read: has anything changed at all? ------------------------------------

    def unchanged(self) -> Result | None:
        self._hashes = hash_files_known(self.cache, self.paths.content)
        self._inputs = self._digest_inputs(hash_files_known(self.cache, self.paths.templates))
        found = self.cache.state(f"built:{self.output}")
        if isinstance(found, Built) and found.sound() and found.inputs == self._inputs and scan_output(self.output) == found.stats:
            self.cache.keep(self._state_name)  # not read now, but the next build that changes something needs it
            return Result("unchanged", found.problems, found.pages, found.files)
        # Which files the output holds is found (and the spare made a copy of it, commit.py) in a
        # second process while the content is read.
        self._existing = self._start(functools.partial(prepare_spare, self.output))
        return None

    def _digest_inputs(self, template_hashes: dict[str, str]) -> str:
        """A hash of everything a build is made from: the code, the options, every file of content/ and templates/."""
        paths = self.paths
        where = [str(folder.resolve()) for folder in (paths.content, paths.templates, paths.root)]
        files = [f"{folder}/{path}:{hashed}" for folder, hashes in (("c", self._hashes), ("t", template_hashes))
                 for path, hashed in sorted(hashes.items())]  # fmt: skip
        return digest(code_version(), repr(self.options), str(self.strict), *where, *files)

    # ---- the stages ---------------------------------------------------------------------------------

    def check(self, loaded: Loaded) -> Validated:
        gc.disable()  # reading makes millions of objects and no garbage cycles: collecting as it goes doubles the time
        memory = self.memory
        known = memory.by_key if memory is not None else None
        results, keep = check_documents(loaded, self.paths.content, self.cache, self.fingerprints, self._hashes, known)
        self._keeping = in_background(keep)  # waited for at close, however the build ends
        validated = validate(loaded, results, memory.planner(self._pictures.plan) if memory is not None else self._pictures.plan)
        self._pictures.drop_unused()
        if memory is not None:
            memory.take(self.paths, loaded, results, validated)
        return validated

    def site(self, content: Content) -> Site:
        site = build_site(content, self.options)
        # Known before anything (a page, the search index, a render worker) is fingerprinted from it,
        # so that a value's fingerprint never depends on which process worked it out, or when.
        know_site(site, self.fingerprints)
        gc.freeze()  # the Site is made: from here collect (rendering makes cycles), but never scan the Site
        gc.enable()
        return site

    def render(self, site: Site, jobs: Sequence[PageJob]) -> Iterator[Output | Kept | Staged]:
        if self._reuse is None:
            last = LastBuild.load(self.cache, self._state_name)
            renderer_for = functools.partial(Renderer, self.paths.templates, bytecode=self.bytecode)
            self._reuse = PageReuse(last, self._valid(last), site, renderer_for, self.fingerprints)
        return self._reuse.pages(jobs)

    def postings(self, site: Site, docs: Sequence[SearchDoc]) -> Postings:
        return postings.postings(site, docs, self.cache, self.fingerprints)

    def remember(self, make: Callable[[A], str]) -> Callable[[A], str]:
        memo: Memo[A] = Memo(self.cache, self.fingerprints, make)
        self._memos.append(memo)
        return memo

    def pictures(self, images: list[StaticFile], pictures: Mapping[str, Picture]) -> Iterator[Output]:
        return self._pictures.files(images, pictures)

    def write(self, files: Iterable[Output | Kept | Staged]) -> Written:
        existing, reuse = self._existing_files(), self._reuse
        last = reuse.last if reuse is not None else LastBuild()
        valid = reuse.valid if reuse is not None else self._valid(last)
        digests: dict[str, str] = {MARKER: digest(MARKER_TEXT)}
        page_digests = reuse.digests if reuse is not None else {}

        def known(items: Iterable[Output | Kept | Staged]) -> Iterator[Output | Kept | Staged]:
            """Each file whose bytes the output already holds, as Kept."""
            for item in items:
                if isinstance(item, (Kept, Staged)):  # pages: PageReuse knows their digests
                    digests[item.path] = page_digests[item.path]
                    yield item
                    continue
                hashed = page_digests.get(item.path) or digest(item.data)
                digests[item.path] = hashed
                yield Kept(item.path) if valid.get(item.path) == hashed else item

        self._staging = self._new_staging()  # made here, so that the render workers write the pages into it (PageReuse._made)
        if reuse is not None:
            reuse.staging = self._staging
        written = write_site(known(files), self.paths.output, existing, self._staging)  # paths.output: as messages show it
        manifest = {path: Entry(digests[path], stat) for path, stat in written.stats.items()}
        if reuse is not None and (written.written or manifest != last.manifest or reuse.why):
            self.cache.save_state({self._state_name: reuse.record(manifest)})
        for memo in self._memos:
            memo.save()
        self._stats = written.stats
        return written

    def explained(self) -> dict[str, str]:
        return dict(self._reuse.why) if self._reuse is not None else {}

    def finish(self, result: Result) -> None:
        record = Built(self._inputs, result.problems, result.pages, result.files, self._stats)
        self.cache.save_state({f"built:{self.output}": record})
        self._sweep = self.memory is None  # the preview's builds read the documents from memory, not their files

    def close(self) -> None:
        try:
            with contextlib.suppress(Exception):  # the cache is only ever a help: a failure to keep is a later miss
                self._keeping()
            for job in self._started:
                job.cancel()  # when its result was taken, nothing is left to cancel
            if self._reuse is not None:
                self._reuse.close()
        finally:
            try:
                if self._staging is not None:  # once the render workers have stopped writing into it
                    OutputFolder.drop_staging(self._staging)
            finally:
                gc.unfreeze()
                if self._collecting:
                    gc.enable()
                else:
                    gc.disable()
                with contextlib.suppress(OSError):
                    self.cache.tidy(sweep=self._sweep)  # after the documents are kept: their parts are new
                self.cache.close()

    # ---- helpers --------------------------------------------------------------------------------------

    @property
    def _state_name(self) -> str:
        return f"output:{self.output}"

    def _existing_files(self) -> dict[str, FileStat]:
        """The output's files, with the spare made a copy of them (commit.prepare_spare, perhaps being
        done in another process); a system error doing it is one of writing the site."""
        try:
            existing = self._existing()
        except OSError as err:
            raise write_failed(err, self.paths.output) from err
        self._existing = lambda: existing
        return existing

    def _valid(self, last: LastBuild) -> dict[str, str]:
        """path -> digest of each file the output holds just as the last build wrote it."""
        existing = self._existing_files()
        return {path: entry.digest for path, entry in last.manifest.items() if existing.get(path) == entry.stat}

    def _new_staging(self) -> Path:
        """A staging folder for this build's files (outdir.py); a system error making it is one of writing."""
        try:
            return OutputFolder.of(self.paths.output).new_staging()
        except OSError as err:
            raise write_failed(err, self.paths.output) from err

    def _start(self, job: Callable[[], T]) -> Callable[[], T]:
        """parallel.in_background, remembered so that close() can cancel it."""
        background = in_background(job)
        self._started.append(background)
        return background


@dataclass(frozen=True)
class Built:
    """What the cache keeps of a build that was written, for the nothing-changed shortcut of the next."""

    inputs: str  # FastEngine._digest_inputs: the code, the options, every file it was made from
    problems: list[Problem]  # the warnings it printed, printed again
    pages: int
    files: int
    stats: dict[str, FileStat]  # the output folder as it left it

    def sound(self) -> bool:
        """Whether a record read from the cache has the shape this code makes (else it is a miss)."""
        return (type(self.inputs) is str and type(self.problems) is list and all(type(p) is Problem for p in self.problems)
                and type(self.pages) is int and type(self.files) is int and type(self.stats) is dict)  # fmt: skip


@dataclass(frozen=True)
class Remembered:
    """What the cache keeps of a Memo: the code's version, and each argument's fingerprint -> result."""

    version: str
    results: dict[str, str]


def know_site(site: Site, fingerprints: Fingerprints) -> None:
    """Fingerprint every object in the Site's collections once, and each collection as a whole, so
    each page's values (and each argument of a Memo: a story with the site's statements) hash fast."""
    for field in dataclasses.fields(site):
        value = getattr(site, field.name)
        if isinstance(value, tuple):
            fingerprints.know_all(value)
            if value:  # () is one object, shared by every empty tuple
                with contextlib.suppress(Unfingerprintable):
                    fingerprints.know(value, fingerprints.of(value))


class Memo(Generic[A]):
    """make (a function of its argument alone, giving text), with the last build's results kept: an
    unchanged argument (the same fingerprint, the same code) gives the same result without make.
    Kept in PARTS parts by fingerprint, so that a build which changed a few arguments saves only
    their parts (at 10,000 stories the memos of story lines are ~27 MB); a part of another code's is a miss."""

    def __init__(self, cache: BuildCache, fingerprints: Fingerprints, make: Callable[[A], str]) -> None:
        self._cache, self._fingerprints, self._make = cache, fingerprints, make
        self._name = f"memo:{make.__module__}.{make.__qualname__}"
        self._version = code_version()
        self._parts = [self._part(cache.state(f"{self._name}:{n}")) for n in range(PARTS)]
        self._last: dict[str, str] = {key: line for part in self._parts for key, line in part.items()}
        self._now: dict[str, str] = {}

    def _part(self, found: object) -> dict[str, str]:
        """A part read from the cache, or an empty one when it is missing or not this code's."""
        if isinstance(found, Remembered) and found.version == self._version and type(found.results) is dict:
            return found.results
        return {}

    def __call__(self, value: A) -> str:
        try:
            key = self._fingerprints.of(value)
        except Unfingerprintable:
            return self._make(value)
        line = self._last.get(key)
        self._now[key] = line if type(line) is str else self._make(value)
        return self._now[key]

    def save(self) -> None:
        """Keep this build's results: the parts whose arguments are not the last build's."""
        self._cache.save_state({f"{self._name}:{n}": Remembered(self._version, part) for n, part in enumerate(in_parts(self._now))
                                if part.keys() != self._parts[n].keys()})  # fmt: skip
