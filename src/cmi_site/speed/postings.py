"""The fast engine's search postings: each document's terms worked out once and kept in the build
cache, and the last build's postings patched where few documents changed (searchtext.update_postings,
tested against making them afresh)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..outputs.search import SearchDoc, doc_text
from ..outputs.searchtext import Postings, TermPostings, build_postings, doc_weights, update_postings
from ..site import Site
from .cache import PARTS, BuildCache, code_version, in_parts
from .fingerprint import Fingerprints, Unfingerprintable, digest
from .parallel import run_jobs

SEARCH_STATE = "search"
PATCH_LIMIT = 64  # more documents changed than this, and the postings are made again from every document's terms


@dataclass(frozen=True)
class SearchState:
    """The last build's search documents (the route and key of each, in index order); their postings
    are kept beside it, in PARTS parts by term (cache.in_parts), each saved with a mark of its own: parts is the
    mark of each, so a part left from another build (one killed while saving) is a miss."""

    routes: list[str]
    keys: list[str]
    parts: list[str]


def postings(site: Site, docs: Sequence[SearchDoc], cache: BuildCache, fingerprints: Fingerprints) -> Postings:
    """The search index's postings of these documents. Each document's terms are worked out once and
    kept in the cache, keyed by a hash of the document, the place names it is found under and the
    code. When the documents are the ones of the last build, in the same order, only the postings of
    the terms of documents that changed are made again; otherwise all are made from each document's
    terms, from the cache where known, the rest worked out on every core."""
    try:
        base = digest(code_version(), fingerprints.of((site.areas, site.sectors, site.themes)))
        keys = [fingerprints.of((base, doc.route, doc.source)) for doc in docs]  # the source: a known model, quick
    except Unfingerprintable:
        return build_postings(weights(site, docs, range(len(docs))))
    routes = [doc.route for doc in docs]
    last, shards = _last(cache)
    found = _patched(site, docs, keys, last, _joined(shards), cache) if last is not None and last.routes == routes else None
    if found is None:
        found = _postings(site, docs, keys, cache)
    if last is None or last.keys != keys:
        _save(cache, routes, keys, found, last, shards)
    return found


def _last(cache: BuildCache) -> tuple[SearchState | None, list[Postings]]:
    """The last build's search state and its parts of the postings; (None, []) when any is missing
    or not of the shape this code makes (a miss)."""
    last = cache.state(SEARCH_STATE)
    if not (isinstance(last, SearchState) and type(last.routes) is list and type(last.keys) is list
            and len(last.routes) == len(last.keys) and all(type(key) is str for key in last.keys)
            and type(last.parts) is list and len(last.parts) == PARTS):  # fmt: skip
        return None, []
    shards = [_sound_shard(cache.state(f"{SEARCH_STATE}:{n}"), last.parts[n]) for n in range(PARTS)]
    return (last, [shard for shard in shards if shard is not None]) if None not in shards else (None, [])


def _sound_shard(found: object, mark: str) -> Postings | None:
    """A part of the postings read from the cache, when it is the one the state names and of the
    shape this code keeps there; else None (a miss)."""
    if not (type(found) is tuple and len(found) == 2 and found[0] == mark and type(found[1]) is dict):
        return None
    shard = found[1]
    return shard if all(type(term) is str and type(postings) is TermPostings for term, postings in shard.items()) else None


def _joined(shards: list[Postings]) -> Postings:
    """The parts as one Postings (the index sorts the terms: their order here does not matter)."""
    whole: Postings = {}
    for shard in shards:
        whole.update(shard)
    return whole


def _save(cache: BuildCache, routes: list[str], keys: list[str], found: Postings, last: SearchState | None,
          last_parts: list[Postings]) -> None:  # fmt: skip
    """Keep this build's documents and postings: a part of the postings only when a term of it
    changed (update_postings leaves a term it did not change the same object); the parts first, the
    state naming them last (a build killed in between leaves a state whose parts do not match)."""
    for term_postings in found.values():
        term_postings.encoded  # noqa: B018 - encoded now (the index needs it anyway), so that the state keeps it for next time
    marks = list(last.parts) if last is not None and last_parts else [""] * PARTS
    for n, part in enumerate(in_parts(found)):
        if not marks[n] or part.keys() != last_parts[n].keys() or any(part[t] is not last_parts[n][t] for t in part):
            marks[n] = secrets.token_hex(8)
            cache.save_state({f"{SEARCH_STATE}:{n}": (marks[n], part)})
    cache.save_state({SEARCH_STATE: SearchState(routes, keys, marks)})


def weights(site: Site, docs: Sequence[SearchDoc], numbers: Sequence[int]) -> Iterator[dict[str, int]]:
    """The terms of some documents, worked out on every core, in order."""
    return run_jobs(lambda n: doc_weights(doc_text(site, docs[numbers[n]])), len(numbers))


def _patched(site: Site, docs: Sequence[SearchDoc], keys: list[str], last: SearchState, postings: Postings,
             cache: BuildCache) -> Postings | None:  # fmt: skip
    """The last build's postings with the documents that changed since put right; None when too many
    changed, or the cache no longer holds what one of them was."""
    changed = [n for n, (old, new) in enumerate(zip(last.keys, keys, strict=True)) if old != new]
    if len(changed) > PATCH_LIMIT:
        return None
    old = cache.memo((last.keys[n] for n in changed), dict)
    if any(last.keys[n] not in old for n in changed):
        return None
    new = dict(zip(changed, weights(site, docs, changed), strict=True))
    cache.add_memo({keys[n]: new[n] for n in changed}, keep=keys)
    return update_postings(postings, {n: (old[last.keys[n]], new[n]) for n in changed})


def _postings(site: Site, docs: Sequence[SearchDoc], keys: list[str], cache: BuildCache) -> Postings:
    """Postings made from every document's terms: from the cache where known, else worked out (and kept)."""
    known = cache.memo(keys, dict)
    missing = [n for n, key in enumerate(keys) if key not in known]
    fresh = weights(site, docs, missing)
    batch: dict[str, dict[str, int]] = {}

    def in_order() -> Iterator[Mapping[str, int]]:
        for key in keys:
            if key in known:
                yield known.pop(key)
                continue
            batch[key] = next(fresh)  # the missing ones come in order
            yield batch[key]
            if len(batch) >= 1024:
                cache.add_memo(batch)
                batch.clear()

    postings = build_postings(in_order())
    cache.add_memo(batch, keep=keys)
    return postings
