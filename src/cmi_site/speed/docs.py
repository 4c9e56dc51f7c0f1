"""The fast engine's documents: each file's hash known from its stat when it has not changed, and each
document checked once (validate.check_document, on every core) and then kept in the build cache,
keyed by the hash of its bytes, its path, the vocabulary it was checked against and the code."""

from __future__ import annotations

import functools
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

from ..datafiles import vocab_from_data
from ..errors import Problem
from ..load import Loaded, entry_digest, file_digest, hash_key, read_doc, walk_files
from ..models import DocFile
from ..validate import DocResult, check_document
from .cache import PARTS, BuildCache, code_version, in_parts, part_of
from .fingerprint import Fingerprints, digest
from .parallel import run_jobs

DOCS_STATE = "docs"  # documents are kept in PARTS parts, by key: a change of one file saves one or two
RACY_NS = 2_000_000_000  # a file changed this close to when it was last hashed is hashed again
StatRecord = dict[str, tuple[tuple[int, ...] | None, str]]


def hash_files_known(cache: BuildCache, folder: Path) -> dict[str, str]:
    """load.hash_files(folder), reading again only files whose size, times or inode changed since the
    last build. A file changed within RACY_NS of being hashed is never trusted by its stat alone
    (a coarse clock could give two versions the same time), as git does for its index. Nothing is
    read that safe_files refuses (a link out of the folder, a named pipe ...): its hash is of why."""
    name = f"hashes:{folder.resolve()}"
    last = cache.state(name)
    known: StatRecord = last if isinstance(last, dict) else {}
    started = time.time_ns()
    record: StatRecord = {}
    within, entries = walk_files(folder)
    for entry in entries:
        rel = hash_key(entry.rel)
        try:
            info = os.stat(entry.path) if entry.refused is None else None
        except OSError:  # gone since it was listed: hashed as refused
            info = None
        if info is None:
            record[rel] = (None, entry_digest(entry, within))
            continue
        stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        old = known.get(rel)
        known_hash = type(old) is tuple and len(old) == 2 and old[0] == stat and isinstance(old[1], str)  # else a miss
        hashed = old[1] if known_hash else entry_digest(entry, within)  # type: ignore[index]
        record[rel] = (stat if max(info.st_mtime_ns, info.st_ctime_ns) < started - RACY_NS else None, hashed)
    if record != known:
        cache.save_state({name: record})
    return {rel: hashed for rel, (_, hashed) in record.items()}


def source_hash(read: bytes | Problem) -> str:
    """The hash of a document's bytes, or of why it cannot be read."""
    return file_digest(read) if isinstance(read, bytes) else "refused " + file_digest(read.message.encode("utf-8", "surrogateescape"))


def check_documents(loaded: Loaded, content: Path, cache: BuildCache, fingerprints: Fingerprints, hashes: dict[str, str],
                    known: dict[str, DocResult] | None = None) -> tuple[list[DocResult], Callable[[], None]]:  # fmt: skip
    """Every document of loaded.docs checked (validate.check_document), from the cache where it has
    them, the rest on every core; and what keeps them in the cache, for the caller to run (perhaps in
    another process: pickling 11,000 results here left ~35 MB more behind for the rest of the build).
    hashes: the hash of each file's bytes by path below content (hash_files_known). known: the
    preview's (_found), left holding this build's."""
    within = loaded.within
    vocab = vocab_from_data(loaded.data, (image.output_path for image in loaded.images))
    base = digest(code_version(), fingerprints.of(vocab))
    prefix = len(os.fspath(content).rstrip(os.sep)) + 1

    def key_of(doc: DocFile, hashed: str) -> str:
        return digest(base, doc.collection, doc.path, hashed)

    def file_hash(doc: DocFile) -> str:
        known = hashes.get(os.fspath(doc.file)[prefix:].replace(os.sep, "/"))
        return known or source_hash(read_doc(doc, within))

    keys = [key_of(doc, file_hash(doc)) for doc in loaded.docs]
    results, kept = _found(cache, keys, known)
    missing = [index for index, result in enumerate(results) if result is None]

    def job(n: int) -> tuple[str, bytes]:
        doc = loaded.docs[missing[n]]
        data = read_doc(doc, within)  # read again: the key must be of the bytes that are checked
        return key_of(doc, source_hash(data)), pickle.dumps(check_document(doc, data, vocab), protocol=5)

    for n, (key, blob) in enumerate(run_jobs(job, len(missing))):
        keys[missing[n]] = key
        results[missing[n]] = pickle.loads(blob)  # noqa: S301 - made just now, by this build
    done = cast(list[DocResult], results)
    for key, result in zip(keys, done, strict=True):
        if known is not None:
            known[key] = result
        if result.model is not None:
            fingerprints.know(result.model, key)  # its source file's hash says everything about it
    return done, functools.partial(_keep, cache, dict(zip(keys, done, strict=True)), kept)


def _found(cache: BuildCache, keys: list[str], known: dict[str, DocResult] | None) -> tuple[list[DocResult | None], set[str]]:
    """The result of each key (None where it is not known) and every key the cache holds: from the
    cache (_cached), or when the preview keeps the last build's results in memory (speed/resident.py),
    from those: the cache has them too (it gave them), and the rest changed since, so are checked again."""
    if known:
        found = [known.get(key) for key in keys]
        kept = set(known)
        known.clear()  # to hold this build's results only
        return found, kept
    return _cached(cache, keys)


def _cached(cache: BuildCache, keys: list[str]) -> tuple[list[DocResult | None], set[str]]:
    """The cached result of each key (None where the cache has none), and every key the cache holds."""
    held: dict[str, DocResult] = {}
    for part in range(PARTS):
        found = cache.state(f"{DOCS_STATE}:{part}")
        if type(found) is dict:  # of the shape this code keeps, else a miss (a key is a hash of what it was made from)
            held.update({key: result for key, result in found.items() if type(key) is str and type(result) is DocResult})
    return [held.get(key) for key in keys], set(held)


def _keep(cache: BuildCache, results: dict[str, DocResult], kept: set[str]) -> None:
    """Keep this build's results (and only those: an older version of a file is dropped) in the parts
    whose keys are not the ones the cache holds. A result depends on its key alone, so parts written
    by different builds (one killed while saving) never disagree."""
    changed = {part_of(key) for key in kept.symmetric_difference(results)}
    cache.save_state({f"{DOCS_STATE}:{n}": part for n, part in enumerate(in_parts(results)) if n in changed})
