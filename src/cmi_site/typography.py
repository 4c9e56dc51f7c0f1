"""Curly quotes for one-line text (titles, summaries), to match the body text that Markdown's smarty makes."""

from __future__ import annotations

import re

# An opening quote starts the text or follows a space, a dash or an opening bracket or quote; any
# other quote closes, and a single one between letters is an apostrophe (also a closing quote).
_OPENS_AFTER = r"(^|[\s(\[{\u2014\u2013\u201c\u2018-])"
_DOUBLE_OPEN = re.compile(_OPENS_AFTER + '"')
_SINGLE_OPEN = re.compile(_OPENS_AFTER + "'(?=[^\\s'\"])")


def smart_quotes(text: str) -> str:
    """'It\\'s "ours"' -> 'It’s “ours”': straight quotes to curly ones; nothing else changes, not even the length."""
    if type(text) is str and '"' not in text and "'" not in text:
        return text  # most titles and summaries (a listing page shows 24 of each); Markup goes the long way, to a str
    text = _DOUBLE_OPEN.sub("\\1\u201c", text).replace('"', "\u201d")
    return _SINGLE_OPEN.sub("\\1\u2018", text).replace("'", "\u2019")
