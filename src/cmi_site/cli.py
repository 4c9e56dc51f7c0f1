"""Command line: `cmi-site build|check|serve|new|import`. The only module that prints or exits."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import gc
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .chars import quoted
from .config import BuildOptions, Paths, Result
from .errors import SetupError, has_errors
from .history import last_changed
from .importer import plan_import
from .load import display_path
from .outdir import shown
from .pipeline import build, check
from .reports import format_problem, markdown_report
from .scaffold import KINDS, import_vocab, known_docs, new_content_file
from .sheet import MAX_BYTES, SheetError, read_sheet
from .write import create_file

CACHE = Path(".cache/build")  # safe to delete: the next build is a cold one


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-23, got {text!r}") from None


def today(given: dt.date | None) -> dt.date:
    """The build date: --today, else SOURCE_DATE_EPOCH (reproducible builds), else the clock."""
    if given is not None:
        return given
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def add_content_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    parser.add_argument("--templates", type=Path, default=Path("templates"), help="templates folder (default: templates)")
    parser.add_argument("--drafts", action="store_true", help="include stories marked draft: true")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--today", type=parse_date, default=None,
                        help="the date to build for (which events are upcoming); default: today")  # fmt: skip


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cmi-site", description="Build the Count Me In website from content/.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build_cmd = commands.add_parser("build", help="check the content and build the site")
    add_content_options(build_cmd)
    build_cmd.add_argument("--output", type=Path, default=Path("_site"), help="output folder (default: _site)")
    build_cmd.add_argument("--base-url", default=None, help="the site's public address, for canonical links and the sitemap")
    build_cmd.add_argument("--no-cache", action="store_true", help=f"do not use or fill the build cache ({CACHE})")
    build_cmd.add_argument("--explain", action="store_true",
                           help="say which pages were made again and why (the others were kept from the last build)")  # fmt: skip
    check_cmd = commands.add_parser("check", help="check the content and report every problem; writes nothing")
    add_content_options(check_cmd)
    check_cmd.add_argument("--format", choices=("text", "github", "markdown", "summary"), default="text",
                           help="text (default); github: GitHub Actions annotations; markdown: a plain-English "
                                "report for a pull request comment; summary: the same for the publish job's summary")  # fmt: skip
    serve_cmd = commands.add_parser("serve", help="preview: build, serve on 127.0.0.1, rebuild and reload on every change")
    add_content_options(serve_cmd)
    serve_cmd.add_argument("--output", type=Path, default=Path("_site"), help="output folder (default: _site)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    new_cmd = commands.add_parser("new", help="start a new story, signatory, event or page from a template")
    new_cmd.add_argument("kind", choices=tuple(KINDS), help="what to create")
    new_cmd.add_argument("title", help="its title (for a signatory: the person's name)")
    new_cmd.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    new_cmd.add_argument("--today", type=parse_date, default=None, help="the date to fill in (default: today)")
    import_cmd = commands.add_parser("import", help="make signatory files from a spreadsheet (.csv or .xlsx)")
    import_cmd.add_argument("kind", choices=("signatories",), help="what the rows are")
    import_cmd.add_argument("file", type=Path, help="the spreadsheet: .csv (UTF-8 or Windows-1252) or .xlsx")
    import_cmd.add_argument("--content", type=Path, default=Path("content"), help="content folder (default: content)")
    import_cmd.add_argument("--dry-run", action="store_true", help="show the files it would write, and write nothing")
    import_cmd.add_argument("--skip-bad-rows", action="store_true", help="write the good rows even when others have problems")
    return parser


def report(result: Result, strict: bool, style: str = "text") -> None:
    if style in ("markdown", "summary"):
        print(markdown_report(result.problems, strict, style), end="")
        return
    for problem in result.problems:
        print(format_problem(problem, style), file=sys.stderr)
    errors = sum(p.is_error for p in result.problems)
    warnings = len(result.problems) - errors
    if result.problems and style == "text":
        counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        print(f"\n{counts}" + (" (--strict: warnings count as errors)" if strict and warnings else ""), file=sys.stderr)


def changed(content: Path) -> tuple[tuple[str, dt.date], ...]:
    """When each story and signatory file last changed, from git (history.py), by the path problems show."""
    return tuple(sorted((display_path(content / name, Path.cwd()), day) for name, day in last_changed(content).items()))


def run_build(args: argparse.Namespace) -> int:
    paths = Paths(args.content, args.templates, args.output, Path.cwd(), None if args.no_cache else Path.cwd() / CACHE)
    options = BuildOptions(today=today(args.today), drafts=args.drafts, base_url=args.base_url, changed=changed(args.content))
    result = build(paths, options, strict=args.strict)
    report(result, args.strict)
    if not result.ok:
        print(f"Not built: fix the problems above. {args.output} was left as it was.", file=sys.stderr)
        return 1
    if args.explain and result.state == "built":
        explain(result)
    if result.state == "unchanged":
        print(f"Nothing changed since the last build: {args.output} is up to date ({result.pages} pages, {result.files} files)")
    else:
        print(f"Built {result.pages} pages ({result.files} files, {result.written} written) into {args.output} "
              f"in {result.seconds:.2f} s")  # fmt: skip
    return 0


def explain(result: Result) -> None:
    """--explain: why each page was made again (the others were kept from the last build), and where the time went."""
    for path, why in sorted(result.explained.items()):
        print(f"made again: {path}: {why}", file=sys.stderr)
    kept = result.pages - len(result.explained)
    print(f"{len(result.explained)} pages made again, {kept} kept as they were", file=sys.stderr)
    if result.cache_failure:
        print(f"the build cache was not used: {result.cache_failure}", file=sys.stderr)
    times = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in result.timings.items())
    print(f"time: {times}", file=sys.stderr)


def run_check(args: argparse.Namespace) -> int:
    paths = Paths(args.content, args.templates, Path("_site"), Path.cwd())
    result = check(paths, BuildOptions(today=today(args.today), drafts=args.drafts))
    report(result, args.strict, args.format)
    failed = result.site is None or has_errors(result.problems, args.strict)
    if not failed and args.format == "text":
        print(f"No problems found in {args.content}." if not result.problems else "No errors (see the warnings above).")
    return 1 if failed else 0


def run_new(args: argparse.Namespace) -> int:
    try:
        path = new_content_file(args.content, Path.cwd(), args.kind, args.title, today(args.today))
    except FileExistsError as err:
        print(f"cmi-site: {err.filename} already exists; nothing was written (choose another title, or edit that file)", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"cmi-site: {err}", file=sys.stderr)
        return 2
    print(path)
    print("Fill in the fields (the comments say what each one means), then run: cmi-site check", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    """`cmi-site import signatories FILE`: plan (importer.py), report, then write every file or none."""
    shown_file = shown(str(args.file))
    try:
        sheet = read_sheet(read_spreadsheet(args.file), args.file.suffix.lower())
    except SheetError as err:
        print(f"cmi-site: {shown_file}: {err}", file=sys.stderr)
        return 2
    folder = args.content / "signatories"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        print(f"cmi-site: {shown(str(folder))} is not a plain folder (a link or a file): nothing was written", file=sys.stderr)
        return 2
    existing = {path.stem for path in folder.glob("*.md")} if folder.is_dir() else set()
    content_shown = display_path(args.content, Path.cwd())
    plan = plan_import(sheet, import_vocab(args.content, Path.cwd()), existing, content_shown, known_docs(args.content, Path.cwd()))
    for heading, name, note in plan.mapping:
        print(shown(f"column {quoted(heading)} -> {name or note}"))
    for problem in plan.problems:
        print(problem.shown(shown_file), file=sys.stderr)
    for row, path in plan.existing:
        print(f"{shown_file}:row {row}: already in the register as {content_shown}/{path} (not imported again)", file=sys.stderr)
    if plan.has_errors and not args.skip_bad_rows:
        print("Nothing written: fix the rows above (or pass --skip-bad-rows to write the others).", file=sys.stderr)
        return 1
    for planned in plan.files:
        if args.dry_run:
            print(f"\n--- would write {content_shown}/{planned.path} (row {planned.row}) ---\n{planned.text}", end="")
            continue
        create_file(args.content / planned.path, planned.text)
    verb = "Would write" if args.dry_run else "Wrote"
    print(f"{verb} {len(plan.files)} signatory file{'s' * (len(plan.files) != 1)} in {content_shown}/signatories/"
          f" ({len(plan.existing)} already there). Next: cmi-site check")  # fmt: skip
    return 1 if plan.has_errors else 0


def read_spreadsheet(path: Path) -> bytes:
    """The spreadsheet's bytes, reading at most one byte past the limit (sheet.py says it is too big)."""
    with path.open("rb") as handle:
        return handle.read(MAX_BYTES + 1)


def run_serve(args: argparse.Namespace) -> int:
    from .serve import serve  # here, not at the top: a build need not load the server (~25 ms of every build's start)

    paths = Paths(args.content, args.templates, args.output, Path.cwd(), Path.cwd() / CACHE)
    options = BuildOptions(today=today(args.today), drafts=args.drafts, changed=changed(args.content))

    def on_build(result: Result) -> None:
        report(result, args.strict)
        if result.ok:
            print(f"Built {result.pages} pages in {result.seconds:.2f} s", flush=True)
        else:
            print("Not built: fix the problems above. The last good site is still served.", file=sys.stderr, flush=True)

    def on_fault(message: str) -> None:
        print(f"{message} (the last good site is still served)", file=sys.stderr, flush=True)

    def on_ready(url: str) -> None:
        print(f"Serving {args.output} at {url} (Ctrl+C to stop). Watching {args.content} and {args.templates}.", flush=True)

    signal.signal(signal.SIGTERM, _interrupt)
    # Python leaves SIGINT ignored when the process that started it ignored it (a shell's background
    # job, `nohup`, some CI runners), and then Ctrl+C or `kill -INT` never stopped the preview.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        serve(paths, options, args.port, args.strict, on_build, on_ready, on_fault)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            print(f"cmi-site: port {args.port} is busy: another program (perhaps another preview) is using it. "
                  f"Try: cmi-site serve --port {args.port + 1}", file=sys.stderr)  # fmt: skip
            return 2
        raise
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


COMMANDS = {"build": run_build, "check": run_check, "new": run_new, "serve": run_serve, "import": run_import}


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    if not args.content.is_dir():
        print(f"cmi-site: no content folder at {args.content} (run from the project folder, or give --content DIR)", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args)
    except SetupError as err:
        print(f"cmi-site: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a machine fault (disk full, read-only, no permission): one line, never a traceback
        print(f"cmi-site: {system_error(err)}", file=sys.stderr)
        return 2


def system_error(err: OSError) -> str:
    """An OSError in one line: what the system said, and about which file."""
    files = " -> ".join(shown(name) for name in (err.filename, err.filename2) if name is not None)
    return f"{err.strerror or shown(str(err))}: {files}" if files else (err.strerror or shown(str(err)))


def entry() -> None:  # pragma: no cover - the console script; tests call main()
    """`cmi-site`: main(), then exit without a last collection of everything the build made (frozen,
    so that Python's exit skips it: ~0.13 s of a one-story rebuild at 10,000 stories; the system
    frees the memory anyway)."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
