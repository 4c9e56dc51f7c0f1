"""`cmi-site new story|signatory|event|page "Title"`: a new content file with every field explained.

The text is made from the same field tables that validation uses (schema.py), so the comments
never drift from the rules. Required fields the editor must fill in are left empty, so
`cmi-site check` points at each of them until it is done.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from .bodytext import GUIDANCE
from .datafiles import make_vocab, validate_vocab, vocab_from_data
from .errors import Problem
from .fields import COLLECTION_FIELDS
from .load import DATA_FILES, content_folder, list_docs, read_data_file, read_doc
from .models import APPROACHES, RAG_VALUES, DataFile, SourceDoc
from .schema import FieldSpec, Vocab
from .source import parse_doc
from .write import create_file

KINDS = {"story": "stories", "signatory": "signatories", "event": "events", "page": "pages"}
TITLE_FIELD = {"stories": "title", "signatories": "name", "events": "title", "pages": "title"}

def slugify(text: str, limit: int = 60) -> str:
    """'Co-designing respite in Thetford!' -> 'co-designing-respite-in-thetford'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug


def _allowed(spec: FieldSpec, vocab: Vocab) -> str | None:
    """The allowed values of a field, in words, when it has a fixed list."""
    lists: Mapping[str, Mapping[str, str]] = {"area": vocab.areas, "sector": vocab.sectors, "theme": vocab.themes}
    for word, ids in lists.items():
        if spec.kind.startswith(word) or spec.kind.startswith(f"list of {word}"):
            return ", ".join(ids)
    if spec.name == "approach":
        return ", ".join(APPROACHES)
    if spec.name == "self_assessment":
        return f"statements: {', '.join(vocab.statements)}; ratings: {', '.join(RAG_VALUES)}"
    return None


def _comment(spec: FieldSpec, vocab: Vocab) -> list[str]:
    need = "Required" if spec.required else "Optional"
    lines = [f"# {spec.help[0].upper()}{spec.help[1:]}. {need}: {spec.kind}. For example: {spec.example}"]
    allowed = _allowed(spec, vocab)
    if allowed:
        lines.append(f"# Allowed: {allowed}")
    return lines


def _value(spec: FieldSpec, collection: str, title: str, today: dt.date) -> str:
    """The starting value: the title, today's date, false, or empty for the editor to fill in."""
    if spec.name == TITLE_FIELD[collection]:
        return " " + json.dumps(title, ensure_ascii=False)
    if spec.name in ("date", "signed"):
        return f" {today.isoformat()}"
    if spec.name in ("draft", "online"):
        return " false"
    return ""


def new_file_text(kind: str, title: str, vocab: Vocab, today: dt.date) -> str:
    """The whole text of a new content file of this kind."""
    collection = KINDS[kind]
    lines = ["---"]
    for spec in COLLECTION_FIELDS[collection]:
        if spec.name in ("withdrawn", "left"):  # only for taking an entry down or a signatory leaving, never for a new one
            continue
        lines += _comment(spec, vocab)
        lines.append(f"{spec.name}:{_value(spec, collection, title, today)}")
    lines += ["---", "", GUIDANCE[collection]]
    return "\n".join(lines)


def new_file_path(kind: str, title: str) -> str:
    """content-relative path of the new file: stories/<slug>.md."""
    slug = slugify(title)
    if not slug:
        raise ValueError(f"cannot make a file name from {title!r}: use some letters or numbers")
    return f"{KINDS[kind]}/{slug}.md"


def load_vocab(content: Path, root: Path) -> Vocab:
    """The ids editors may use (areas, sectors, themes, statements), read from the data files."""
    models, _ = validate_vocab(_data_files(content, root))
    return make_vocab(models, ())


def import_vocab(content: Path, root: Path) -> Vocab:
    """The ids `cmi-site check` checks content against (datafiles.vocab_from_data), read from content/."""
    return vocab_from_data(_data_files(content, root), ())


def _data_files(content: Path, root: Path) -> dict[str, DataFile]:
    """The vocabulary's data files of content/ that can be read (their problems are check's to report)."""
    data: dict[str, DataFile] = {}
    for name in DATA_FILES:
        if (content / name).is_file():
            found, _ = read_data_file(content / name, root)
            if found is not None:
                data[name] = found
    return data


def known_docs(content: Path, root: Path) -> list[SourceDoc]:
    """The signatories and stories already in content/, read as check reads them (for the checks
    across files an import must pass); a file that cannot be read is left out (check reports it)."""
    content = content.resolve()  # load.py remembers each folder's real path by its name: a relative name could be another folder's
    docs, _ = list_docs(content, root)
    within = content_folder(content, root)
    known = []
    for doc in docs:
        if doc.collection in ("signatories", "stories") and not isinstance(data := read_doc(doc, within), Problem):
            source, _ = parse_doc(doc, data)
            if source is not None:
                known.append(source)
    return known


def new_content_file(content: Path, root: Path, kind: str, title: str, today: dt.date) -> Path:
    """Write a new, fully commented content file; returns its path. FileExistsError if taken."""
    path = content / new_file_path(kind, title)
    create_file(path, new_file_text(kind, title, load_vocab(content, root), today))
    return path
