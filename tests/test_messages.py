"""Messages an editor can act on (issue 13): a date written another way is shown as it should be
written; a field that is not there is reported where it belongs; a YAML syntax error says that the
rest of its file is checked once it is fixed, and then it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmi_site.datehint import MAX_CHARS, iso_date, iso_datetime
from cmi_site.errors import Problem, sort_problems
from conftest import problem_lines

STORY = "stories/memory-cafe.md"


def write(site_dir: Path, content_files: dict[str, str], old: str, new: str) -> list[str]:
    text = content_files[STORY].replace(old, new)
    assert text != content_files[STORY]
    (site_dir / "content" / STORY).write_text(text, encoding="utf-8")
    return text.splitlines()


@pytest.mark.parametrize(("written", "like"), [("March 2024", "2024-03-01"), ("14th March 2024", "2024-03-14"),
                                                ("14/03/2024", "2024-03-14"), ("Tuesday 5 Nov 2024", "2024-11-05"),
                                                ("soon", "2024-05-01"), ("31/02/2024", "2024-05-01")])  # fmt: skip
def test_a_date_written_another_way_is_shown_as_it_should_be_written(site_dir: Path, run_cli, content_files,
                                                                     written: str, like: str) -> None:  # fmt: skip
    lines = write(site_dir, content_files, "date: 2024-06-01", f"date: {written}")
    line = lines.index(f"date: {written}") + 1
    assert problem_lines(run_cli("check")) == [
        f"content/{STORY}:{line}: date: expected a date, got '{written}' (write it as year-month-day, like {like})"]


def test_a_missing_field_is_reported_at_the_line_that_ends_the_front_matter(site_dir: Path, run_cli, content_files) -> None:
    lines = write(site_dir, content_files, "sectors: [health]\n", "")
    closing = lines.index("---", 1) + 1
    assert problem_lines(run_cli("check")) == [
        f"content/{STORY}:{closing}: sectors: missing: this field is required: add it above this line, the '---' that "
        "ends the front matter (the sectors involved; for example 'sectors: [social-care, health]')"]


def test_after_a_yaml_syntax_error_the_rest_of_the_file_is_checked_once_it_is_fixed(site_dir: Path, run_cli,
                                                                                       content_files) -> None:  # fmt: skip
    broken = write(site_dir, content_files, "title: Memory cafe\n", 'title: "Memory cafe\nsectors: [nowhere]\n')
    first = problem_lines(run_cli("check"))
    quote = broken.index('title: "Memory cafe') + 1
    assert first == [f"content/{STORY}:{quote}: front matter: a quote opened on this line "
                     "is never closed (end the text with the same quote mark) (fix this first; the rest of the file is "
                     "checked after)"]  # fmt: skip
    fixed = write(site_dir, content_files, "title: Memory cafe\n", "title: Memory cafe\nsectors: [nowhere]\n")
    assert [line.split(": ", 2)[1] for line in problem_lines(run_cli("check"))] == ["sectors"]
    assert fixed.count("sectors: [nowhere]") == 1


@pytest.mark.fuzz
@given(st.text(max_size=MAX_CHARS + 20))
def test_a_date_hint_is_always_a_real_date_or_nothing(text: str) -> None:
    for hint in (iso_date(text), iso_datetime(text)):
        if hint is not None:
            dt.datetime.fromisoformat(hint)  # raises if it is not a real date (and time)


# ---- lines YAML joins to the text above, silently (yamlfolds.py) ----------------------------------


def test_a_list_item_indented_too_far_is_a_warning_at_its_line(site_dir: Path, run_cli, content_files) -> None:
    lines = write(site_dir, content_files, "themes: [dementia]\n",
                  "themes: [dementia]\npeople:\n  - Carers from the cafe\n    - Staff\n")  # fmt: skip
    assert problem_lines(run_cli("check")) == [
        f"content/{STORY}:{lines.index('    - Staff') + 1}: people: warning: this line is read as more of the text above "
        "('Carers from the cafe - Staff'), not as a new list item (start its '- ' exactly under the '- ' of the item "
        "above; if the '-' belongs to the text, put the whole text in double quotes)"]  # fmt: skip


def test_a_field_without_a_space_under_a_text_is_a_warning_at_its_line(site_dir: Path, run_cli, content_files) -> None:
    lines = write(site_dir, content_files, "title: Memory cafe\n", "title: Memory cafe\n  approach:co-design\n")
    assert problem_lines(run_cli("check")) == [
        f"content/{STORY}:{lines.index('  approach:co-design') + 1}: title: warning: this line is read as more of the "
        "text above ('Memory cafe approach:co-design'), not as the field 'approach' (a field needs a space after its "
        "':', and starts as far left as the fields around it)"]  # fmt: skip


@pytest.mark.parametrize("more", ["  https://example.org/cafe", "  at 10:30 on Mondays", "  -5 degrees outside",
                                  "  a text that goes on"])  # fmt: skip
def test_text_that_really_goes_on_is_not_warned(site_dir: Path, run_cli, content_files, more: str) -> None:
    write(site_dir, content_files, "title: Memory cafe\n", f"title: Memory cafe\n{more}\n")
    assert run_cli("check").err == ""


@given(st.lists(st.builds(Problem, st.sampled_from(["a.md", "b.md", "content/x.md"]), st.integers(0, 3),
                          st.sampled_from(["", "title", "date"]), st.text(max_size=3),
                          st.sampled_from(["error", "warning"])), max_size=30))  # fmt: skip
def test_problems_are_sorted_in_the_dataclass_order_without_duplicates(problems: list[Problem]) -> None:
    assert sort_problems(problems) == sorted(set(problems))
