"""The stories' web addresses already taken, for the share form: Site -> small classic scripts.

The share form makes a story file content/stories/<slug>.md from the title a visitor types, and
refuses a title whose slug is taken (a published story's, or a withdrawn one's, whose file and
address are still there; a draft's is not published). It once carried every slug in an attribute:
229 KB of a 275 KB page at 10,000 stories, on every visit, for a check made once. Now the slugs are
split by a hash into shards of about SHARD_SLUGS (share/taken-<i>.<content hash>.js, each one call
`CMI_TAKEN(i, "slug slug ...")`), the page names the files, and share.js loads only the shard of the
title, when its box is left or the form sent: a script tag, so it works from disk as from a server. The hash (32-bit FNV-1a of the
slug's ASCII bytes) is mirrored in templates/assets/share.js; tests check that both agree.
"""

from __future__ import annotations

import functools
import hashlib
import json

from .site import SHARE, Site

SHARD_SLUGS = 400  # slugs a file aims at: about 10 KB (3 KB compressed) at the slugs' usual length
FNV_OFFSET, FNV_PRIME = 0x811C9DC5, 0x01000193


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of text's bytes (a slug is ASCII): which shard a slug is in."""
    value = FNV_OFFSET
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return value


def taken_slugs(site: Site) -> list[str]:
    """Every story slug a new story may not have: the published stories' and the withdrawn ones'."""
    return sorted({story.slug for story in site.stories} | {w.slug for w in site.withdrawn if w.collection == "stories"})


def taken_scripts(site: Site) -> tuple[tuple[str, bytes], ...]:
    """The shards as (path in the output, bytes), in shard order; none when no slug is taken. (The
    share page names them and the data files write them: made once for both, ~60 ms at 10,000.)"""
    return _scripts(tuple(taken_slugs(site)), SHARD_SLUGS)


@functools.lru_cache(maxsize=1)
def _scripts(slugs: tuple[str, ...], per_shard: int) -> tuple[tuple[str, bytes], ...]:
    count = -(-len(slugs) // per_shard)
    shards: list[list[str]] = [[] for _ in range(count)]
    for slug in slugs:
        shards[fnv1a(slug) % count].append(slug)
    scripts = []
    for number, shard in enumerate(shards):
        data = f"CMI_TAKEN({number}, {json.dumps(' '.join(shard))});\n".encode()
        digest = hashlib.blake2b(data, digest_size=4).hexdigest()
        scripts.append((f"{SHARE}taken-{number}.{digest}.js", data))
    return tuple(scripts)
