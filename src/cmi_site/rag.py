"""The RAG self-assessment in numbers: how many stories rated each statement red, amber or green,
and the same numbers drawn as an SVG bar chart at build time.

The chart is plain SVG text (no script, no style attributes: colours are presentation attributes
and CSS classes), laid out in percentages of its width so that its words never shrink on a small
screen. The same input always gives the same bytes.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import chain

from .models import RAG_VALUES, Statement, Story

# Words and shapes go with every colour, so a rating never depends on colour alone.
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}
RAG_SYMBOLS = {"red": "✕", "amber": "!", "green": "✓"}
RAG_FILLS = {"red": "#a4221a", "amber": "#7a4d00", "green": "#1d6b34"}  # as site.css --red, --amber, --green

WRAP = 28  # characters per line of a statement: bold 16px text fits in 288 CSS px (a 320px phone)
LINE = 20  # px between lines of text
BAR = 28  # px height of a bar
GAP = 20  # px between one statement and the next
MIN_LABEL = 12.0  # % of the width a segment needs to carry its own count


@dataclass(frozen=True)
class Tally:
    """How the rated stories rated one statement."""

    statement: Statement
    red: int
    amber: int
    green: int
    unrated: int  # stories with a self-assessment that left this statement out

    def count(self, rating: str) -> int:
        return {"red": self.red, "amber": self.amber, "green": self.green}[rating]


@dataclass(frozen=True)
class Picture:
    """The self-assessment of a group of stories (a region, an area), statement by statement."""

    stories: int  # stories in the group
    rated: int  # of which have a self-assessment
    tallies: tuple[Tally, ...]


def tally_ratings(stories: Sequence[Story], statements: Iterable[Statement]) -> Picture:
    """Stories and the statements -> how many rated stories gave each statement each rating."""
    return Tallies(statements).picture(stories)


class Tallies:
    """tally_ratings for many groups of the same stories (the evidence pages count 800 groups): each
    story's ratings become small numbers once (the statement's place x 3 + the rating's), so counting a
    group is one Counter over integers, about three times quicker than over (statement, rating) pairs.
    Ratings of statements not given are left out, as they are not shown."""

    def __init__(self, statements: Iterable[Statement], stories: Iterable[Story] = ()) -> None:
        """stories: those whose numbers to work out now (the others are worked out when counted)."""
        self.statements = tuple(statements)
        self._place = {statement.id: n for n, statement in enumerate(self.statements)}
        self._codes: dict[int, tuple[Story, tuple[int, ...]]] = {id(s): (s, self._code(s)) for s in stories}

    def _code(self, story: Story) -> tuple[int, ...]:
        place, rating = self._place, _RATING_PLACE
        return tuple(place[r.statement] * 3 + rating[r.rating] for r in story.self_assessment
                     if r.statement in place and r.rating in rating)  # fmt: skip

    def _of(self, story: Story) -> tuple[int, ...]:
        found = self._codes.get(id(story))
        return found[1] if found is not None and found[0] is story else self._code(story)

    def picture(self, stories: Sequence[Story]) -> Picture:
        """How many of these stories (those with a self-assessment) gave each statement each rating."""
        rated = [s for s in stories if s.self_assessment]
        return self._picture(len(stories), [self._of(s) for s in rated])

    def pictures_by(self, rated: Sequence[Story], *keys_of: Callable[[Story], Iterable[str]]) -> list[dict[str, Picture]]:
        """Stories with a self-assessment -> for each way of grouping them (keys_of gives a story's keys),
        a Picture of those having each key; all grouped in one pass over the stories' numbers."""
        groups: list[dict[str, list[tuple[int, ...]]]] = [{} for _ in keys_of]
        ways = list(zip(keys_of, groups, strict=True))
        for story in rated:
            code = self._of(story)
            for keys, grouped in ways:
                for key in keys(story):
                    grouped.setdefault(key, []).append(code)
        return [{key: self._picture(len(codes), codes) for key, codes in grouped.items()} for grouped in groups]

    def _picture(self, stories: int, codes: list[tuple[int, ...]]) -> Picture:
        """The Picture of some stories, given the numbers of the rated ones (Tallies._code)."""
        counts = Counter(chain.from_iterable(codes))
        tallies = []
        for n, statement in enumerate(self.statements):
            red, amber, green = (counts[3 * n + _RATING_PLACE[value]] for value in ("red", "amber", "green"))
            tallies.append(Tally(statement, red, amber, green, len(codes) - red - amber - green))
        return Picture(stories, len(codes), tuple(tallies))


_RATING_PLACE = {value: n for n, value in enumerate(RAG_VALUES)}


def pct(part: int | float, whole: int) -> str:
    """A share of the chart's width as an SVG length: 3 of 8 -> '37.5%'."""
    return f"{100 * part / whole:.3f}".rstrip("0").rstrip(".") + "%"


def _counts_text(tally: Tally, y: int) -> str:
    """The line under a bar: every rating in words, with its shape, so the bar's colours are not needed."""
    parts = [f'<tspan class="rag-chart__count rag-chart__count--{v}">{RAG_SYMBOLS[v]} {RAG_WORDS[v]} {tally.count(v)}</tspan>'
             for v in RAG_VALUES]  # fmt: skip
    if tally.unrated:
        parts.append(f'<tspan class="rag-chart__count">Not rated {tally.unrated}</tspan>')
    return f'<text class="rag-chart__counts" x="0" y="{y}" font-size="15">{" · ".join(parts)}</text>'


def _bar(tally: Tally, rated: int, top: int) -> list[str]:
    """One statement's bar (bar_segments)."""
    return bar_segments(tally.count, rated, top, "rag-chart")


def bar_segments(count_of: Callable[[str], int], total: int, top: int, css: str) -> list[str]:
    """A bar of total ratings: a segment per rating, left to right red, amber, green (count_of gives
    each), then an empty track; each segment with its symbol and count when it fits. css: the chart's
    class, prefixing each part's (rag-chart here, evidence-chart on the evidence pages)."""
    out = [f'<rect class="{css}__track" x="0" y="{top}" width="100%" height="{BAR}" fill="#ffffff" stroke="#484949"/>']
    start = 0
    for value in RAG_VALUES:
        count = count_of(value)
        if not count:
            continue
        out.append(f'<rect class="{css}__bar {css}__bar--{value}" x="{pct(start, total)}" y="{top}" '
                   f'width="{pct(count, total)}" height="{BAR}" fill="{RAG_FILLS[value]}" stroke="#ffffff" stroke-width="2"/>')  # fmt: skip
        if 100 * count / total >= MIN_LABEL:
            out.append(f'<text class="{css}__in-bar" x="{pct(start + count / 2, total)}" y="{top + 19}" font-size="15" '
                       f'font-weight="700" fill="#ffffff" text-anchor="middle">{RAG_SYMBOLS[value]} {count}</text>')  # fmt: skip
        start += count
    return out


def chart_svg(picture: Picture, ident: str, where: str) -> str:
    """A Picture -> an accessible SVG bar chart, one bar per statement (needs at least one rated story).

    ident prefixes the ids of the chart's title and description; where says which stories, in words
    that follow 'stories' ('in Norfolk', 'across the East of England').
    """
    if not picture.rated:
        raise ValueError("a chart needs at least one story with a self-assessment")
    body: list[str] = []
    y = 0
    for number, tally in enumerate(picture.tallies, 1):
        lines = textwrap.wrap(f"{number}. {tally.statement.statement}", WRAP)
        spans = "".join(f'<tspan x="0" y="{y + 16 + i * LINE}">{escape(line)}</tspan>' for i, line in enumerate(lines))
        body.append(f'<g class="rag-chart__row"><text class="rag-chart__statement" font-size="16" font-weight="700">{spans}</text>')
        top = y + len(lines) * LINE + 6
        body += _bar(tally, picture.rated, top)
        body.append(_counts_text(tally, top + BAR + 20) + "</g>")
        y = top + BAR + 26 + GAP
    title = f"Self-assessment ratings of {picture.rated} {'story' if picture.rated == 1 else 'stories'} {where}"
    desc = (f"A bar for each of the {len(picture.tallies)} statements, split into how many stories rated it red, amber "
            "and green. The table after the chart gives the same numbers.")  # fmt: skip
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rag-chart" width="100%" height="{y - GAP}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        *body,
        "</svg>",
    ])  # fmt: skip
