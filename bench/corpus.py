"""A generated content folder for benchmarks: N stories (~4.5 KB each) and N/10 signatories.

The stories use every area (the 11 places and region-wide), every sector, theme and approach, some
carry a self-assessment, and their Markdown varies (headings, lists, links, emphasis, quotes, tables)
so that conversion costs what real stories cost. The data files (areas, sectors, themes,
self-assessment statements, site settings) and the pages are copied from the shipped content/, so the
corpus always validates against the current schema. The same seed gives the same bytes.

    python bench/corpus.py DEST N [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

import yaml

SHIPPED = Path(__file__).resolve().parent.parent / "content"
DATA_FILES = ("areas.yml", "sectors.yml", "themes.yml", "self-assessment.yml", "site.yml")
APPROACHES = ("informing", "consulting", "engaging", "co-design", "co-production")
RATINGS = ("red", "amber", "green")

_PEOPLE = ("carers", "disabled people", "autistic adults", "older people", "young people", "self-advocates",
           "people with lived experience of mental ill health", "family members", "tenants", "commissioners",
           "support workers", "GP practice staff", "housing officers", "volunteers", "peer supporters")
_PLACES = ("a community centre", "the library", "a day centre", "the town hall", "a café", "a church hall",
           "a college", "an online meeting room", "the hospital", "a sports club")
_THINGS = ("the booking form", "the waiting list", "the information leaflet", "the website", "the helpline",
           "the assessment", "the care plan", "the welcome pack", "the timetable", "the complaints process",
           "the job adverts", "the review meeting", "the respite service", "the transport scheme")
_VERBS = ("rewrote", "tested", "redesigned", "checked", "simplified", "shaped", "reviewed", "planned",
          "improved", "co-wrote", "rebuilt", "mapped")
_ADJ = ("clearer", "shorter", "kinder", "simpler", "fairer", "easier", "quicker", "friendlier", "more flexible")
_NAMES = ("Alex", "Sam", "Jo", "Priya", "Tomasz", "Grace", "Kofi", "Mei", "Rosa", "Ibrahim", "Ellen", "Dev",
          "Hannah", "Olu", "Marta", "Chris", "Nadia", "Pat", "Reuben", "Zara")
_SURNAMES = ("Adams", "Begum", "Clarke", "Dawson", "Evans", "Fisher", "Green", "Hussain", "Iqbal", "Jones",
             "Khan", "Lewis", "Moore", "Nowak", "Osei", "Patel", "Quinn", "Reid", "Shah", "Turner")
_ORG_WORDS = ("Fenland", "Riverside", "Brookfield", "Marsh", "Oakley", "Heath", "Willow", "Harbour",
              "Meadow", "Northgate", "Elm", "Kingsway")
_ORG_KINDS = ("Carers Hub", "Supported Living", "Home Care", "Advocacy", "Community Trust", "Housing Association",
              "Council", "Health Partnership", "Day Services", "Self-Advocacy Group")
_ROLES = ("Director", "Chief Executive", "Service Manager", "Head of Commissioning", "Team Leader", "Chair")
_HEADINGS = ("Why we did it", "Who was involved", "What we did", "What changed", "What people said",
             "What we learned", "What happens next", "How we paid people", "Making it accessible")


def generate(dest: Path, stories: int, seed: int = 0) -> None:
    """Write a content folder at dest with `stories` stories and stories // 10 signatories."""
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        shutil.copyfile(SHIPPED / name, dest / name)
    shutil.copytree(SHIPPED / "pages", dest / "pages", dirs_exist_ok=True)
    vocab = _vocab()
    (dest / "stories").mkdir(exist_ok=True)
    (dest / "signatories").mkdir(exist_ok=True)
    for index in range(stories):
        slug, text = _story(rng, index, vocab)
        (dest / "stories" / f"{slug}.md").write_text(text, encoding="utf-8")
    for index in range(stories // 10):
        slug, text = _signatory(rng, index, vocab)
        (dest / "signatories" / f"{slug}.md").write_text(text, encoding="utf-8")


def _vocab() -> dict[str, list[str]]:
    """The ids defined in the shipped data files."""
    def ids(name: str) -> list[str]:
        return [str(item["id"]) for item in yaml.safe_load((SHIPPED / name).read_text(encoding="utf-8"))]

    return {"areas": ids("areas.yml"), "sectors": ids("sectors.yml"), "themes": ids("themes.yml"),
            "statements": ids("self-assessment.yml")}


def _sentence(rng: random.Random) -> str:
    """One varied plain-language sentence."""
    forms = (
        lambda: f"{rng.choice(_PEOPLE).capitalize()} {rng.choice(_VERBS)} {rng.choice(_THINGS)} with staff over {rng.randint(2, 12)} weeks.",
        lambda: f"We met at {rng.choice(_PLACES)}, and travel and time were paid for everyone who came.",
        lambda: f"The new version of {rng.choice(_THINGS)} is {rng.choice(_ADJ)} than the old one, people told us.",
        lambda: f"{rng.choice(_NAMES)} said it was the first time anyone had asked what {rng.choice(_THINGS)} should say.",
        lambda: f"About {rng.randint(5, 60)} {rng.choice(_PEOPLE)} took part, and {rng.randint(2, 9)} of them joined every session.",
        lambda: f"Some decisions about money were already fixed, so we could not change {rng.choice(_THINGS)} as much as we hoped.",
        lambda: "Staff learned to slow down, to explain words like *commissioning*, and to **listen before deciding**.",
        lambda: f"We used easy read papers, large print, breaks every {rng.choice((20, 30, 45))} minutes and a quiet room.",
        lambda: f"Next year {rng.choice(_PEOPLE)} will help check whether {rng.choice(_THINGS)} still works for them.",
    )
    return rng.choice(forms)()


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


def _block(rng: random.Random) -> str:
    """A paragraph, a list, a quote or a small table."""
    kind = rng.random()
    if kind < 0.55:
        return _paragraph(rng)
    if kind < 0.75:
        marker = rng.choice(("-", "1."))
        return "\n".join(f"{marker} {_sentence(rng)}" for _ in range(rng.randint(3, 6)))
    if kind < 0.87:
        return f"> {_sentence(rng)}\n>\n> — {rng.choice(_NAMES)}, who took part"
    rows = "\n".join(f"| {rng.choice(_THINGS).capitalize()} | {rng.randint(1, 40)} | {rng.choice(_ADJ)} |"
                     for _ in range(rng.randint(2, 4)))
    return f"| What | Sessions | Result |\n| --- | --- | --- |\n{rows}"


def _body(rng: random.Random, target: int = 3000) -> str:
    """Markdown of about `target` characters: sections with headings and varied blocks."""
    parts: list[str] = []
    headings = list(_HEADINGS)
    rng.shuffle(headings)
    size = 0
    while size < target:
        heading = headings.pop() if headings else f"More about {rng.choice(_THINGS)}"
        section = [f"## {heading}"] + [_block(rng) for _ in range(rng.randint(2, 4))]
        if rng.random() < 0.3:
            section.append(f"### {rng.choice(_ADJ).capitalize()} {rng.choice(_THINGS)}\n\n{_paragraph(rng)}")
        text = "\n\n".join(section)
        parts.append(text)
        size += len(text)
    parts.append("If you would like to share a story like this, see [how to take part](/take-part/).")
    parts.append("This is a generated sample story for benchmarks.")
    return "\n\n".join(parts) + "\n"


def _story(rng: random.Random, index: int, vocab: dict[str, list[str]]) -> tuple[str, str]:
    """(slug, file text) of story number `index`."""
    area = vocab["areas"][index % len(vocab["areas"])]  # every area, region-wide included
    thing = rng.choice(_THINGS)
    title = f"{rng.choice(_PEOPLE).capitalize()} {rng.choice(_VERBS)} {thing} in {area.replace('-', ' ').title()}"
    meta: dict[str, object] = {
        "title": f"{title} ({index + 1})",
        "summary": f"{_sentence(rng)} {_sentence(rng)}",
        "date": dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2400)),
        "areas": [area] + ([rng.choice(vocab["areas"][:-1])] if rng.random() < 0.2 and area != "region" else []),
        "sectors": _pick(rng, vocab["sectors"], index, 3),
        "themes": _pick(rng, vocab["themes"], index, 4),
        "approach": APPROACHES[index % len(APPROACHES)],
    }
    meta["areas"] = list(dict.fromkeys(meta["areas"]))  # type: ignore[call-overload]
    if index % 3 == 0:
        meta["self_assessment"] = {sid: rng.choice(RATINGS) for sid in vocab["statements"]}
    meta["people"] = [rng.choice(_PEOPLE).capitalize() for _ in range(rng.randint(2, 4))]
    meta["outcomes"] = [f"A {rng.choice(_ADJ)} {rng.choice(_THINGS)[4:]}" for _ in range(rng.randint(1, 3))]
    meta["lessons"] = [_sentence(rng) for _ in range(rng.randint(1, 3))]
    meta["consent"] = {"date": meta["date"] + dt.timedelta(days=14), "how": "in writing"}  # type: ignore[operator]
    slug = f"story-{index + 1:05d}-{area}"
    return slug, _document(meta, _body(rng))


def _pick(rng: random.Random, ids: list[str], index: int, most: int) -> list[str]:
    """One id chosen by index (so every id is used) plus up to most - 1 random others."""
    first = ids[index % len(ids)]
    rest = rng.sample(ids, rng.randint(0, most - 1))
    return list(dict.fromkeys([first, *rest]))


def _signatory(rng: random.Random, index: int, vocab: dict[str, list[str]]) -> tuple[str, str]:
    """(slug, file text) of signatory number `index`."""
    name = f"{rng.choice(_NAMES)} {rng.choice(_SURNAMES)}"
    signed = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000))
    meta: dict[str, object] = {
        "name": name,
        "role": f"{rng.choice(_ROLES)} (sample)",
        "organisation": f"{rng.choice(_ORG_WORDS)} {rng.choice(_ORG_KINDS)} (sample)",
        "area": vocab["areas"][index % len(vocab["areas"])],
        "sector": vocab["sectors"][index % len(vocab["sectors"])],
        "signed": signed,
        "commitments": [_sentence(rng) for _ in range(rng.randint(2, 4))],
    }
    if index % 2 == 0:
        meta["updates"] = [{"date": signed + dt.timedelta(days=90 * (n + 1)), "text": _sentence(rng)}
                           for n in range(rng.randint(1, 3))]
    slug = f"signatory-{index + 1:05d}"
    return slug, _document(meta, f"{_paragraph(rng)}\n\n{_paragraph(rng)}\n\nThis is a generated sample signatory.\n")


def _document(meta: dict[str, object], body: str) -> str:
    """Front matter and body as one Markdown file."""
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n\n{body}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate a benchmark content folder.")
    parser.add_argument("dest", type=Path, help="the folder to write (created if missing)")
    parser.add_argument("stories", type=int, help="how many stories (signatories are a tenth of this)")
    parser.add_argument("--seed", type=int, default=0, help="the random seed (same seed, same files)")
    args = parser.parse_args(argv)
    generate(args.dest, args.stories, args.seed)


if __name__ == "__main__":
    main()
