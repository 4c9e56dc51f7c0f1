"""Bars -> an accessible SVG chart, drawn at build time: one bar per group (a year, a theme, a rung
of the ladder), split into the shares of red, amber and green ratings.

Like rag.py's chart: plain SVG text (no script, no style attribute), laid out in percentages of its
width so its words never shrink on a phone, every text escaped. Each bar says how many stories are
behind it and, when they are too few, says so; each segment wide enough carries its symbol and
count, and the line under the bar gives every count in words, so colour is never needed (and the
chart prints in black and white). The same bars always give the same bytes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from html import escape

from .evidence import Bar
from .models import RAG_VALUES
from .rag import BAR, GAP, LINE, RAG_SYMBOLS, RAG_WORDS, WRAP, bar_segments

FEW = "too few stories to read much into"


def stories_text(count: int) -> str:
    return f"{count} {'story' if count == 1 else 'stories'}"


def _label(bar: Bar, y: int) -> tuple[list[str], int]:
    """The words above a bar (its name, how many stories, whether too few) -> SVG lines, the next y."""
    lines = textwrap.wrap(bar.label, WRAP) or [""]
    out = ['<text class="evidence-chart__label" font-size="16" font-weight="700">'
           + "".join(f'<tspan x="0" y="{y + 16 + i * LINE}">{escape(line)}</tspan>' for i, line in enumerate(lines))
           + "</text>"]  # fmt: skip
    y += len(lines) * LINE
    notes = [stories_text(bar.stories)] + ([FEW] if bar.few else [])  # on lines of their own: 288 px wide at most
    for note in notes:
        out.append(f'<text class="evidence-chart__stories" x="0" y="{y + 16}" font-size="15">{escape(note)}</text>')
        y += LINE
    return out, y + 6


def _segments(bar: Bar, top: int) -> list[str]:
    """The bar: a segment per rating, red, amber, green from the left, each with its symbol and count when it fits."""
    return bar_segments(bar.count, bar.ratings, top, "evidence-chart")


def _counts(bar: Bar, y: int) -> str:
    parts = [f'<tspan class="rag-chart__count--{v}">{RAG_SYMBOLS[v]} {RAG_WORDS[v]} {bar.count(v)}</tspan>' for v in RAG_VALUES]
    return f'<text class="evidence-chart__counts" x="0" y="{y}" font-size="15">{" · ".join(parts)}</text>'


def bars_svg(bars: Sequence[Bar], ident: str, title: str, desc: str) -> str:
    """Bars (each with at least one rating) -> an SVG chart; ident prefixes its title's and description's ids."""
    body: list[str] = []
    y = 0
    for bar in bars:
        if not bar.ratings:
            raise ValueError("a bar needs at least one rating")
        label, top = _label(bar, y)
        body += ['<g class="evidence-chart__row">', *label, *_segments(bar, top), _counts(bar, top + BAR + 20), "</g>"]
        y = top + BAR + 26 + GAP
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rag-chart evidence-chart" width="100%" height="{max(y - GAP, 0)}" '
        f'role="img" aria-labelledby="{escape(ident)}-title {escape(ident)}-desc">',
        f'<title id="{escape(ident)}-title">{escape(title)}</title>',
        f'<desc id="{escape(ident)}-desc">{escape(desc)}</desc>',
        *body,
        "</svg>",
    ])  # fmt: skip
