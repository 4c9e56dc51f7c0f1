"""Easy Read: the long-sentence check on `easy_read` summaries, and the list the Easy Read index shows.

Easy Read is written one idea per sentence. The usual guidance for Easy Read (for example the UK
government's "Making information easier to read") is to keep sentences short: we warn when a
sentence has more than MAX_WORDS words, so an editor can split it. It is a warning, not an error,
because a longer sentence is sometimes the clearest way to say something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from .errors import Problem
from .site import EVIDENCE, HOME, Site, route_of

MAX_WORDS = 15  # a sentence with more words than this gets a warning
FIELD = "easy_read"
QUOTED_WORDS = 6  # how many of a long sentence's first words the warning quotes

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\u201d\u2019]*\s+")
_WORD = re.compile(r"[^\W_]")


class HasLines(Protocol):
    """A loaded file that knows the line of each key (SourceDoc, DataFile)."""

    @property
    def path(self) -> str: ...

    def line_of(self, *key: str | int) -> int: ...


def paragraphs(text: str) -> list[str]:
    """The lines of an Easy Read text as they are shown: one paragraph each, list markers removed."""
    return [line.strip().lstrip("-* ").strip() for line in text.splitlines() if line.strip()]


def blocks(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """An Easy Read text -> ("p", (line,)) for each line and ("ul", items) for each run of '- ' lines."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if line.startswith(("- ", "* ")):
            item = line[2:].strip()
            if out and out[-1][0] == "ul":
                out[-1] = ("ul", (*out[-1][1], item))
            else:
                out.append(("ul", (item,)))
        else:
            out.append(("p", (line,)))
    return out


def sentences(line: str) -> list[str]:
    """One line of text -> its sentences, split after '.', '!' or '?' followed by a space."""
    return [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]


def words(sentence: str) -> list[str]:
    """The words of a sentence: runs of non-space characters with at least one letter or digit."""
    return [token for token in sentence.split() if _WORD.search(token)]


def long_sentences(text: str, max_words: int = MAX_WORDS) -> list[tuple[int, str, int]]:
    """(line index within text, sentence, word count) for every sentence of more than max_words words."""
    found = []
    for index, line in enumerate(text.split("\n")):
        for sentence in sentences(line.strip().lstrip("-* ")):
            count = len(words(sentence))
            if count > max_words:
                found.append((index, sentence, count))
    return found


def long_sentence_warnings(source: HasLines, raw: Any) -> list[Problem]:
    """Warnings for an `easy_read` value as written in the file (raw YAML text), at the line of each sentence."""
    if not isinstance(raw, str):
        return []
    key_line = source.line_of(FIELD)
    # A '|' block keeps its line breaks, so its line n is the file line after the key, plus n.
    # Text on the key's own line has no line breaks, and every sentence is on the key's line.
    in_block = "\n" in raw
    problems = []
    for index, sentence, count in long_sentences(raw):
        line = key_line + 1 + index if in_block else key_line
        start = " ".join(sentence.split()[:QUOTED_WORDS])
        problems.append(Problem(source.path, line, FIELD,
                                f"a sentence of {count} words, starting '{start} ...' (Easy Read sentences should have "
                                f"{MAX_WORDS} words or fewer: split it into shorter sentences, one idea each)", "warning"))  # fmt: skip
    return problems


# ---- the Easy Read index ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One page with an Easy Read summary, for the Easy Read index."""

    title: str
    route: str  # the page's route with '#easy-read'
    first_line: str  # the summary's first paragraph, as a preview


@dataclass(frozen=True)
class Group:
    heading: str
    entries: tuple[Entry, ...]


ANCHOR = "easy-read"


def _entry(title: str, route: str, text: str) -> Entry:
    lines = paragraphs(text)
    return Entry(title, f"{route}#{ANCHOR}", lines[0] if lines else "")


EVIDENCE_LINE = "What all the stories tell us about how the work felt."  # its first line in the index


def easy_read_groups(site: Site) -> tuple[Group, ...]:
    """Every page with an Easy Read summary, grouped (about the network, stories, signatories); empty groups left out."""
    network = []
    if site.settings.easy_read:
        network.append(_entry(f"{site.settings.title}: home page", HOME, site.settings.easy_read))
    if site.pledge is not None and site.pledge.easy_read:
        network.append(_entry(site.pledge.title, route_of(site.pledge), site.pledge.easy_read))
    network += [_entry(p.title, route_of(p), p.easy_read) for p in sorted(site.pages, key=lambda p: p.title) if p.easy_read]
    stories = [_entry(s.title, route_of(s), s.easy_read) for s in site.stories if s.easy_read]
    if any(s.self_assessment for s in site.stories):  # the evidence page's Easy Read part is made from their answers
        stories.insert(0, Entry("What the stories add up to", f"{EVIDENCE}#{ANCHOR}", EVIDENCE_LINE))
    signatories = [_entry(f"{s.name}, {s.organisation}", route_of(s), s.easy_read) for s in site.signatories if s.easy_read]
    groups = (Group("About Count Me In", tuple(network)), Group("Stories", tuple(stories)),
              Group("People who signed the pledge", tuple(signatories)))  # fmt: skip
    return tuple(g for g in groups if g.entries)
