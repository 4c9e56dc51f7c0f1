"""The templates' own files (stylesheets, scripts, icons) and the content's images, as they are."""

from __future__ import annotations

import rjsmin


def minify_js(source: bytes) -> bytes:
    """JavaScript -> the same program without comments and spare white space (rjsmin: nothing renamed)."""
    minified: str = rjsmin.jsmin(source.decode("utf-8"))
    return (minified.strip() + "\n").encode("utf-8")
