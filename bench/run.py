"""The speed benchmark: cold, nothing-changed and one-story-changed builds, against Hugo in the same run.

    python bench/run.py                 # 1,000 and 10,000 stories
    python bench/run.py --sizes 1000    # quicker
    python bench/run.py --no-hugo       # without the Hugo comparison
    python bench/run.py --rounds 3      # medians of 3 interleaved rounds (a noisy machine)

For each size it generates a corpus (bench/corpus.py: N stories, N/10 signatories), then times
`cmi-site build` as a separate process:
- cold: no output folder, no build cache and no work folder (as a fresh clone);
- nothing changed: the same build again;
- one story changed: one story's summary and body edited (the newest story, so the change must
  show on its page, in the stories listing, the feed, the open data and the search index), then
  built again.
Then it measures the preview (bench/preview.py): `cmi-site serve` with a story's page open, the
seconds from saving the story (and then the story template) until the page shows the change, and
`hugo server` doing the same. For each build it reports wall time, CPU time, peak memory of all the
build's processes together (the sum of their resident sets, and of their proportional sets, which
counts memory shared between forked workers once; measured in a round of its own, as watching the
memory slows a build), the HTML pages in the site and the files and bytes written (compared with
the folder before). When `hugo` is installed (Debian package hugo) it builds the same corpus with a
minimal Hugo site of the same page set (bench/hugo_site.py), cold, in the same run, and gives the
ratios the issue sets targets for. Absolute seconds differ between machines: compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import preview  # noqa: E402
from corpus import generate  # noqa: E402
from hugo_site import make_hugo_site  # noqa: E402

TODAY = "2026-01-01"
MARK = "Edited for the benchmark"
NEW_WORD = "quillwort"  # in no generated story: the search index must learn it


@dataclass
class Run:
    seconds: float
    cpu: float
    peak_rss_mb: float
    peak_pss_mb: float
    pages: int = 0
    files_written: int = 0
    bytes_written: int = 0


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in kB of a process and all its descendants, now."""
    tree, todo, rss, pss = _children(), [pid], 0, 0
    while todo:
        current = todo.pop()
        todo += tree.get(current, [])
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None, memory: bool = False) -> Run:
    """Run a command; its wall time, CPU time (it and its children) and, with memory, its peak memory
    (sampled every 20 ms). Sampling reads every process's page tables (smaps_rollup), and that slowed
    the builds it watched: at 10,000 stories our cold build 38 -> 50 s, Hugo's 15-18 -> 26 s. So times
    come from runs that are not sampled, and memory from runs of their own (bench_size)."""
    peak = [0, 0]
    before = os.times()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while memory and not done.is_set():
            rss, pss = _memory(process.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    after = os.times()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode()}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return Run(round(seconds, 2), round(cpu, 2), round(peak[0] / 1024), round(peak[1] / 1024))


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Each file's (inode, mtime, size): what changed between two snapshots was written."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            info = path.stat()
            found[path.relative_to(folder).as_posix()] = (info.st_ino, info.st_mtime_ns, info.st_size)
    return found


def build_environment() -> dict[str, str]:
    """The environment builds run in: this one, with Python's bytecode cache on, as on an editor's
    machine. Some workplaces set PYTHONDONTWRITEBYTECODE, and then every start compiles the package's
    ~25 modules again (~0.1 s, ~4% of a one-story rebuild at 10,000 stories)."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def ours(project: Path, memory: bool = False) -> Run:
    """Time one `cmi-site build` (or with memory, measure its peak memory) and count what it wrote."""
    before = snapshot(project / "_site") if (project / "_site").exists() else {}
    run = measure([sys.executable, "-m", "cmi_site.cli", "build", "--today", TODAY], project, build_environment(), memory)
    after = snapshot(project / "_site")
    written = [path for path, stat in after.items() if before.get(path) != stat]
    run.pages = sum(1 for path in after if path.endswith(".html"))
    run.files_written, run.bytes_written = len(written), sum(after[path][2] for path in written)
    return run


def edit_newest_story(content: Path) -> str:
    """Change the summary and body of the newest story; returns its slug."""
    import yaml

    def date_of(file: Path) -> str:
        return str(yaml.safe_load(file.read_text(encoding="utf-8").split("---")[1])["date"])

    newest = max(sorted((content / "stories").glob("*.md")), key=date_of)
    text = newest.read_text(encoding="utf-8")
    text = text.replace("\nsummary: ", f"\nsummary: {MARK}. ", 1) + f"\n{MARK}: a paragraph about {NEW_WORD} added to the body.\n"
    newest.write_text(text, encoding="utf-8")
    return newest.stem


BUILDS = ("cold", "nothing_changed", "one_story_changed")


def bench_size(stories: int, work: Path, hugo: bool, previews: bool = True, rounds: int = 1) -> dict[str, object]:
    """One corpus size: rounds of (cold, nothing changed, one story changed, Hugo cold), interleaved
    so that each round's ratios compare builds made under the same load, then the preview. Each
    build's figures are those of its median round (by seconds); each ratio is the median of the
    rounds' ratios, and its range is kept ("ratio_ranges"). Peak memory comes from one more
    round, whose builds are watched for memory and not timed (measure)."""
    project = work / f"stories-{stories}"
    shutil.rmtree(project, ignore_errors=True)
    generate(project / "content", stories)
    shutil.copytree(REPO / "templates", project / "templates")
    hugo_dir = work / f"hugo-{stories}"
    with_hugo = hugo and shutil.which("hugo") is not None
    if with_hugo:
        make_hugo_site(project / "content", hugo_dir)
    result: dict[str, object] = {"stories": stories, "signatories": stories // 10, "rounds": rounds}
    runs = [one_round(project, hugo_dir if with_hugo else None, memory=False) for _ in range(rounds)]
    peaks = one_round(project, hugo_dir if with_hugo else None, memory=True)  # memory, measured apart from the times
    for name in (*BUILDS, "hugo_cold"):
        if name in runs[0]:
            median = median_run([found[name] for found in runs])
            result[name] = {**median, "peak_rss_mb": peaks[name]["peak_rss_mb"], "peak_pss_mb": peaks[name]["peak_pss_mb"]}
    result["change_shows_in"] = {where: all(found["change_shows_in"][where] for found in runs) for where in runs[0]["change_shows_in"]}
    if with_hugo:
        # On a busy machine wall time depends on what else runs; CPU time much less so.
        for key, measure_name in (("ratios_to_hugo_cold", "seconds"), ("cpu_ratios_to_hugo_cold", "cpu")):
            result[key], result[key.replace("ratios", "ratio_ranges")] = round_ratios(runs, measure_name)
    if rounds > 1:
        result["seconds_by_round"] = {name: [found[name]["seconds"] for found in runs] for name in (*BUILDS, "hugo_cold") if name in runs[0]}
    if previews:
        slug = peaks["slug"]  # the story the last round edited
        result["preview"] = preview.ours(project, slug, TODAY, build_environment())
        if with_hugo:
            result["hugo_preview"] = preview.hugo(hugo_dir, slug)
    return result


def one_round(project: Path, hugo_dir: Path | None, memory: bool) -> dict[str, Any]:
    """Our cold, nothing-changed and one-story-changed builds, then Hugo's cold build (with hugo_dir):
    each timed, or with memory, each's peak memory measured."""
    # cold, as in a fresh clone: no output, no build cache, and no work folder beside the output (the
    # last round's spare left there is removed by the build, ~2 s of a core at 10,000 stories)
    for folder in ("_site", ".cache", "._site.cmi-site"):
        shutil.rmtree(project / folder, ignore_errors=True)
    found: dict[str, Any] = {"cold": asdict(ours(project, memory)), "nothing_changed": asdict(ours(project, memory))}
    slug = edit_newest_story(project / "content")
    found["one_story_changed"] = asdict(ours(project, memory))
    found["change_shows_in"] = change_shows(project / "_site", slug)
    found["slug"] = slug
    if hugo_dir is not None:
        shutil.rmtree(hugo_dir / "public", ignore_errors=True)
        run = measure(["hugo", "--quiet", "-d", str(hugo_dir / "public")], hugo_dir, memory=memory)
        run.pages = sum(1 for _ in (hugo_dir / "public").rglob("*.html"))
        found["hugo_cold"] = asdict(run)
    return found


def change_shows(site: Path, slug: str) -> dict[str, bool]:
    """Where the edit of the newest story shows: its page, the stories listing, the feed, the open
    data, and the search index (the summary shown in results holds the mark, and the new word is indexed)."""
    shows = {name: MARK in (site / name).read_text(encoding="utf-8")
             for name in (f"stories/{slug}/index.html", "stories/index.html", "feed.xml", "data/stories.json")}  # fmt: skip
    index = "".join(file.read_text(encoding="utf-8") for file in sorted((site / "search").glob("*.js")))
    shows["search index"] = MARK in index and f'"{NEW_WORD}":' in index
    return shows


def round_ratios(runs: list[dict[str, Any]], measure: str) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Each build's ratio to Hugo's cold build in the same round (measure: "seconds" or "cpu"): the
    median of the rounds' ratios (the lower middle one of an even number, as median_run), and the
    lowest and highest."""
    per_round = {name: sorted(found[name][measure] / found["hugo_cold"][measure] for found in runs) for name in BUILDS}
    medians = {name: round(statistics.median_low(ratios), 3) for name, ratios in per_round.items()}
    return medians, {name: [round(ratios[0], 3), round(ratios[-1], 3)] for name, ratios in per_round.items()}


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median seconds (the lower middle one of an even number)."""
    return sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]


def table(results: list[dict[str, object]]) -> str:
    """The results as a Markdown table, for the README."""
    rounds = max(int(str(result.get("rounds", 1))) for result in results)
    memory = "peak memory from one more round, watched and not timed"
    lines = [f"Median of {rounds} interleaved rounds; ratios: the median of each round's own ratio (lowest-highest); {memory}.\n"
             if rounds > 1 else f"{memory.capitalize()}.\n"]  # fmt: skip
    lines += ["| stories | build | seconds | CPU s | peak RSS (all processes) | peak PSS | pages | files written | MB written "
             "| / Hugo cold (wall) | / Hugo cold (CPU) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for result in results:
        ratios: Any = ranged(result, "ratios_to_hugo_cold", "ratio_ranges_to_hugo_cold")
        cpu_ratios: Any = ranged(result, "cpu_ratios_to_hugo_cold", "cpu_ratio_ranges_to_hugo_cold")
        for name in ("cold", "nothing_changed", "one_story_changed", "hugo_cold"):
            if name not in result:
                continue
            run: Any = result[name]
            lines.append(f"| {result['stories']:,} | {name.replace('_', ' ')} | {run['seconds']} | {run['cpu']} | "
                         f"{run['peak_rss_mb']} MB | {run['peak_pss_mb']} MB | {run['pages']:,} | "
                         f"{run['files_written']:,} | {run['bytes_written'] / 1e6:.1f} | {ratios.get(name, '')} | "
                         f"{cpu_ratios.get(name, '')} |")  # fmt: skip
    for result in results:
        shows: Any = result.get("change_shows_in", {})
        seen = [name for name, found in shows.items() if found]
        missing = [name for name, found in shows.items() if not found]
        lines.append(f"\n{result['stories']:,} stories, one story changed: the change shows in {', '.join(seen) or 'nothing'}"
                     + (f"; NOT in {', '.join(missing)}" if missing else "") + ".")  # fmt: skip
    lines += preview_table(results)
    if len(results) > 1:
        small, large = results[0], results[-1]
        growth = large["cold"]["seconds"] / small["cold"]["seconds"]  # type: ignore[index]
        lines.append(f"\n{large['stories']:,} stories take {growth:.1f} times as long as {small['stories']:,} (cold).")
    return "\n".join(lines)


def ranged(result: dict[str, Any], key: str, ranges: str) -> dict[str, str]:
    """Each build's ratio to Hugo's cold build as the table shows it: the median, and with more than
    one round the lowest and highest of the rounds' ratios."""
    found = {name: str(ratio) for name, ratio in result.get(key, {}).items()}
    if result.get("rounds", 1) > 1 and ranges in result:  # no ratios without Hugo
        found = {name: f"{ratio} ({low}-{high})" for (name, ratio), (low, high) in zip(found.items(), result[ranges].values(), strict=True)}
    return found


def preview_table(results: list[dict[str, object]]) -> list[str]:
    """The preview's seconds from a save to the open page showing it, ours and Hugo's, as table lines."""
    rows = [(result["stories"], name, result[key]) for result in results
            for name, key in (("cmi-site serve", "preview"), ("hugo server", "hugo_preview")) if key in result]  # fmt: skip
    if not rows:
        return []
    lines = ["", "| stories | preview | story saved -> page shows it (median, max s) | template saved -> page shows it (median, max s) |",
             "|---|---|---|---|"]  # fmt: skip
    for stories, name, found in rows:
        seen: Any = found
        lines.append(f"| {stories:,} | {name} | {seen['story_median']}, {seen['story_max']} | "
                     f"{seen['template_median']}, {seen['template_max']} |")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes (stories)")
    parser.add_argument("--work", type=Path, default=BENCH / ".work", help="where corpora and sites go")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    parser.add_argument("--no-preview", action="store_true", help="skip the preview (serve) measurements")
    parser.add_argument("--rounds", type=int, default=1,
                        help="interleaved rounds of every build and Hugo's; medians are reported (3 on a noisy machine)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    from cmi_site.markup_fast import status  # the builds run this Python, so its Python-Markdown

    print(status(), file=sys.stderr, flush=True)  # off: every conversion takes about twice as long
    results = []
    for size in args.sizes:
        results.append(bench_size(size, args.work, not args.no_hugo, not args.no_preview, max(1, args.rounds)))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    if args.json:  # first, so that a mistake in the table loses no measurement
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\n{status()}")


if __name__ == "__main__":
    main()
