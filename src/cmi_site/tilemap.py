"""The region at a glance: a schematic tile map of the East of England's areas, as SVG made at build time.

Each area is one square tile, placed roughly where it is (north at the top), shaded by how many
signatories and stories it has, and labelled with its name and both numbers in words, so the map
never relies on colour. Each tile links to the area's page. No external tiles, fonts or scripts: the
SVG is written into the page, and is the same bytes for the same content.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from .models import Area
from .site import REGION, Site, route_of

# Where each area sits on the grid: (column, row), north-west first. Areas not listed here (if
# areas.yml gains one) go in an extra row below, in the order of areas.yml.
LAYOUT: dict[str, tuple[int, int]] = {
    "peterborough": (1, 0), "norfolk": (2, 0),
    "bedford": (0, 1), "cambridgeshire": (1, 1), "suffolk": (2, 1),
    "central-bedfordshire": (0, 2), "hertfordshire": (1, 2), "essex": (2, 2),
    "luton": (0, 3), "thurrock": (2, 3), "southend-on-sea": (3, 3),
}  # fmt: skip

TILE_W, TILE_H, GAP = 150, 120, 8
NAME_SIZE, COUNT_SIZE = 16, 14
MAX_NAME_LINE = 14  # characters; longer names break at a space or hyphen
INK, PAPER, BRAND = "#0b0c0c", "#ffffff", "#4a2a7a"
# Shade 0 is "none yet" (white, dashed outline); 1 to 3 get darker. Text colours keep 7:1 contrast or more.
FILLS = ("#ffffff", "#efe9f7", "#b49ad8", "#4a2a7a")
TEXT_ON = ("#0b0c0c", "#0b0c0c", "#0b0c0c", "#ffffff")


@dataclass(frozen=True)
class Band:
    """One step of the legend: totals from low to high get this shade."""

    shade: int
    low: int
    high: int

    @property
    def label(self) -> str:
        if self.high == 0:
            return "None yet"
        return str(self.low) if self.low == self.high else f"{self.low} to {self.high}"


@dataclass(frozen=True)
class Tile:
    area: Area
    signatories: int
    stories: int
    column: int
    row: int
    shade: int

    @property
    def total(self) -> int:
        return self.signatories + self.stories

    @property
    def has_gap(self) -> bool:
        """No signatory or no story yet: the tile stands out, with an invitation to contribute."""
        return not self.signatories or not self.stories

    @property
    def lines(self) -> tuple[str, str]:
        """The two count lines written on the tile."""
        return (_count(self.signatories, "signatory", "signatories"), _count(self.stories, "story", "stories"))



@dataclass(frozen=True)
class Glance:
    """Everything the map, its legend, its table and its invitations show."""

    tiles: tuple[Tile, ...]  # in the order of areas.yml
    bands: tuple[Band, ...]
    columns: int
    rows: int
    region: Area | None
    region_signatories: int
    region_stories: int

    @property
    def without_signatories(self) -> tuple[Area, ...]:
        return tuple(t.area for t in self.tiles if not t.signatories)

    @property
    def without_stories(self) -> tuple[Area, ...]:
        return tuple(t.area for t in self.tiles if not t.stories)


def _count(n: int, one: str, many: str) -> str:
    return f"No {one} yet" if n == 0 else f"{n} {one if n == 1 else many}"


def make_bands(highest: int) -> tuple[Band, ...]:
    """Legend steps for totals 0..highest: 'none yet', then up to three shades of equal ranges."""
    bands = [Band(0, 0, 0)]
    if highest <= 3:
        steps = [(n, n) for n in range(1, highest + 1)]
    else:
        cut1, cut2 = math.ceil(highest / 3), math.ceil(2 * highest / 3)
        steps = [(1, cut1), (cut1 + 1, cut2), (cut2 + 1, highest)]
    shades = {1: (3,), 2: (1, 3), 3: (1, 2, 3)}.get(len(steps), ())
    return tuple(bands + [Band(shade, low, high) for shade, (low, high) in zip(shades, steps, strict=True)])


def shade_of(total: int, bands: tuple[Band, ...]) -> int:
    return next(b.shade for b in bands if b.low <= total <= b.high)


def _positions(areas: tuple[Area, ...]) -> dict[str, tuple[int, int]]:
    """Grid places for the areas, cropped to the columns and rows in use; unknown areas in a row below."""
    known = {a.id: LAYOUT[a.id] for a in areas if a.id in LAYOUT}
    left = min((c for c, _ in known.values()), default=0)
    top = min((r for _, r in known.values()), default=0)
    extra_row = max((row for _, row in known.values()), default=top - 1) + 1
    for index, area in enumerate(a for a in areas if a.id not in LAYOUT):
        known[area.id] = (left + index, extra_row)
    return {aid: (c - left, r - top) for aid, (c, r) in known.items()}


def region_at_a_glance(site: Site) -> Glance:
    """The site -> counts, shades and places for every local area."""
    areas = site.local_areas
    places = _positions(areas)
    counts = {a.id: (len(site.signatories_by_area.get(a.id, ())), len(site.stories_by_area.get(a.id, ()))) for a in areas}
    bands = make_bands(max((s + t for s, t in counts.values()), default=0))
    tiles = tuple(Tile(a, *counts[a.id], *places[a.id], shade_of(sum(counts[a.id]), bands)) for a in areas)
    region = site.area_by_id.get(REGION)
    return Glance(
        tiles=tiles,
        bands=bands,
        columns=max((t.column for t in tiles), default=-1) + 1,
        rows=max((t.row for t in tiles), default=-1) + 1,
        region=region,
        region_signatories=len(site.signatories_by_area.get(REGION, ())),
        region_stories=len(site.stories_by_area.get(REGION, ())),
    )


# ---- SVG ----------------------------------------------------------------------------------------


def name_lines(name: str) -> list[str]:
    """An area's name on one line, or two when long: 'Central Bedfordshire' -> ['Central', 'Bedfordshire']."""
    if len(name) <= MAX_NAME_LINE:
        return [name]
    breaks = [i for i, char in enumerate(name) if char in " -"]
    if not breaks:
        return [name]
    cut = min(breaks, key=lambda i: abs(i - len(name) / 2))
    first = name[: cut + 1] if name[cut] == "-" else name[:cut]
    return [first, name[cut + 1 :]]


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str | float) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _tile(svg: ET.Element, tile: Tile, link: Callable[[str], str]) -> None:
    x, y = tile.column * (TILE_W + GAP), tile.row * (TILE_H + GAP)
    # No aria-label: the link is named by the words on the tile ("Norfolk 1 signatory 1 story"), so what is
    # seen is what a screen reader says and what a voice-control user can speak (WCAG 2.5.3 label in name).
    anchor = _el(svg, "a", href=link(route_of(tile.area)))
    anchor.set("class", "tile" + (" tile--gap" if tile.has_gap else ""))
    shape = {"stroke_dasharray": "8 5"} if tile.has_gap else {}
    _el(anchor, "rect", x=x + 2, y=y + 2, width=TILE_W - 4, height=TILE_H - 4, rx=6, fill=FILLS[tile.shade],
        stroke=BRAND, stroke_width=3, **shape).set("class", "tile__shape")  # fmt: skip
    colour, middle = TEXT_ON[tile.shade], x + TILE_W // 2
    for index, line in enumerate(name_lines(tile.area.name)):
        _el(anchor, "text", line, x=middle, y=y + 28 + index * 19, fill=colour, font_size=NAME_SIZE, font_weight="bold",
            text_anchor="middle")  # fmt: skip
    for index, line in enumerate(tile.lines):
        weight = {"font_weight": "bold"} if line.startswith("No ") else {}
        _el(anchor, "text", line, x=middle, y=y + 82 + index * 20, fill=colour, font_size=COUNT_SIZE, text_anchor="middle", **weight)


def tile_map_svg(glance: Glance, link: Callable[[str], str], title_id: str = "region-map-title") -> str:
    """The tile map as an inline <svg>; link(route) gives each tile's href from the page it is on."""
    width = max(glance.columns, 1) * (TILE_W + GAP) - GAP
    height = max(glance.rows, 1) * (TILE_H + GAP) - GAP
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {width} {height}",
                             "width": str(width), "height": str(height), "class": "region-map__svg", "role": "group", "aria-labelledby": title_id})  # fmt: skip
    _el(svg, "title", f"Map of the {len(glance.tiles)} areas of the East of England, with the number of current "
                      "signatories and stories in each. Each area links to its page.", id=title_id)  # fmt: skip
    for tile in sorted(glance.tiles, key=lambda t: (t.row, t.column)):
        _tile(svg, tile, link)
    return ET.tostring(svg, encoding="unicode", short_empty_elements=True)


def swatch_svg(shade: int) -> str:
    """A small square in a band's shade, for the legend (hidden from screen readers: the words carry it)."""
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 24 24", "width": "24", "height": "24",
                             "aria-hidden": "true", "focusable": "false", "class": "region-map__swatch"})  # fmt: skip
    shape = {"stroke_dasharray": "4 3"} if shade == 0 else {}
    _el(svg, "rect", x=1.5, y=1.5, width=21, height=21, rx=3, fill=FILLS[shade], stroke=BRAND, stroke_width=3, **shape)
    return ET.tostring(svg, encoding="unicode")
