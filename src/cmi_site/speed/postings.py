"""The fast engine's search postings: each document's terms worked out once and kept in the build
cache, and the last build's postings patched where few documents changed (searchtext.update_postings,
tested against making them afresh)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..outputs.search import SearchDoc, doc_text
from ..outputs.searchtext import Postings, TermPostings, build_postings, doc_weights, update_postings
from ..site import Site
from .cache import BuildCache, code_version
from .fingerprint import Fingerprints, Unfingerprintable, digest
from .parallel import run_jobs

SEARCH_STATE = "search"
PATCH_LIMIT = 64  # more documents changed than this, and the postings are made again from every document's terms


@dataclass(frozen=True)
class SearchState:
    """The last build's search documents (the route and key of each, in index order) and their postings."""

    routes: list[str]
    keys: list[str]
    postings: Postings


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
    last = cache.state(SEARCH_STATE)
    if not (isinstance(last, SearchState) and _sound_search_state(last)):
        last = None
    found = _patched(site, docs, keys, last, cache) if last is not None and last.routes == routes else None
    if found is None:
        found = _postings(site, docs, keys, cache)
    if last is None or last.keys != keys:
        for term in found.values():
            term.encoded  # noqa: B018 - encoded now (the index needs it anyway), so that the state keeps it for next time
        cache.save_state({SEARCH_STATE: SearchState(routes, keys, found)})
    return found


def _sound_search_state(last: SearchState) -> bool:
    """Whether a search state read from the cache has the shape this code made it with (else a miss)."""
    return (type(last.routes) is list and type(last.keys) is list and len(last.routes) == len(last.keys)
            and all(type(key) is str for key in last.keys) and type(last.postings) is dict
            and all(type(term) is str and type(found) is TermPostings for term, found in last.postings.items()))  # fmt: skip


def weights(site: Site, docs: Sequence[SearchDoc], numbers: Sequence[int]) -> Iterator[dict[str, int]]:
    """The terms of some documents, worked out on every core, in order."""
    return run_jobs(lambda n: doc_weights(doc_text(site, docs[numbers[n]])), len(numbers))


def _patched(site: Site, docs: Sequence[SearchDoc], keys: list[str], last: SearchState, cache: BuildCache) -> Postings | None:
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
    return update_postings(last.postings, {n: (old[last.keys[n]], new[n]) for n in changed})


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
