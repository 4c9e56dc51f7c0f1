"""A realistic benchmark corpus: N stories (N/10 signatories) written as prose with a real vocabulary.

bench/corpus.py builds every sentence from short word lists, so nearly every word is in most
documents: its dictionary is small and its postings dense. Real writing is not like that. Words
follow Zipf's law (a few words are in every story, most are in one or two) and the vocabulary keeps
growing with the text (Heaps' law): names of people, places, groups and schemes, and rare words.
This generator writes prose the same way: sentences from a few dozen patterns whose slots (nouns,
verbs, adjectives, people, places, organisations) are drawn by Zipf's law from ranked lists of
social-care and everyday English words, which go on past the lists' ends as made-up but
pronounceable words (the long tail). Stories are about 550 words, as written stories are, and a
few name schemes that visitors search for ("Shared Lives", "Near Me", "Who Cares?", "care at home").

Everything is generated here: nothing is downloaded. The same seed gives the same bytes. The
front matter (areas, sectors, themes, approach, self-assessment) is made as bench/corpus.py makes it.

    python bench/prose.py DEST N [--seed S]
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import corpus

_NOUNS = """service care support people carer family staff meeting group team plan home project hospital
information time way council need day week year change work idea question voice decision choice
community worker assessment budget leaflet form letter website phone visit appointment review
session training course centre room library cafe garden transport bus taxi money payment benefit
housing tenancy flat wheelchair access ramp door sign map timetable menu list survey report
story experience problem worry barrier answer feedback complaint advice help advocate advocacy
partnership board commissioner manager director doctor nurse therapist pharmacist volunteer
friend neighbour parent child daughter son husband wife partner sister brother grandmother
respite break holiday evening morning weekend month summer winter spring autumn discharge ward
clinic surgery practice appointment referral letter waiting list booking helpline leaflet poster
video podcast newsletter workshop event festival lunch tea coffee sandwich cake music art drama
football walk swim job interview apprenticeship college school student teacher volunteer shop
market church mosque temple hall club pub park beach town village city street road station
dementia autism disability health wellbeing loneliness confidence trust respect dignity power
equality fairness safety risk right law policy strategy charter promise pledge standard outcome
lesson result target deadline contract tender grant fund cost price invoice receipt expense
language word picture symbol sign braille audio print colour font size page screen computer
tablet laptop email message text password account login app system database record file note
care plan support plan medication prescription pharmacy therapy exercise diet food kitchen
cooking recipe shopping cleaning laundry bathroom bedroom stairs lift garden allotment dog cat
horse bird tree flower hospice funeral grief memory photo album diary calendar clock routine""".split()
_ADJECTIVES = """new local good small big easy clear simple short long hard better best different
same real important useful helpful friendly kind safe quiet busy open fair equal honest accessible
difficult free paid unpaid young older disabled autistic deaf blind online weekly monthly daily
regular first last next final early late main whole full public private national regional rural
urban personal social medical mental physical emotional practical financial shared joint careful
patient warm cold happy proud nervous worried confident angry tired calm strong gentle flexible
plain easy-read large-print step-free face-to-face one-to-one co-produced""".split()
_VERBS = [  # base, past, -ing
    (v.split("/")[0], v.split("/")[1], v.split("/")[2]) for v in """
    ask/asked/asking tell/told/telling meet/met/meeting plan/planned/planning change/changed/changing
    design/designed/designing test/tested/testing write/wrote/writing rewrite/rewrote/rewriting
    listen/listened/listening share/shared/sharing learn/learned/learning build/built/building
    check/checked/checking review/reviewed/reviewing improve/improved/improving start/started/starting
    run/ran/running lead/led/leading help/helped/helping support/supported/supporting pay/paid/paying
    find/found/finding choose/chose/choosing agree/agreed/agreeing decide/decided/deciding
    explain/explained/explaining visit/visited/visiting invite/invited/inviting join/joined/joining
    book/booked/booking cook/cooked/cooking move/moved/moving open/opened/opening close/closed/closing
    train/trained/training record/recorded/recording film/filmed/filming draw/drew/drawing
    map/mapped/mapping simplify/simplified/simplifying shape/shaped/shaping fund/funded/funding
    commission/commissioned/commissioning welcome/welcomed/welcoming thank/thanked/thanking
    celebrate/celebrated/celebrating worry/worried/worrying hope/hoped/hoping try/tried/trying
    read/read/reading speak/spoke/speaking sign/signed/signing print/printed/printing
    send/sent/sending phone/phoned/phoning email/emailed/emailing drive/drove/driving walk/walked/walking
    care/cared/caring manage/managed/managing organise/organised/organising host/hosted/hosting""".split()
]
_ADVERBS = """together slowly carefully properly really quickly openly honestly finally early often
sometimes always never already still again soon later instead""".split()
_FIRST = """Alex Sam Jo Priya Tomasz Grace Kofi Mei Rosa Ibrahim Ellen Dev Hannah Olu Marta Chris Nadia
Pat Reuben Zara Amina Ben Chloe Daniel Emma Farah George Hollie Isaac Jess Kiran Liam Maya Noah Olivia
Paul Ruth Sean Tara Usman Vera Will Yusuf Aisha Bethany Callum Demi Ewan Fatima Gemma Harry Imran
Janet Keith Linda Mark Norma Oscar Pauline Ray Sandra Terry Una Victor Wendy""".split()
_SURNAMES = """Adams Begum Clarke Dawson Evans Fisher Green Hussain Iqbal Jones Khan Lewis Moore Nowak
Osei Patel Quinn Reid Shah Turner Walker Young Ahmed Baker Carter Davies Edwards Foster Gray Hall
Hughes Jackson King Lee Martin Mitchell Owen Parker Roberts Smith Taylor Thompson Wood Wright""".split()
_TOWNS = """Norwich Ipswich Cambridge Peterborough Colchester Chelmsford Luton Bedford Southend Basildon
Harlow Stevenage Watford Lowestoft Yarmouth Thetford Wisbech Huntingdon Ely Sudbury Felixstowe
Haverhill Dereham Cromer Braintree Clacton Brentwood Grays Tilbury Hitchin Letchworth Hertford
Dunstable Biggleswade Sandy Ampthill Leighton Newmarket Stowmarket Diss Fakenham Swaffham""".split()
_ORG_KINDS = """Carers Hub|Supported Living|Home Care|Advocacy|Community Trust|Housing Association|Council|
Health Partnership|Day Services|Self-Advocacy Group|Mind|Age Concern|Foundation|Network|Forum|
Partnership Board|Disability Rights|Healthwatch""".replace("\n", "").split("|")
_GROUPS = """carers|disabled people|autistic adults|older people|young people|self-advocates|family carers|
people with learning disabilities|people with lived experience|tenants|commissioners|support workers|
GP practice staff|housing officers|volunteers|peer supporters|parents|young carers|people living with dementia|
people who draw on care|nurses|social workers|care home residents|refugees""".replace("\n", "").split("|")
_SCHEMES = ("the Shared Lives scheme", "the Near Me service", "the Who Cares? group", "care at home",
            "Making it Real", "Experts by Experience")  # fmt: skip

# Sentence patterns: {N} noun, {A} adjective, {V} past verb, {B} base verb, {I} -ing verb, {D} adverb,
# {P} first name, {S} surname, {T} town, {O} organisation, {G} a group of people, {K} a number.
_PATTERNS = """{G} {V} the {N} with {N} staff in {T}.
We {V} the {A} {N} {D}, and {G} said it was {A}.
{P} told us that the {N} had been {A} for a long time.
"It was the first time anyone asked me about the {N}," said {P} {S}.
About {K} {G} came to the {N} at the {N} in {T}.
The {N} is now {A} and {A}, because {G} {V} it with us.
We are {I} the {N} again next {N}, with {G} from {O}.
{P} {S} from {O} {V} the {N} and {V} the {N}.
Some of the {N} was {A}, so we {V} it and {V} the {N}.
{G} {V} how the {N} should work, and staff {V} {D}.
Before the {N}, {G} had to wait {K} weeks for a {N}.
Now there is a {A} {N} for {G} and their {N}.
We learned to {B} before we {B}, and to {B} the {N} in {A} words.
Travel and time were paid for everyone, and there was a {A} room and {N}.
The {N} at {O} {V} the {N} after {G} {V} it.
{P} said the {A} {N} made her feel {A} and {A}.
{P} said the {A} {N} made him feel {A} about the {N}.
Not everything went well: the {N} was {A} and the {N} came too late.
We will {B} the {N} with {G} in {T} and {T} next year.
Everyone who took part was offered {A} {N}, {N} and {N}.
It took {K} months, {K} meetings and a lot of {N}.
The {N} group meets every {N} at the {N} in {T}.
{G} from across {T} joined {D}, online and face to face.
Staff at {O} now {B} the {N} {D}.
What mattered most was the {N}, not the {N}.
When the {N} changed, {G} were the first to {B} it.
{P} {S}, who {V} the {N}, said: "We {V} it together."
We {V} {K} {N} and {K} {N} so that more {G} could take part.
The {A} {N} from {O} helped us {B} the {N}.
Thanks to {P} and the {N} at {O} for {I} the {N}.""".splitlines()
_SCHEME_PATTERNS = ("We worked with {X} in {T}.", "{P} told us about {X} and how it helped.",
                    "People asked for more of {X}, which {G} {V} last year.")  # fmt: skip

_ONSETS = "b br c ch cl d dr f fl g gr h j k l m n p pl pr r s sh sk sl st t th tr v w".split()
_VOWELS = "a e i o u ai ea oo ou ie".split()
_CODAS = "n nd ng nt r rd rk s st t ck l ll m ff".split() + [""] * 6


def _made_up(rank: int, salt: int) -> str:
    """A pronounceable made-up word for a rank past a list's end (the long tail), the same each time."""
    n, out = rank * 7919 + salt, []
    for _ in range(2):
        n, a = divmod(n, len(_ONSETS))
        n, b = divmod(n, len(_VOWELS))
        n, c = divmod(n, len(_CODAS))
        out.append(_ONSETS[a] + _VOWELS[b] + _CODAS[c])
    return "".join(out)


class Zipf:
    """Words by rank drawn with probability 1 / (rank + 2) ** exponent: the list's own words first,
    then made-up words for ranks past its end, up to `tail` ranks in all."""

    def __init__(self, words: list[str], tail: int, exponent: float, salt: int, made: Callable[[str], str] = str) -> None:
        self.words, self.salt, self.made = words, salt, made
        self.cum = list(itertools.accumulate(1 / (r + 2) ** exponent for r in range(tail)))

    def __call__(self, rng: random.Random) -> str:
        rank = bisect.bisect(self.cum, rng.random() * self.cum[-1])
        return self.words[rank] if rank < len(self.words) else self.made(_made_up(rank, self.salt))


class Writer:
    """The word lists as Zipf samplers, and the prose made from them."""

    def __init__(self) -> None:
        self.noun = Zipf(_NOUNS, 40_000, 1.05, 1)
        self.adjective = Zipf(_ADJECTIVES, 8_000, 1.1, 2)
        self.verb = Zipf([v[1] for v in _VERBS], 6_000, 1.1, 3, lambda w: w + "ed")
        self.base = Zipf([v[0] for v in _VERBS], 6_000, 1.1, 3)
        self.ing = Zipf([v[2] for v in _VERBS], 6_000, 1.1, 3, lambda w: w + "ing")
        self.first = Zipf(_FIRST, 3_000, 0.9, 4, str.capitalize)
        self.surname = Zipf(_SURNAMES, 20_000, 0.8, 5, str.capitalize)
        self.town = Zipf(_TOWNS, 2_000, 1.0, 6, lambda w: w.capitalize() + "ton")
        self.org = Zipf(_TOWNS, 5_000, 0.9, 7, str.capitalize)

    def sentence(self, rng: random.Random) -> str:
        pattern = rng.choice(_SCHEME_PATTERNS) if rng.random() < 0.004 else rng.choice(_PATTERNS)
        fill = {
            "N": lambda: self.noun(rng), "A": lambda: self.adjective(rng), "V": lambda: self.verb(rng),
            "B": lambda: self.base(rng), "I": lambda: self.ing(rng), "D": lambda: rng.choice(_ADVERBS),
            "P": lambda: self.first(rng), "S": lambda: self.surname(rng), "T": lambda: self.town(rng),
            "O": lambda: f"{self.org(rng)} {rng.choice(_ORG_KINDS)}", "G": lambda: rng.choice(_GROUPS),
            "K": lambda: str(rng.randint(2, 60)), "X": lambda: rng.choice(_SCHEMES),
        }  # fmt: skip
        parts = pattern.split("{")
        text = parts[0] + "".join(fill[p[0]]() + p[2:] for p in parts[1:])
        return text[0].upper() + text[1:]

    def paragraph(self, rng: random.Random, sentences: int) -> str:
        return " ".join(self.sentence(rng) for _ in range(sentences))

    def body(self, rng: random.Random, words: int) -> str:
        """Markdown of about `words` words: sections under headings, paragraphs and now and then a list."""
        out, count = [], 0
        headings = list(corpus._HEADINGS)
        rng.shuffle(headings)
        while count < words:
            out.append(f"## {headings.pop() if headings else 'More about the ' + self.noun(rng)}")
            for _ in range(rng.randint(1, 3)):
                block = (self.paragraph(rng, rng.randint(3, 6)) if rng.random() < 0.8 else
                         "\n".join(f"- {self.sentence(rng)}" for _ in range(rng.randint(3, 5))))  # fmt: skip
                out.append(block)
                count += len(block.split())
        return "\n\n".join(out) + "\n"

    def title(self, rng: random.Random, area: str) -> str:
        forms = (
            lambda: f"{rng.choice(_GROUPS).capitalize()} {self.verb(rng)} the {self.noun(rng)} in {area}",
            lambda: f"A {self.adjective(rng)} {self.noun(rng)} for {rng.choice(_GROUPS)}",
            lambda: f"How we {self.verb(rng)} the {self.noun(rng)} {rng.choice(_ADVERBS)}",
            lambda: f"{self.ing(rng).capitalize()} the {self.noun(rng)} with {rng.choice(_GROUPS)}",
            lambda: f"The {self.noun(rng)} {rng.choice(_GROUPS)} {self.verb(rng)}",
        )  # fmt: skip
        return rng.choice(forms)()


def generate(dest: Path, stories: int, seed: int = 0) -> None:
    """Write a content folder at dest with `stories` prose stories and stories // 10 signatories."""
    rng, writer = random.Random(seed), Writer()
    dest.mkdir(parents=True, exist_ok=True)
    for name in corpus.DATA_FILES:
        shutil.copyfile(corpus.SHIPPED / name, dest / name)
    shutil.copytree(corpus.SHIPPED / "pages", dest / "pages", dirs_exist_ok=True)
    vocab = corpus._vocab()
    (dest / "stories").mkdir(exist_ok=True)
    (dest / "signatories").mkdir(exist_ok=True)
    for index in range(stories):
        area = vocab["areas"][index % len(vocab["areas"])]
        meta: dict[str, object] = {
            "title": f"{writer.title(rng, area.replace('-', ' ').title())} ({index + 1})",
            "summary": writer.paragraph(rng, 2),
            "date": dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(2400)),
            "areas": [area],
            "sectors": corpus._pick(rng, vocab["sectors"], index, 3),
            "themes": corpus._pick(rng, vocab["themes"], index, 4),
            "approach": corpus.APPROACHES[index % len(corpus.APPROACHES)],
        }
        if index % 3 == 0:
            meta["self_assessment"] = {sid: rng.choice(corpus.RATINGS) for sid in vocab["statements"]}
        meta["people"] = [rng.choice(_GROUPS).capitalize() for _ in range(rng.randint(2, 4))]
        meta["outcomes"] = [f"A {writer.adjective(rng)} {writer.noun(rng)}" for _ in range(rng.randint(1, 3))]
        meta["lessons"] = [writer.sentence(rng) for _ in range(rng.randint(1, 3))]
        meta["consent"] = {"date": meta["date"] + dt.timedelta(days=14), "how": "in writing"}  # type: ignore[operator]
        body = writer.body(rng, rng.randint(350, 750))
        (dest / "stories" / f"story-{index + 1:05d}-{area}.md").write_text(corpus._document(meta, body), encoding="utf-8")
    for index in range(stories // 10):
        meta = {
            "name": f"{writer.first(rng)} {writer.surname(rng)}",
            "role": f"{rng.choice(corpus._ROLES)} (sample)",
            "organisation": f"{writer.org(rng)} {rng.choice(_ORG_KINDS)} (sample)",
            "area": vocab["areas"][index % len(vocab["areas"])],
            "sector": vocab["sectors"][index % len(vocab["sectors"])],
            "signed": dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000)),
            "commitments": [writer.sentence(rng) for _ in range(rng.randint(2, 4))],
        }
        body = f"{writer.paragraph(rng, 4)}\n\n{writer.paragraph(rng, 3)}\n"
        (dest / "signatories" / f"signatory-{index + 1:05d}.md").write_text(corpus._document(meta, body), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate a realistic benchmark content folder.")
    parser.add_argument("dest", type=Path, help="the folder to write (created if missing)")
    parser.add_argument("stories", type=int, help="how many stories (signatories are a tenth of this)")
    parser.add_argument("--seed", type=int, default=0, help="the random seed (same seed, same files)")
    args = parser.parse_args(argv)
    generate(args.dest, args.stories, args.seed)


if __name__ == "__main__":
    main()
