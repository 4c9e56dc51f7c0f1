"""Which characters content may hold, and how a message shows a value: on one line, always.

Text on the site ends up in HTML, in feed.xml and sitemap.xml (XML 1.0), in .ics lines and in JSON,
all written as UTF-8. A control character (other than tab and line break), a non-character such as
U+FFFE, or half of a surrogate pair (which cannot be written as UTF-8 at all) breaks one of them, so
content that holds one is refused, with the character named, rather than cleaned up silently.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab and line break, DEL and the C1 controls, surrogates, and the 66 non-characters
# (U+FDD0..U+FDEF and the last two code points of every plane). Tab and line break are kept: block
# text (easy_read: |) and bodies have line breaks, and a tab is harmless in every output.
# The plane-1 to 16 non-characters are searched for apart, and only in text that has such characters:
# in one character class with the others, they make every search ten times slower.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[" + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)) + "]")
# In a name (a file name, a field name, an id) not even tab or line break.
_FORBIDDEN_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# The bytes of a UTF-8 file that can start a forbidden character: C0 controls but tab, line feed and
# carriage return (decode() makes every line end a line feed), and DEL ...
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
# ... and, in text that is not ASCII, C1 controls (C2 80..9F), U+FDD0..FDEF (EF B7 ..) and the last
# two code points of any plane (.. BF BE, .. BF BF).
_WIDE_STARTS = (b"\xc2", b"\xef\xb7", b"\xbf\xbe", b"\xbf\xbf")

_NAMES = {
    0x00: "null", 0x07: "bell", 0x08: "backspace", 0x09: "tab", 0x0A: "line break",
    0x0B: "vertical tab, which Word's Shift+Enter pastes as a line break", 0x0C: "form feed, a page break",
    0x0D: "carriage return", 0x1B: "escape", 0x7F: "delete", 0x85: "next line", 0xA0: "no-break space",
}  # fmt: skip
QUOTE_LIMIT = 60  # characters of a value quoted in a message; the rest is cut, with its length said


def code_point(char: str) -> str:
    """'\\x0b' -> 'U+000B'."""
    return f"U+{ord(char):04X}"


def describe(char: str) -> str:
    """A character as a message names it: 'U+000B (vertical tab, ...)', 'U+FFFE (not a character)'."""
    number = ord(char)
    if number in _NAMES:
        what = _NAMES[number]
    elif 0xD800 <= number <= 0xDFFF:
        what = "half of a character pair, which cannot be stored on its own"
    elif unicodedata.category(char) == "Cn" and first_forbidden(char):
        what = "not a character"
    elif unicodedata.category(char) == "Cc":
        what = "an invisible control character"
    else:
        return code_point(char)
    return f"{code_point(char)} ({what})"


def first_forbidden(text: str, name: bool = False) -> re.Match[str] | None:
    """Where text has a character content may not hold (name=True: a name, where tab and line break are out too)."""
    if text.isprintable() and text.isascii():  # most text and most names: nothing to look for
        return None
    match = (_FORBIDDEN_IN_NAME if name else FORBIDDEN).search(text)
    if match is None and not text.isascii():
        match = _ASTRAL.search(text)
    return match


def may_be_forbidden(data: bytes) -> bool:
    """False when UTF-8 bytes surely hold no forbidden character: a quick test, a few microseconds for a
    story, so that the slower search runs only on the rare file that may have one."""
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        return True
    return not data.isascii() and any(start in data for start in _WIDE_STARTS)


def forbidden_message(char: str, what: str, raw: bool) -> str:
    """What is wrong with a forbidden character and what to do, for a message (one line, no raw character).

    raw: the character is in the file itself (pasted); else it was written as an escape in double quotes."""
    if raw:
        how = "delete it; it is invisible in most editors, so if you cannot find it, type the line again"
    else:
        how = f"delete the escape that writes it in the double-quoted text, like \\u{ord(char):04x}"
    return f"{what} has the character {describe(char)}, which is not allowed ({how})"


def escape(text: str) -> str:
    """Text with every character that is not printable on one line (controls, line breaks, surrogates,
    bidirectional overrides ...) written as an escape, like Python's repr: 'a\\x0bb', 'a\\nb'."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Text cut to limit characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Text as a message quotes it: in single quotes, cut when long, escaped to stay on one line."""
    return f"'{escape(shorten(text, limit))}'"
