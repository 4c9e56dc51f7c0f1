"""The templates' own files (stylesheets, scripts, icons) and the content's images, as they are."""

from __future__ import annotations

from pathlib import Path

import rjsmin

from ..load import load_static
from ..models import Output, StaticFile


def minify_js(source: bytes) -> bytes:
    """JavaScript -> the same program without comments and spare white space (rjsmin: nothing renamed)."""
    minified: str = rjsmin.jsmin(source.decode("utf-8"))
    return (minified.strip() + "\n").encode("utf-8")


def static_files(templates: Path) -> list[Output]:
    """The templates' assets/ and root/ files, as they are (search.js minified)."""
    found = [*load_static(templates / "assets", "assets", templates), *load_static(templates / "root", "", templates)]
    return [Output(f.output_path, minify_js(f.data) if f.output_path == "assets/search.js" else f.data) for f in found]


def image_files(images: list[StaticFile]) -> list[Output]:
    """The content's images, as they are."""
    return [Output(image.output_path, image.data) for image in images]
