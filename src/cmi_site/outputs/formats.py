"""What the machine-readable formats can carry: the one rule about characters that all of them share.

XML 1.0 cannot hold C0 control characters (even as &#1;), iCalendar TEXT forbids them, spreadsheets
stop at a NUL, and UTF-8 cannot encode a lone surrogate (YAML's "\\ud800" makes one). The content check
rejects control characters; should one get through, the feed, sitemap, calendars and CSV show it as
U+FFFD (document_text) rather than write a file no parser accepts. JSON and the search index keep the
true value: JSON escapes control characters itself, and a lone surrogate, which only ever sits inside
a string there, is written as its \\uXXXX escape (JSON_ERRORS).
"""

from __future__ import annotations

import re

# C0 controls but tab, LF and CR; DEL; lone surrogates; U+FFFE and U+FFFF (not characters in XML).
NOT_IN_DOCUMENTS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
# The codec error handler for JSON and JavaScript text: the only characters UTF-8 cannot encode are
# lone surrogates, and "backslashreplace" writes one as \udxxx, the JSON and JavaScript escape for it.
JSON_ERRORS = "backslashreplace"


def document_text(text: str) -> str:
    """Text for XML, iCalendar or CSV: every character none of them can hold replaced by U+FFFD."""
    return NOT_IN_DOCUMENTS.sub(REPLACEMENT, text)
