"""The words of the search index: how text becomes terms, and terms the postings of each document.

Mirrored exactly in templates/assets/search.js (tests check both agree); see outputs/search.py for
how the index is split into files.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

# Where a word was found. A posting's weight is TITLE_BIT | LEAD_BIT | a body count bucket (0-3).
TITLE, LEAD, BODY, HEADINGS = "title", "lead", "body", "headings"
TITLE_BIT, LEAD_BIT = 8, 4
STOPWORDS = frozenset(
    "a about an and are as at be been but by can could did do does for from had has have he her his how i if in "
    "into is it its me my no not of on or our out she so than that the their them then there these they this "
    "those to too us was we were what when where which who why will with would you your".split()
)  # fmt: skip

# ---- text: normalise, split, stem (mirrored in search.js) ----------------------------------------

_MARKS = re.compile("[\u0300-\u036f]")
_POSSESSIVE = re.compile(r"['\u2019]s(?![^\W_])")
_APOSTROPHE = re.compile(r"['\u2019]")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_ASCII_WORD = re.compile(r"[a-z]+")
_ASCII_WORDS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VOWEL = re.compile(r"[aeiouy]")


def normalise(text: str) -> str:
    """Text -> lower case without accents or apostrophes: "Carers' Café" -> 'carers cafe'."""
    text = text.lower()
    if not text.isascii():  # plain ASCII has no accents to take off (and most text is plain ASCII)
        text = _MARKS.sub("", unicodedata.normalize("NFD", text))
    if "'" in text or "\u2019" in text:
        text = _APOSTROPHE.sub("", _POSSESSIVE.sub("", text))
    return text


def split_words(text: str) -> list[str]:
    """Text -> its words, normalised; hyphenated words stay whole: 'Co-production, now!' -> ['co-production', 'now']."""
    text = normalise(text)
    # In lower-case ASCII, _WORD's letters and digits are a-z and 0-9: a plain class is searched faster.
    return (_ASCII_WORDS if text.isascii() else _WORD).findall(text)


def is_term(word: str) -> bool:
    """Whether a normalised word is worth indexing: two characters or more, and not a stop word."""
    return len(word) > 1 and word not in STOPWORDS


def index_words(text: str) -> list[str]:
    """Text -> the words indexed for it: hyphenated words as their parts and joined up."""
    out: list[str] = []
    for word in split_words(text):
        if "-" in word:
            out += word.split("-")
            word = word.replace("-", "")
        out.append(word)
    return [w for w in out if is_term(w)]


@functools.lru_cache(maxsize=1 << 16)  # a site has far fewer distinct words; each is stemmed once
def stem(word: str) -> str:
    """A normalised word -> its stem, by a light English suffix stripper.

    1. -ies/-ied -> -y (stories -> story); -sses -> -ss; -ches/-shes/-xes lose -es; a final -s goes,
       except after s, u or i (carers -> carer; status and analysis stay).
    2. The first of -ing, -ed, -er goes if at least 3 letters, one a vowel, are left (carer, caring,
       cared -> car); a doubled last consonant is then halved (planning -> plan), except ll, ss, zz.
    3. A final -e goes from words of 5 letters or more (service -> servic, house -> hous).
    """
    if len(word) <= 3 or not _ASCII_WORD.fullmatch(word):
        return word
    if len(word) > 4 and word.endswith(("ies", "ied")):
        word = word[:-3] + "y"
    elif word.endswith(("sses", "ches", "shes", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "er"):
        rest = word[: -len(suffix)]
        if word.endswith(suffix) and len(rest) >= 3 and _VOWEL.search(rest):
            word = rest[:-1] if rest[-1] == rest[-2] and rest[-1] not in "aeiouylsz" else rest
            break
    if len(word) >= 5 and word.endswith("e"):
        word = word[:-1]
    return word


def terms_of(text: str) -> list[str]:
    """Text -> the stems it is indexed under, in order, with repeats."""
    return [stem(w) for w in index_words(text)]


def term_counts(text: str) -> dict[str, int]:
    """Text -> how often each stem occurs in it: terms_of(text), counted. Each different word is
    split, checked and stemmed once, not at every occurrence (a story uses each word ~2.5 times)."""
    words = Counter(split_words(text))
    for word in [w for w in words if "-" in w]:
        count = words.pop(word)
        for part in (*word.split("-"), word.replace("-", "")):
            words[part] += count
    counts: dict[str, int] = {}
    if len(_TERMS) > 1 << 17:  # bounded, for a long-running preview
        _TERMS.clear()
    terms = _TERMS
    for word, count in words.items():
        term = terms.get(word)
        if term is None:
            term = terms[word] = stem(word) if len(word) > 1 and word not in STOPWORDS else ""
        if term:
            counts[term] = counts.get(term, 0) + count
    return counts


_TERMS: dict[str, str] = {}  # word -> its stem, or "" when it is not indexed: each worked out once

_BREAK = re.compile(r"[^\w\s'\u2019-]+")  # punctuation, which ends a run of words that follow each other
PAIR = "_"  # joins the stems of two words that follow each other ("shar_liv"); no word holds it


def pair_counts(text: str) -> dict[str, int]:
    """Text -> how often each pair of indexed words follows the other (stems joined by PAIR), stop words
    between them skipped, none across punctuation, and a hyphenated word taken whole: "shared lives", "shared-lives" and "care
    at home" give shar_liv and care_home. A quoted phrase is searched as its pairs."""
    counts: Counter[str] = Counter()
    for piece in _BREAK.split(text):  # no pair across punctuation: "their lives, and shared them"
        stems = [term_of(word.replace("-", "")) for word in split_words(piece)]
        stems = [s for s in stems if s]
        counts.update(map(PAIR.join, itertools.pairwise(stems)))
    return dict(counts)


def whole_term(text: str) -> str:
    """A title or heading -> one term for the whole of it, every word kept and none stemmed, after PAIR:
    "Who Cares?" -> '_who_cares'. A query that is a whole title or heading ranks it first, even one
    made only of stop words ("About us"). "" for text with no words."""
    words = [word.replace("-", "") for word in split_words(text)]
    return PAIR + PAIR.join(words) if words else ""


def term_of(word: str) -> str:
    """A normalised word with no hyphen -> its stem, or "" when it is not indexed (cached)."""
    term = _TERMS.get(word)
    if term is None:
        term = _TERMS[word] = stem(word) if len(word) > 1 and word not in STOPWORDS else ""
    return term


# The typo groups: the terms again, sorted by all but one letter, so that one typo needs a few groups.
# (kind, the letter left out, the shortest term): e for a typo in the first letter (words of 7 letters
# or more), g for one in the second (words of 5 or more; later typos keep the first two letters).
SKIPS = (("e", 0, 6), ("g", 1, 4))


def skip_letter(term: str, skip: int) -> str:
    """A term without its letter number skip (0 the first): what a typo there leaves unchanged."""
    return term[:skip] + term[skip + 1 :]


def typo_terms(terms: Iterable[str]) -> dict[str, list[str]]:
    """Terms -> for each kind of typo group (SKIPS), those long enough, sorted by all but its letter."""
    terms = list(terms)
    return {kind: sorted((t for t in terms if len(t) >= shortest), key=lambda t: (utf16_key(skip_letter(t, skip)), utf16_key(t)))
            for kind, skip, shortest in SKIPS}  # fmt: skip


def utf16_key(text: str) -> bytes:
    """Sort key that orders strings as JavaScript compares them (by UTF-16 code units)."""
    return text.encode("utf-16-be")


# ---- postings -------------------------------------------------------------------------------------


def doc_weights(text: Mapping[str, str]) -> dict[str, int]:
    """A document's doc_text -> {term: weight}: 8 if in the title, +4 if in the lead, + body count bucket
    (0-3); for its words (term_counts), the pairs of words that follow each other in its title and lead
    (pair_counts), and its whole title and each whole heading (whole_term: the title 8, a heading 4)."""
    weights = {whole_term(line): LEAD_BIT for line in text.get(HEADINGS, "").splitlines()}
    title = whole_term(text.get(TITLE, ""))
    weights[title] = weights.get(title, 0) | TITLE_BIT
    weights.pop("", None)  # no words
    for counts in (term_counts, pair_counts):
        for term in counts(text.get(TITLE, "")):
            weights[term] = TITLE_BIT
        for term in counts(text.get(LEAD, "")):
            weights[term] = weights.get(term, 0) | LEAD_BIT
    # The body's words, not its pairs: on real prose most pairs are in one document only, and the pairs
    # of the bodies made the index's pair files four times the size of its word files (bench/search.py).
    for term, count in term_counts(text.get(BODY, "")).items():
        weights[term] = weights.get(term, 0) | (1 if count == 1 else 2 if count <= 3 else 3)
    return weights


class TermPostings:
    """The documents holding one term, as the index files hold them: the document numbers ascending
    and one weight for each; encoded (gaps, hex weights) when first asked for, and then kept."""

    __slots__ = ("_encoded", "numbers", "weights")

    def __init__(self, numbers: array[int], weights: bytearray) -> None:
        self.numbers, self.weights = numbers, weights
        self._encoded: list[str] | None = None

    def __getstate__(self) -> tuple[array[int], bytearray, list[str] | None]:
        return self.numbers, self.weights, self._encoded

    def __setstate__(self, state: tuple[array[int], bytearray, list[str] | None]) -> None:
        self.numbers, self.weights, self._encoded = state

    @property
    def encoded(self) -> list[str]:
        """[gaps between the numbers (encode_number, the first from -1), one hex digit of weight each]."""
        if self._encoded is None:
            self._encoded = _encode(self.numbers, self.weights)
        return self._encoded


Postings = dict[str, TermPostings]


def encode_number(n: int) -> str:
    """A number >= 0 -> base-32 digits, most significant first; all but the last from ALPHABET[32:]."""
    digits = [ALPHABET[n & 31]]
    n >>= 5
    while n:
        digits.append(ALPHABET[32 + (n & 31)])
        n >>= 5
    return "".join(reversed(digits))


@functools.cache
def _codes() -> list[str]:
    """encode_number of every gap of up to three digits (below 2**15), worked out once, in order:
    the last digit from ALPHABET[:32], the ones before it from ALPHABET[32:], never a leading zero."""
    last, lead = ALPHABET[:32], ALPHABET[32:]
    return [*last, *(a + b for a in lead[1:] for b in last), *(a + b + c for a in lead[1:] for b in lead for c in last)]


_HEX = bytes.maketrans(bytes(range(16)), b"0123456789abcdef")


def decode_numbers(text: str) -> list[int]:
    """The inverse of encode_number over a run of numbers (as search.js reads them)."""
    out, value = [], 0
    for char in text:
        digit = ALPHABET.index(char)
        value = value * 32 + (digit & 31)
        if digit < 32:
            out.append(value)
            value = 0
    return out


def _encode(numbers: Sequence[int], weights: bytes | bytearray) -> list[str]:
    """Ascending document numbers and their weights -> [gaps, hex weights]."""
    gaps = list(map(operator.sub, numbers, [-1, *numbers[:-1]]))
    codes = _codes()
    if len(gaps) > 1 and max(gaps) < len(codes):  # the usual case, looked up in C
        text = "".join(operator.itemgetter(*gaps)(codes))
    else:
        text = "".join([codes[g] if g < len(codes) else encode_number(g) for g in gaps])
    return [text, weights.translate(_HEX).decode("ascii")]


def build_postings(weights: Iterable[Mapping[str, int]]) -> Postings:
    """Each document's weights, in document order -> the postings of every term."""
    postings: Postings = {}
    for number, doc in enumerate(weights):
        for term, weight in doc.items():
            found = postings.get(term)
            if found is None:
                postings[term] = TermPostings(array("i", (number,)), bytearray((weight,)))
            else:
                found.numbers.append(number)
                found.weights.append(weight)
    return postings


def update_postings(postings: Postings, changes: Mapping[int, tuple[Mapping[str, int], Mapping[str, int]]]) -> Postings:
    """Postings with some documents' weights changed ({number: (old weights, new weights)}) and every
    other document as it was: what build_postings makes of the new weights, touching only the terms
    whose weight in one of them changed (every other term's TermPostings is left the same object)."""
    out = dict(postings)
    touched = set().union(*(old.keys() | new.keys() for old, new in changes.values()))
    for term in (t for t in touched if any(old.get(t) != new.get(t) for old, new in changes.values())):
        found = out.get(term)
        numbers, weights = (array("i", found.numbers), bytearray(found.weights)) if found else (array("i"), bytearray())
        moved = found is None
        for number, (_, new) in changes.items():
            i = bisect.bisect_left(numbers, number)
            there = i < len(numbers) and numbers[i] == number
            if term in new and there:
                weights[i] = new[term]
            elif term in new:
                numbers.insert(i, number)
                weights.insert(i, new[term])
                moved = True
            elif there:
                del numbers[i], weights[i]
                moved = True
        if not numbers:
            del out[term]
            continue
        out[term] = TermPostings(numbers, weights)
        if not moved and found is not None and found._encoded is not None:  # the same documents: the gaps are too
            out[term]._encoded = [found._encoded[0], weights.translate(_HEX).decode("ascii")]
    return out


def df_bucket(count: int) -> str:
    """A document frequency -> one character, about log2 of it: enough to rank the words a prefix starts."""
    return ALPHABET[min(len(ALPHABET) - 1, count.bit_length())]
