"""A record of what of the Site each page reads.

A page is a pure function of its template, the values passed to it and the parts of the Site its
template reads (through the `site` global and the helpers that close over it). `TrackedSite` stands
in for the Site while a page renders and records each read: an attribute, one key of a mapping, or
only the length of a list ("12 stories" does not change when a story's text does). The next build
checks those reads against the new Site: when every one gives the same fingerprint, the page would
come out the same, so the last build's file is kept. Nothing here knows any page kind.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .fingerprint import Fingerprints, Unfingerprintable

# A read: (path from the Site, mode). Path ("stories_by_area", "norfolk") is site.stories_by_area["norfolk"];
# mode "all" depends on the whole value, "len" only on its length, "has" only on whether the key is there.
Read = tuple[tuple[str, ...], str]
MISSING = object()


class Tracker:
    """Collects the reads of the page being rendered (one page at a time in each process)."""

    def __init__(self) -> None:
        self.reads: set[Read] | None = None
        self.seen: dict[str, Any] = {}  # the Site's attributes read by this page so far, as given to it

    def start(self) -> None:
        self.reads = set()
        self.seen = {}  # a page's first read of each attribute is noted: it must not be skipped

    def stop(self) -> frozenset[Read]:
        reads, self.reads = self.reads or set(), None
        return frozenset(reads)

    def note(self, path: tuple[str, ...], mode: str) -> None:
        if self.reads is not None:
            self.reads.add((path, mode))


def _wrap(value: Any, path: tuple[str, ...], tracker: Tracker) -> Any:
    """A value read from the Site: containers keep recording, anything else is read whole."""
    if isinstance(value, Mapping):
        return TrackedMapping(value, path, tracker)
    if isinstance(value, (tuple, list)):
        return TrackedSequence(value, path, tracker)
    tracker.note(path, "all")
    return value


@functools.cache
def _attribute_kind(cls: type, name: str) -> Callable[[Any], Any] | None:
    """How to read a class's attribute through a TrackedSite: a property's getter, a method bound to
    it, or None for a plain field."""
    static = inspect.getattr_static(cls, name, None)
    if isinstance(static, property) and static.fget is not None:
        return static.fget
    if inspect.isfunction(static):
        return lambda tracked: functools.partial(static, tracked)
    return None


class TrackedSite:
    """The Site as templates see it: every read is noted in the tracker."""

    def __init__(self, site: Any, tracker: Tracker) -> None:
        object.__setattr__(self, "_site", site)
        object.__setattr__(self, "_tracker", tracker)

    def __getattr__(self, name: str) -> Any:
        tracker: Tracker = object.__getattribute__(self, "_tracker")
        found = tracker.seen.get(name, MISSING)
        if found is not MISSING:  # read already by this page (and noted then): templates read a few attributes often
            return found
        site = object.__getattribute__(self, "_site")
        kind = _attribute_kind(type(site), name)  # type: ignore[arg-type]
        if kind is not None:
            return kind(self)  # a property or a method: what it reads through self is noted
        value = tracker.seen[name] = _wrap(getattr(site, name), (name,), tracker)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the Site cannot be changed")


class TrackedMapping(Mapping[Any, Any]):
    """A mapping of the Site: reading one key depends on that key only."""

    def __init__(self, mapping: Mapping[Any, Any], path: tuple[str, ...], tracker: Tracker) -> None:
        self._mapping, self._path, self._tracker = mapping, path, tracker

    def _key(self, key: Any) -> Any:
        if not isinstance(key, str):
            self._tracker.note(self._path, "all")
            return self._mapping.get(key, MISSING)
        value = self._mapping.get(key, MISSING)
        self._tracker.note((*self._path, key), "has")
        return value if value is MISSING else _wrap(value, (*self._path, key), self._tracker)

    def __getitem__(self, key: Any) -> Any:
        value = self._key(key)
        if value is MISSING:
            raise KeyError(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        value = self._key(key)
        return default if value is MISSING else value

    def __contains__(self, key: object) -> bool:
        return self._key(key) is not MISSING

    def __iter__(self) -> Iterator[Any]:
        self._tracker.note(self._path, "all")
        return iter(self._mapping)

    def __len__(self) -> int:
        self._tracker.note(self._path, "all")
        return len(self._mapping)


class TrackedSequence:
    """A list of the Site: its length alone is a smaller dependency than its items."""

    def __init__(self, items: tuple[Any, ...] | list[Any], path: tuple[str, ...], tracker: Tracker) -> None:
        self._items, self._path, self._tracker = items, path, tracker

    def _all(self) -> tuple[Any, ...] | list[Any]:
        self._tracker.note(self._path, "all")
        return self._items

    def __len__(self) -> int:
        self._tracker.note(self._path, "len")
        return len(self._items)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Any]:
        return iter(self._all())

    def __reversed__(self) -> Iterator[Any]:
        backwards: Iterator[Any] = reversed(self._all())  # typeshed gives reversed() of a union as Any
        return backwards

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __contains__(self, item: object) -> bool:
        return item in self._all()

    def __add__(self, other: Any) -> Any:
        other_items = other._all() if isinstance(other, TrackedSequence) else other
        items: Any = self._all()
        return items + other_items

    def __radd__(self, other: Any) -> Any:
        return other + self._all()

    def __eq__(self, other: object) -> bool:
        other_items = other._all() if isinstance(other, TrackedSequence) else other
        return self._all() == other_items

    __hash__ = None  # type: ignore[assignment]

    def index(self, item: Any) -> int:
        return self._all().index(item)

    def count(self, item: Any) -> int:
        return self._all().count(item)


def resolve(site: Any, path: tuple[str, ...]) -> Any:
    """The value a read's path points at in a Site (MISSING when a key is not there)."""
    value = getattr(site, path[0], MISSING)
    for key in path[1:]:
        value = value.get(key, MISSING) if isinstance(value, Mapping) else MISSING
    return value


class SiteReads:
    """The fingerprint of each read against one Site, each worked out once per build."""

    def __init__(self, site: Any, fingerprints: Fingerprints) -> None:
        self._site, self._fingerprints = site, fingerprints
        self._memo: dict[Read, str] = {}

    def one(self, read: Read) -> str:
        """The fingerprint of what one read gives on this Site."""
        if read not in self._memo:
            path, mode = read
            value = resolve(self._site, path)
            if value is MISSING:
                self._memo[read] = "missing"
            elif mode == "has":
                self._memo[read] = "present"
            elif mode == "len":
                self._memo[read] = f"len={len(value)}"
            else:
                try:
                    self._memo[read] = self._fingerprints.of(value)
                except Unfingerprintable:  # never equal to anything: pages that read it are always rendered
                    self._memo[read] = f"unknowable {os.urandom(16).hex()}"
        return self._memo[read]
