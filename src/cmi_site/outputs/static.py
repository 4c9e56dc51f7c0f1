"""The templates' own files (stylesheets, scripts, icons), as they are, and the content's pictures, re-encoded."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import rjsmin

from ..load import load_static
from ..models import Output, Picture, StaticFile
from ..pictures import picture_files


def minify_js(source: bytes) -> bytes:
    """JavaScript -> the same program without comments and spare white space (rjsmin: nothing renamed)."""
    minified: str = rjsmin.jsmin(source.decode("utf-8"))
    return (minified.strip() + "\n").encode("utf-8")


def static_files(templates: Path) -> list[Output]:
    """The templates' assets/ and root/ files, as they are (search.js minified)."""
    found = [*load_static(templates / "assets", "assets", templates), *load_static(templates / "root", "", templates)]
    return [Output(f.output_path, minify_js(f.data) if f.output_path == "assets/search.js" else f.data) for f in found]


def image_files(images: list[StaticFile], pictures: Mapping[str, Picture]) -> Iterator[Output]:
    """The content's pictures, each as its copies (pictures.py: re-encoded, no metadata), one at a time
    as the writer takes them; the files themselves are never published."""
    for image in images:
        if (picture := pictures.get(image.output_path)) is not None:
            yield from picture_files(image, picture)
