"""The search index builder: tokenising, stemming, encoding, sharding, stable output, and the built page."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from cmi_site.config import BuildOptions, Paths
from cmi_site.outputs import search, searchtext
from cmi_site.outputs.search import Facet, SearchDoc, build_search_index, facet_column, plan_budget
from cmi_site.outputs.searchtext import decode_numbers, encode_number, index_words, normalise, stem, terms_of
from cmi_site.pipeline import check
from cmi_site.site import Site
from conftest import TEMPLATES, TODAY, Run, dedent, write_files

ADD = re.compile(r'^CMI_SEARCH\.add\("([a-z0-9]+)",(.*)\);$')


def site_of(root: Path, files: dict[str, str]) -> Site:
    """Content files -> the Site the build would index."""
    write_files(root / "content", files)  # type: ignore[arg-type]
    result = check(Paths(root / "content", TEMPLATES, root / "_site", root), BuildOptions(today=TODAY))
    assert result.site is not None, [str(p) for p in result.problems]
    return result.site


def parts_of(index: search.SearchIndex) -> dict[str, object]:
    """Every CMI_SEARCH.add(key, data) call in the index files -> {key: data}."""
    parts: dict[str, object] = {}
    for out in index.files:
        for line in out.data.decode("utf-8").splitlines():
            match = ADD.match(line)
            assert match, line[:80]
            parts[match.group(1)] = json.loads(match.group(2))
    return parts


WORDS = ("hospital discharge carers respite dementia housing transport leaflet booking advocacy library "
         "employment wellbeing loneliness gardening cooking football music theatre walking").split()  # fmt: skip


def many_stories(content_files: dict[str, str], count: int) -> dict[str, str]:
    """The minimal tree plus count generated stories, each with its own rare word and a few common ones."""
    files = dict(content_files)
    for n in range(count):
        words = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7))
        files[f"stories/story-{n:03d}.md"] = dedent(f"""
            ---
            title: Story {n} about {WORDS[n % len(WORDS)]}
            summary: People worked on {words} together.
            date: 2024-{1 + n % 12:02d}-{1 + n % 28:02d}
            areas: [{("norfolk", "suffolk", "region")[n % 3]}]
            sectors: [{("health", "social-care")[n % 2]}]
            themes: [{("carers", "dementia")[n % 2]}]
            consent: {{date: 2025-01-10, how: in writing}}
            ---
            The body mentions {words} and the word rare{n}x once.
            """)
    return files


# ---- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Carers' Café", "carers cafe"),
        ("The carer’s NOTE", "the carer note"),
        ("Zoë Brontë, naïve résumé", "zoe bronte, naive resume"),
        ("people's voices", "people voices"),
    ],
)
def test_normalise_folds_case_accents_and_apostrophes(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_index_words_drop_stop_words_and_keep_hyphenated_words_whole_and_in_parts() -> None:
    assert index_words("The co-production of a GP's letter, 2024!") == ["co", "production", "coproduction", "gp", "letter", "2024"]


@pytest.mark.parametrize(
    ("words", "stemmed"),
    [
        (["carer", "carers", "caring", "cared"], "car"),
        (["hospital", "hospitals"], "hospital"),
        (["story", "stories"], "story"),
        (["plan", "planning", "planned", "planner", "plans"], "plan"),
        (["service", "services", "serviced"], "servic"),
        (["discharge", "discharged", "discharging"], "discharg"),
        (["process", "processes"], "process"),
        (["status"], "status"),
        (["analysis"], "analysis"),
        (["access", "accessed", "accessing"], "access"),
        (["calling", "called"], "call"),
        (["meeting", "meetings"], "meet"),
        (["gps"], "gps"),
        (["café"], "café"),
    ],
)
def test_stem_joins_the_forms_of_a_word(words: list[str], stemmed: str) -> None:
    assert {stem(w) for w in words} == {stemmed}


def test_stem_keeps_apart_words_that_only_look_alike() -> None:
    assert stem("care") != stem("carers")
    assert stem("being") == "being"
    assert stem("red") == "red"


def test_terms_of_is_stemmed_index_words_in_order_with_repeats() -> None:
    assert terms_of("Carers and caring carers") == ["car", "car", "car"]


# ---- encoding ------------------------------------------------------------------------------------


def test_numbers_round_trip_through_the_encoding() -> None:
    numbers = [0, 1, 31, 32, 33, 1023, 1024, 99_999, 5]
    text = "".join(encode_number(n) for n in numbers)
    assert decode_numbers(text) == numbers
    assert [len(encode_number(n)) for n in (31, 32, 1023, 1024)] == [1, 2, 2, 3]


def test_the_table_of_short_codes_is_encode_number_of_each_number() -> None:
    from cmi_site.outputs.searchtext import _codes

    assert _codes() == [encode_number(n) for n in range(1 << 15)]


def test_postings_are_gaps_from_minus_one_and_hex_weights() -> None:
    gaps, weights = searchtext.build_postings([{"x": 8}, {}, {}, {"x": 13}, *[{}] * 36, {"x": 1}])["x"].encoded
    assert decode_numbers(gaps) == [1, 3, 37]
    assert weights == "8d1"


def test_ascii_text_is_split_as_any_text_is() -> None:
    rng = random.Random(3)
    alphabet = "abcXYZ019 -_'.,;:!?()[]{}/\\\t\n\"&*#@~`^|<>=+%$"
    for _ in range(500):
        text = searchtext.normalise("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))))
        assert searchtext.split_words(text) == searchtext._WORD.findall(text), text


def test_term_counts_count_terms_of() -> None:
    text = "Carers' café: co-production with carers -- and co-production_again; Ærø’s  2024 plan"
    assert searchtext.term_counts(text) == dict(Counter(terms_of(text)))


def test_pairs_are_words_that_follow_each_other_with_stop_words_skipped_and_none_across_punctuation() -> None:
    text = "Shared Lives helps. Care at home, and home care; shared-lives"
    assert searchtext.pair_counts(text) == {"shar_live": 1, "live_help": 1, "care_home": 1, "home_care": 1}
    assert searchtext.pair_counts("Lives, shared") == {}


def test_a_document_is_indexed_under_the_pairs_of_its_title_and_lead_with_their_place() -> None:
    weights = searchtext.doc_weights({"title": "Shared Lives", "lead": "Care at home", "body": "Shared lives. Home care."})
    assert weights["shar_live"] == searchtext.TITLE_BIT  # not the body's pairs (too many, on real prose)
    assert weights["care_home"] == searchtext.LEAD_BIT
    assert "home_car" not in weights
    assert all(searchtext.PAIR not in word for word in searchtext.split_words("co_production a_b"))


def test_a_whole_title_and_each_whole_heading_are_terms_of_their_own() -> None:
    assert searchtext.whole_term("Who Cares?") == "_who_cares"
    assert searchtext.whole_term("Co-production: what it is") == "_coproduction_what_it_is"
    assert searchtext.whole_term("?!") == ""
    weights = searchtext.doc_weights({"title": "About us", "headings": "What is coproduction?\nAbout us\n!"})
    assert weights["_about_us"] == searchtext.TITLE_BIT | searchtext.LEAD_BIT
    assert weights["_what_is_coproduction"] == searchtext.LEAD_BIT
    assert "" not in weights


def encoded(postings: searchtext.Postings) -> dict[str, list[str]]:
    return {term: p.encoded for term, p in sorted(postings.items())}


def test_postings_patched_for_changed_documents_equal_postings_made_afresh() -> None:
    rng = random.Random(7)
    words = [f"w{i}" for i in range(40)]

    def weights() -> dict[str, int]:
        return {w: rng.randrange(1, 16) for w in rng.sample(words, rng.randrange(0, 12))}

    for _ in range(200):
        docs = [weights() for _ in range(rng.randrange(1, 30))]
        before = searchtext.build_postings(docs)
        if rng.random() < 0.5:
            encoded(before)  # encoded already (as kept from the last build): patched terms may keep their gaps
        numbers = rng.sample(range(len(docs)), rng.randrange(1, min(4, len(docs)) + 1))
        if rng.random() < 0.5:  # the same terms, other weights: no document comes or goes in any postings
            changed = {n: {w: rng.randrange(1, 16) for w in docs[n]} for n in numbers}
        else:
            changed = {n: weights() for n in numbers}
        after = [changed.get(n, doc) for n, doc in enumerate(docs)]
        patched = searchtext.update_postings(before, {n: (docs[n], new) for n, new in changed.items()})
        assert encoded(patched) == encoded(searchtext.build_postings(after))
        assert encoded(before) == encoded(searchtext.build_postings(docs)), "the postings patched are a copy"


def doc(facets: dict[str, tuple[str, ...]]) -> SearchDoc:
    return SearchDoc("story", "stories/x/", "X", "", "2024-01-01", "", facets)


def test_facet_column_is_a_fixed_width_bit_set_per_document() -> None:
    facet = Facet("area", "Area", tuple((f"a{i}", f"A{i}") for i in range(8)))
    docs = [doc({"area": ("a0",)}), doc({"area": ("a1", "a7")}), doc({})]
    column = facet_column(docs, facet)
    assert len(column) == 6  # 8 values need 2 characters of 6 bits
    values = [searchtext.ALPHABET.index(c) for c in column]
    assert values == [1, 0, 2, 2, 0, 0]  # a7 is bit 1 of the second character


# ---- splitting -----------------------------------------------------------------------------------


def test_a_small_site_is_one_file() -> None:
    assert plan_budget(5000, 4, 40, 20_000, 100_000, 20_000, 140_000).single
    assert plan_budget(140, 4, 4000, 10**6, 10**7, 10**7, 10**7).single  # 8 files allowed: too few to split


def test_the_budget_never_exceeds_one_file_per_max_files_per_pages() -> None:
    for pages in (160, 450, 1394, 13_500, 60_000):
        budget = plan_budget(pages, 4, pages - 100, pages * 70, pages * 600, pages * 200, pages * 1200)
        assert not budget.single
        assert 1 + 4 + budget.dicts + budget.shards + budget.pairs + budget.chunks <= pages // search.MAX_FILES_PER


def test_files_are_of_the_sizes_aimed_at_when_the_budget_allows() -> None:
    # 10,000 stories of real prose: a word's dictionary group and postings shard, and the chunks of ten
    # results, stay small (bench/search.py --corpus prose measures what they weigh).
    budget = plan_budget(13_700, 4, 11_000, 750_000, 6_000_000, 2_400_000, 12_000_000)
    assert (budget.dicts, budget.shards, budget.pairs) == (47, 150, 60)
    assert budget.chunks == 11_000 // search.CHUNK_DOCS
    small = plan_budget(1_400, 4, 1_100, 330_000, 700_000, 270_000, 1_500_000)  # too many: all cut down alike
    assert 1 + 4 + small.dicts + small.shards + small.pairs + small.chunks <= 1_400 // search.MAX_FILES_PER
    assert small.chunks > 1_100 // 30 and small.dicts > 10


def test_the_minimal_site_index_is_one_file_holding_every_part(tmp_path: Path, content_files: dict[str, str]) -> None:
    index = build_search_index(site_of(tmp_path, content_files), 40)
    assert [out.path for out in index.files] == [f"search/{index.main}"]
    assert re.fullmatch(r"main\.[0-9a-f]{8}\.js", index.main)
    parts = parts_of(index)
    assert sorted(parts) == ["c0", "d0", "fapproach", "farea", "fsector", "ftheme", "main", "p0", "t0"]
    main = parts["main"]
    assert isinstance(main, dict)
    assert main["docs"] == 7 and main["files"] == {}
    rows = parts["c0"]
    assert isinstance(rows, list)
    # Newest first: events by start, stories and signatories by date; pages (undated) last by title.
    assert [row[2] for row in rows] == [
        "events/open-meeting/", "events/last-year/", "stories/respite-with-carers/", "stories/memory-cafe/",
        "signatories/sam-rivers/", "about/", "pledge/",
    ]  # fmt: skip
    assert rows[2] == ["Respite with carers", "Carers and commissioners redesigned respite together.",
                       "stories/respite-with-carers/", "2025-03-14", "Norfolk"]  # fmt: skip
    assert main["type"] == "4411288"  # event, event, story, story, signatory, page, page: one bit each


def test_a_former_signatory_s_result_says_so(tmp_path: Path, content_files: dict[str, str]) -> None:
    current = search.signatory_doc(site := site_of(tmp_path / "now", content_files), site.signatories[0])
    assert not current.summary.startswith("Former")
    content_files["signatories/sam-rivers.md"] = content_files["signatories/sam-rivers.md"].replace(
        "signed: ", "left: 2026-03-31\nsigned: ", 1)  # fmt: skip
    site = site_of(tmp_path / "left", content_files)
    former = search.signatory_doc(site, site.signatories[0])
    assert former.summary == f"Former signatory (left in 2026): {current.summary}"


def test_weights_say_where_a_word_was_found(tmp_path: Path, content_files: dict[str, str]) -> None:
    parts = parts_of(build_search_index(site_of(tmp_path, content_files), 40))
    shard = parts["t0"]
    assert isinstance(shard, dict)
    # "respite": story 2 (title and summary, so 8|4); "car" (carers): story 2 in title, lead and twice in
    # the body (people, outcomes: 8|4|2), and signatory 4 once in the body (an update).
    assert shard["respit"] == [encode_number(3), "c"]
    assert decode_numbers(shard["car"][0]) == [3, 2] and shard["car"][1] == "e1"
    assert "the" not in shard and "and" not in shard


def test_a_large_site_is_split_into_shards_chunks_and_filters(tmp_path: Path, content_files: dict[str, str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(search, "SINGLE_FILE_BYTES", 1000)
    monkeypatch.setattr(search, "SHARD_BYTES", 500)
    monkeypatch.setattr(search, "DICT_BYTES", 200)
    site = site_of(tmp_path, many_stories(content_files, 150))
    index = build_search_index(site, 40 * search.MAX_FILES_PER)  # 40 files allowed
    assert 20 < len(index.files) <= 40
    parts = parts_of(index)
    main = parts["main"]
    assert isinstance(main, dict)
    # main names every other file: key.hash.js, with one hash for each kind of part (c0, c1 ... are "c"),
    # or for each block of search.HASH_BLOCK parts of a kind that has more.
    assert sorted(main["files"]) == ["c", "d", "e", "fapproach", "farea", "fsector", "ftheme", "g", "p", "t"]
    names = {f"search/{key}.{search.part_hash(main['files'], key)}.js" for key in parts if key != "main"}  # type: ignore[arg-type]
    assert names | {f"search/{index.main}"} == {o.path for o in index.files}
    # Every term is in exactly one shard: the last whose first term is at or before it.
    starts = main["starts"]["t"]
    shards = sorted((k for k in parts if k.startswith("t")), key=lambda k: int(k[1:]))
    assert len(shards) == len(starts) > 1
    for i, key in enumerate(shards):
        terms = list(parts[key])  # type: ignore[call-overload]
        assert terms[0] >= starts[i] and (i + 1 == len(starts) or terms[-1] < starts[i + 1])
    # Dictionary groups are runs of the sorted terms, each starting where main says, and list every term of the shards.
    all_terms = [t for key in shards for t in parts[key]]  # type: ignore[attr-defined]
    groups = sorted((p for p in parts if p.startswith("d")), key=lambda k: int(k[1:]))
    words = [w for k in groups for w in parts[k]["w"].split(" ")]  # type: ignore[index]
    assert words == all_terms == sorted(all_terms)
    assert len(groups) > 1 and main["starts"]["d"] == ["", *(parts[k]["w"].split(" ")[0] for k in groups[1:])]  # type: ignore[index]
    # The typo groups hold every term long enough, sorted by all but its first (e) or second (g) letter.
    for kind, skip, shortest in searchtext.SKIPS:
        tails = sorted((p for p in parts if p.startswith(kind)), key=lambda k: int(k[1:]))
        long = [w for k in tails for w in parts[k]["w"].split(" ")]  # type: ignore[index]
        assert sorted(long) == sorted(t for t in all_terms if len(t) >= shortest) and len(tails) > 1
        assert long == sorted(long, key=lambda t: (t[:skip] + t[skip + 1 :], t))
        assert main["starts"][kind] == ["", *(searchtext.skip_letter(parts[k]["w"].split(" ")[0], skip) for k in tails[1:])]  # type: ignore[index]
    # Chunks hold every document, in order, main["chunk"] to a file.
    chunks = sorted((k for k in parts if k.startswith("c")), key=lambda k: int(k[1:]))
    rows = [row for key in chunks for row in parts[key]]  # type: ignore[attr-defined]
    assert len(rows) == main["docs"] == 157
    assert all(len(parts[key]) == main["chunk"] for key in chunks[:-1])  # type: ignore[arg-type]
    assert all(len(parts[f"f{facet}"]) == main["docs"] for facet in ("area", "sector", "theme", "approach"))  # type: ignore[arg-type]


def test_an_edited_summary_renames_only_its_block_of_chunks(tmp_path: Path, content_files: dict[str, str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A part's file name carries the hash of its block of parts, so editing one story's summary gives
    new names (so new files to write, and for browsers to fetch) to one block of chunks and main only."""
    monkeypatch.setattr(search, "SINGLE_FILE_BYTES", 1000)
    monkeypatch.setattr(search, "CHUNK_DOCS", 8)
    monkeypatch.setattr(search, "MIN_CHUNK_DOCS", 8)
    monkeypatch.setattr(search, "HASH_BLOCK", 3)
    files = many_stories(content_files, 150)
    before = {o.path for o in build_search_index(site_of(tmp_path / "a", files), 400 * search.MAX_FILES_PER).files}
    files["stories/story-120.md"] = files["stories/story-120.md"].replace("together.", "together!", 1)  # the same words
    index = build_search_index(site_of(tmp_path / "b", files), 400 * search.MAX_FILES_PER)
    after = {o.path for o in index.files}
    chunks = sorted(p for p in after if re.match(r"search/c\d+\.", p))
    main = parts_of(index)["main"]
    assert isinstance(main, dict) and isinstance(main["files"]["c"], list) and len(chunks) > 3 * search.HASH_BLOCK
    renamed = after - before
    assert renamed == {f"search/{index.main}", *(p for p in chunks if p in renamed)}
    assert 1 <= len(renamed - {f"search/{index.main}"}) <= search.HASH_BLOCK


def test_the_index_is_byte_identical_whatever_order_files_are_read(tmp_path: Path, content_files: dict[str, str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(search, "SINGLE_FILE_BYTES", 1000)
    files = many_stories(content_files, 60)
    first = build_search_index(site_of(tmp_path / "a", files), 1000)
    second = build_search_index(site_of(tmp_path / "b", dict(reversed(list(files.items())))), 1000)
    assert len(first.files) > 5
    assert first == second


# ---- the built site ------------------------------------------------------------------------------


def test_the_search_page_names_its_index_and_shows_every_filter(built: Path) -> None:
    page = (built / "search" / "index.html").read_text(encoding="utf-8")
    main = re.search(r'data-index="(main\.[0-9a-f]{8}\.js)"', page)
    assert main and (built / "search" / main.group(1)).is_file()
    assert 'data-root="../"' in page
    assert '<script src="../assets/search.js"></script>' in page
    for facet, value in [("type", "story"), ("area", "suffolk"), ("sector", "health"), ("theme", "dementia"),
                         ("approach", "co-production")]:  # fmt: skip
        assert f'name="{facet}" value="{value}"' in page
    assert "Search needs JavaScript" in page
    assert 'href="../areas/index.html"' in page and 'href="../themes/index.html"' in page
    assert 'class="site-search"' not in page  # the page has its own search box


def test_every_other_page_has_a_search_box_in_its_header(built: Path) -> None:
    for rel, action in [("index.html", "search/index.html"), ("stories/respite-with-carers/index.html", "../../search/index.html"),
                        ("areas/index.html", "../search/index.html")]:  # fmt: skip
        page = (built / rel).read_text(encoding="utf-8")
        assert f'<form class="site-search" role="search" action="{action}" method="get">' in page, rel
        assert '<label class="visually-hidden" for="site-search-q">Search the site</label>' in page


def test_search_code_is_minified_under_20_kb(built: Path) -> None:
    source = (TEMPLATES / "assets" / "search.js").read_bytes()
    written = (built / "assets" / "search.js").read_bytes()
    assert len(written) < 20_000 < len(source)
    assert b"/*" not in written and b"\n  " not in written


def test_search_page_slug_is_reserved(site_dir: Path, run_cli: Callable[..., Run]) -> None:
    (site_dir / "content" / "pages" / "search.md").write_text("---\ntitle: Search\n---\nHi.\n", encoding="utf-8")
    result = run_cli("check")
    assert result.code == 1
    assert "content/pages/search.md" in result.err


def test_a_kind_of_typo_group_with_no_terms_long_enough_is_left_out() -> None:
    # search.js then looks in the dictionary groups; a start with no file would fail the search.
    postings = searchtext.build_postings([{"cafe": 8, "tea": 1}, {"walk": 4}])
    parts, starts = search.term_parts(postings, search.Budget(1, 1, 1, 1, 1, single=False))
    assert "e" not in starts and starts["g"] == [""]  # e: 6 letters or more; g: 4 or more
    assert [p.key for p in parts if p.key[0] in "eg"] == ["g0"]
