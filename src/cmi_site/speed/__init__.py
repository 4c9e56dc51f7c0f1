"""The speed machinery, behind one door: the Engine the pipeline calls between its stages.

Every engine gives what the plain calls would give; the fast one only gives it sooner.

- PlainEngine: no cache, one process, nothing kept between builds. It is the reference: `check` uses
  it, `--no-cache` builds use it, and tests/test_incremental.py compares the fast engine's output
  with its output, file for file, after every kind of change.
- FastEngine (fast.py): the build cache (cache.py, and trust.py: what it may trust), fingerprints
  (fingerprint.py), read tracking (track.py) and every core (parallel.py): documents checked once,
  pages rendered only when what they are made from changed, search postings patched, the
  nothing-changed shortcut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from ..config import BuildOptions, Result
from ..datafiles import vocab_from_data
from ..load import Loaded, read_doc
from ..models import Content, Output, PageJob, Picture, StaticFile
from ..outputs.search import SearchDoc, doc_text
from ..outputs.searchtext import Postings, build_postings, doc_weights
from ..outputs.static import image_files
from ..render import Renderer
from ..site import Site, build_site
from ..validate import Validated, check_document, validate
from ..write import Kept, Staged, Written, write_site

A = TypeVar("A")


class Engine(Protocol):
    """What the pipeline asks of the speed machinery, stage by stage, for one build."""

    def unchanged(self) -> Result | None:
        """The last build's result when nothing it was made from changed and its output is intact."""

    def check(self, loaded: Loaded) -> Validated:
        """Every document read, checked and converted (validate.check_document), then validate()."""

    def site(self, content: Content) -> Site:
        """site.build_site of the checked content (with the build's options)."""

    def render(self, site: Site, jobs: Sequence[PageJob]) -> Iterator[Output | Kept | Staged]:
        """Each job's page, as the writer takes them (Kept: the output already has its bytes)."""

    def postings(self, site: Site, docs: Sequence[SearchDoc]) -> Postings:
        """The search index's postings of these documents."""

    def remember(self, make: Callable[[A], str]) -> Callable[[A], str]:
        """make, whose result depends on its argument alone, perhaps remembered from the last build."""

    def pictures(self, images: list[StaticFile], pictures: Mapping[str, Picture]) -> Iterator[Output]:
        """outputs.static.image_files: each picture's copies, perhaps kept from the last build."""

    def write(self, files: Iterable[Output | Kept | Staged]) -> Written:
        """The files into the output folder, in one step (write.write_site)."""

    def explained(self) -> dict[str, str]:
        """Each page made again, and why (cmi-site build --explain)."""

    def finish(self, result: Result) -> None:
        """Note a build that was written (for the nothing-changed shortcut of the next one)."""

    def close(self) -> None:
        """End what the build started (background jobs, the cache); called however the build ends."""


class PlainEngine:
    """The reference engine: every document read and checked, every page rendered, one at a time."""

    def __init__(self, templates: Path, output: Path, options: BuildOptions) -> None:
        self.templates, self.output, self.options = templates, output, options
        self._made: dict[str, str] = {}

    def unchanged(self) -> Result | None:
        return None

    def check(self, loaded: Loaded) -> Validated:
        vocab = vocab_from_data(loaded.data, (image.output_path for image in loaded.images))
        return validate(loaded, [check_document(doc, read_doc(doc, loaded.within), vocab) for doc in loaded.docs])

    def site(self, content: Content) -> Site:
        return build_site(content, self.options)

    def render(self, site: Site, jobs: Sequence[PageJob]) -> Iterator[Output | Kept | Staged]:
        renderer = Renderer(self.templates, site)
        for job in jobs:
            self._made[job.path] = "every page is made without the build cache (--no-cache)"
            yield Output(job.path, renderer.render(job))

    def postings(self, site: Site, docs: Sequence[SearchDoc]) -> Postings:
        return build_postings(doc_weights(doc_text(site, doc)) for doc in docs)

    def remember(self, make: Callable[[A], str]) -> Callable[[A], str]:
        return make

    def pictures(self, images: list[StaticFile], pictures: Mapping[str, Picture]) -> Iterator[Output]:
        return image_files(images, pictures)

    def write(self, files: Iterable[Output | Kept | Staged]) -> Written:
        return write_site(files, self.output)

    def explained(self) -> dict[str, str]:
        return dict(self._made)

    def finish(self, result: Result) -> None:
        pass

    def close(self) -> None:
        pass
