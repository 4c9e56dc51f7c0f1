"""The preview's memory: the content as the last build checked it, kept in the preview's builder
process between builds, so that an edit can be shown in the open pages before the whole site is
built again (pipeline.preview).

It gives what a build would: the edited documents are read and checked again with the same check
(validate.check_document), and the rest are the results the build cache holds for their bytes.
When an edit is not one it can follow (a file added or removed, a data file, a picture), it says
so (None) and only the full build, which always follows, shows it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from ..config import CONTENT, TEMPLATES, Change, Paths
from ..datafiles import vocab_from_data
from ..load import COLLECTIONS, IMAGE_DIR, Loaded, load_content, read_doc, template_problems
from ..models import Picture, StaticFile
from ..pictures import Unusable
from ..validate import DocResult, Validated, check_document, validate
from .cache import BuildCache
from .docs import check_documents, hash_files_known
from .fingerprint import Fingerprints
from .pictures import PictureStore
from .trust import unusable_cache


@dataclass
class Memory:
    """The content of the last build, checked (empty until a build or sync fills it)."""

    loaded: Loaded | None = None
    results: list[DocResult] = field(default_factory=list)  # in loaded.docs' order
    where: dict[str, int] = field(default_factory=dict)  # a document's path inside content/ -> its index
    pictures: dict[str, Picture | Unusable] = field(default_factory=dict)  # images/x.jpg -> as planned
    validated: Validated | None = None
    by_key: dict[str, DocResult] = field(default_factory=dict)  # the build cache's key -> result (speed/docs.py)
    stale: bool = True  # whether a change it could not follow (or none yet) means it must sync

    def planner(self, plan: Callable[[StaticFile], Picture]) -> Callable[[StaticFile], Picture]:
        """plan, noting how each picture was planned (or why it cannot be), for edited()."""
        self.pictures = {}

        def planned(image: StaticFile) -> Picture:
            try:
                self.pictures[image.output_path] = plan(image)
            except Unusable as err:
                self.pictures[image.output_path] = err
            return self._planned(image)

        return planned

    def take(self, paths: Paths, loaded: Loaded, results: list[DocResult], validated: Validated) -> None:
        """Keep what a build (FastEngine.check) or sync() read and checked: the content as it is now."""
        prefix = len(os.fspath(paths.content).rstrip(os.sep)) + 1
        self.where = {os.fspath(doc.file)[prefix:].replace(os.sep, "/"): n for n, doc in enumerate(loaded.docs)}
        self.loaded, self.results, self.validated, self.stale = loaded, results, validated, False

    def sync(self, paths: Paths) -> None:
        """Know the content as it is now, when the last build did not read it (nothing had changed):
        its documents' results come from memory or the build cache. Nothing is kept without a cache."""
        if paths.cache is None or unusable_cache(paths.cache, paths.root) is not None:
            return  # (a cache reached through a symbolic link, or holding one, is never used: pipeline.build)
        cache = BuildCache(paths.cache)
        try:
            loaded = load_content(paths.content, paths.root)
            hashes = hash_files_known(cache, paths.content)
            results, keep = check_documents(loaded, paths.content, cache, Fingerprints(), hashes, self.by_key)
            keep()
            validated = validate(loaded, results, self.planner(PictureStore(cache).plan))
        finally:
            cache.close()
        self.take(paths, loaded, results, validated)

    def edited(self, paths: Paths, changes: Collection[Change]) -> Validated | None:
        """The content with these changes (edits of known documents, or of templates), checked as the
        build checks it; None when a change is not one of those, or nothing is known yet."""
        loaded, validated = self.loaded, self.validated
        if any(not self._follows(change) for change in changes):
            self.stale = True
        if loaded is None or validated is None or self.stale:
            return None
        if any(change[0] == TEMPLATES for change in changes) and template_problems(paths.templates, paths.root):
            return None  # the full build reports them
        edits = sorted({self.where[rel] for folder, rel in changes if folder == CONTENT and rel in self.where})
        if not edits:
            return validated
        vocab = vocab_from_data(loaded.data, (image.output_path for image in loaded.images))
        results = list(self.results)
        for n in edits:
            results[n] = check_document(loaded.docs[n], read_doc(loaded.docs[n], loaded.within), vocab)
        validated = validate(loaded, results, self._planned)
        self.results, self.validated = results, validated
        return validated

    def _follows(self, change: Change) -> bool:
        """Whether a change is one edited() can follow: a known document's, a template's, or one the
        build does not read (an editor's hidden swap or lock file in a collection or content/images)."""
        folder, rel = change
        return (folder == CONTENT and (rel in self.where or unread(rel))) or folder == TEMPLATES

    def _planned(self, image: StaticFile) -> Picture:
        """A picture as planned when the content was last read (pictures do not change in edited())."""
        found = self.pictures[image.output_path]
        if isinstance(found, Unusable):
            raise found
        return found



def unread(rel: str) -> bool:
    """Whether a path inside content/ is one the build never reads: a hidden file or folder (its name
    starts with '.') in a collection or content/images (load.py leaves them out)."""
    parts = rel.split("/")
    return len(parts) > 1 and parts[0] in (*COLLECTIONS, IMAGE_DIR) and any(part.startswith(".") for part in parts[1:])
