"""Fingerprints: short hashes of plain values (equal values, equal fingerprints), and digest, the one
hash of strings and bytes the build cache keys everything by."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any


class Unfingerprintable(TypeError):
    """A value whose fingerprint cannot be known (a function, an open file): the page is always rendered."""


def digest(*parts: str | bytes) -> str:
    """A short hex digest of some strings or bytes, each length-prefixed so ('ab', 'c') != ('a', 'bc')."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class Fingerprints:
    """Fingerprints of values for one build; objects of the Site can be given theirs in advance."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[object, str]] = {}  # id -> (the object, kept alive; its fingerprint)

    def know(self, obj: object, fingerprint: str) -> None:
        """Use fingerprint for obj (a model whose source file's hash already says everything about it)."""
        self._known[id(obj)] = (obj, fingerprint)

    def know_all(self, objects: Any) -> None:
        """Fingerprint and remember every dataclass object in a tuple (the Site's collections)."""
        for obj in objects:
            if dataclasses.is_dataclass(obj) and id(obj) not in self._known:
                try:
                    self.know(obj, self.of(obj))
                except Unfingerprintable:
                    continue  # pages that use it are rendered every time

    def of(self, value: Any) -> str:
        """The fingerprint of a plain value: equal values, equal fingerprints. Unfingerprintable otherwise."""
        parts: list[str] = []
        self._collect(value, parts)
        return hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    def _collect(self, value: Any, parts: list[str]) -> None:
        """Append tokens that spell value out unambiguously (every text is preceded by its length)."""
        known = self._known.get(id(value))
        if known is not None and known[0] is value:
            parts.append("k" + known[1])
            return
        kind = type(value)
        if kind is str:
            parts.append(f"s{len(value)}:{value}")
        elif value is None or kind in _SCALARS:
            text = repr(value)
            parts.append(f"{kind.__qualname__}{len(text)}:{text}")
        elif kind is tuple or kind is list:
            parts.append(f"{kind.__qualname__}{len(value)}")
            self._items(value, parts)
        elif kind is dict or isinstance(value, Mapping):  # a page's values: a dict, known before the slower test
            parts.append(f"{kind.__qualname__}{len(value)}")
            self._items([part for pair in value.items() for part in pair], parts)
        elif isinstance(value, str):  # a str subclass (Markup): its type matters to jinja
            parts.append(f"{kind.__qualname__}{len(value)}:{value}")
        elif isinstance(value, (set, frozenset)):
            parts.append(f"{kind.__qualname__}{len(value)}")
            parts.extend(sorted(self.of(item) for item in value))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts.append(f"{kind.__module__}.{kind.__qualname__}")
            self._items([getattr(value, name) for name in _field_names(kind)], parts)
        elif isinstance(value, (tuple, list)):  # a named tuple or other subclass
            parts.append(f"{kind.__qualname__}{len(value)}")
            self._items(value, parts)
        else:
            raise Unfingerprintable(f"cannot fingerprint a {kind.__qualname__}")

    def _items(self, items: Iterable[Any], parts: list[str]) -> None:
        """_collect of each item; texts and known objects (most items) without a call of their own."""
        known, append = self._known, parts.append
        for item in items:
            if type(item) is str:
                append(f"s{len(item)}:{item}")
                continue
            if item is None:
                append(_NONE)
                continue
            found = known.get(id(item))
            if found is not None and found[0] is item:
                append("k" + found[1])
            else:
                self._collect(item, parts)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names (dataclasses.fields works them out again at every call)."""
    if cls not in _FIELDS:
        _FIELDS[cls] = tuple(spec.name for spec in dataclasses.fields(cls))
    return _FIELDS[cls]


_NONE = "NoneType4:None"  # what _collect makes of None

_SCALARS = frozenset({bool, int, float, bytes, dt.date, dt.datetime, dt.time})
