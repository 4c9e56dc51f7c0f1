"""bench/run.py's report: the median round of each build, and ratios as the median of the rounds' own
ratios with their range (a noisy machine moves Hugo's build as much as ours, so a ratio is taken
within a round)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent / "bench"


def bench_run() -> Any:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_run"] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def a_run(seconds: float, cpu: float | None = None) -> dict[str, Any]:
    return {"seconds": seconds, "cpu": cpu if cpu is not None else seconds, "peak_rss_mb": 1, "peak_pss_mb": 1, "pages": 3,
            "files_written": 0, "bytes_written": 0}  # fmt: skip


def test_the_median_run_is_the_middle_one_by_seconds_and_the_lower_middle_of_an_even_number() -> None:
    run = bench_run()
    assert run.median_run([a_run(3), a_run(1), a_run(2)])["seconds"] == 2
    assert run.median_run([a_run(4), a_run(1), a_run(3), a_run(2)])["seconds"] == 2
    assert run.median_run([a_run(5)])["seconds"] == 5


def test_the_table_shows_each_ratio_with_the_range_of_the_rounds() -> None:
    run = bench_run()
    result = {"stories": 10, "rounds": 3, "cold": a_run(2), "nothing_changed": a_run(0.1), "one_story_changed": a_run(0.3),
              "hugo_cold": a_run(1), "ratios_to_hugo_cold": {"cold": 2.0, "nothing_changed": 0.1, "one_story_changed": 0.3},
              "ratio_ranges_to_hugo_cold": {"cold": [1.5, 2.5], "nothing_changed": [0.1, 0.2], "one_story_changed": [0.2, 0.4]},
              "cpu_ratios_to_hugo_cold": {"cold": 1.0, "nothing_changed": 0.1, "one_story_changed": 0.3},
              "cpu_ratio_ranges_to_hugo_cold": {"cold": [0.9, 1.1], "nothing_changed": [0.1, 0.1], "one_story_changed": [0.3, 0.3]},
              "change_shows_in": {"feed.xml": True}}  # fmt: skip
    text = run.table([result])
    assert text.startswith("Median of 3 interleaved rounds; ratios: the median of each round's own ratio")
    assert "| 10 | cold | 2 | 2 | 1 MB | 1 MB | 3 | 0 | 0.0 | 2.0 (1.5-2.5) | 1.0 (0.9-1.1) |" in text
    assert "| 0.3 (0.2-0.4) |" in text
    result["rounds"] = 1
    assert "| 10 | cold | 2 | 2 | 1 MB | 1 MB | 3 | 0 | 0.0 | 2.0 | 1.0 |" in run.table([result])
    assert not run.table([result]).startswith("Median")


def test_without_hugo_the_table_of_several_rounds_has_no_ratios() -> None:
    run = bench_run()
    result = {"stories": 10, "rounds": 2, "cold": a_run(2), "nothing_changed": a_run(0.1), "one_story_changed": a_run(0.3),
              "change_shows_in": {"feed.xml": True}}  # fmt: skip
    assert "| 10 | cold | 2 | 2 | 1 MB | 1 MB | 3 | 0 | 0.0 |  |  |" in run.table([result])


def test_each_ratio_is_taken_within_its_round() -> None:
    run = bench_run()
    # Round 1: a quiet machine (Hugo 10 s); round 2: a busy one, where everything took twice as long.
    rounds = [{"cold": a_run(20, 40), "nothing_changed": a_run(1), "one_story_changed": a_run(2), "hugo_cold": a_run(10, 20)},
              {"cold": a_run(40, 40), "nothing_changed": a_run(2), "one_story_changed": a_run(4), "hugo_cold": a_run(20, 20)},
              {"cold": a_run(33, 40), "nothing_changed": a_run(1), "one_story_changed": a_run(3), "hugo_cold": a_run(11, 20)}]  # fmt: skip
    medians, ranges = run.round_ratios(rounds, "seconds")
    assert medians == {"cold": 2.0, "nothing_changed": 0.1, "one_story_changed": 0.2}
    assert ranges == {"cold": [2.0, 3.0], "nothing_changed": [0.091, 0.1], "one_story_changed": [0.2, 0.273]}
    assert run.round_ratios(rounds, "cpu")[0]["cold"] == 2.0
    assert run.round_ratios(rounds[1:], "seconds")[0]["cold"] == 2.0  # two rounds (2.0, 3.0): the lower one, as median_run


def test_memory_is_measured_only_when_asked_as_watching_it_slows_the_build(tmp_path: Path) -> None:
    run = bench_run()
    command = [sys.executable, "-c", "import time; data = bytearray(30_000_000); time.sleep(0.3)"]
    timed = run.measure(command, tmp_path)
    assert timed.peak_rss_mb == timed.peak_pss_mb == 0 and timed.seconds >= 0.3
    watched = run.measure(command, tmp_path, memory=True)
    assert watched.peak_rss_mb >= 30 and watched.peak_pss_mb >= 30
