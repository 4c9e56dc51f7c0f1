"""Converting a body is bounded: a shape that would make Python-Markdown slow or recurse without
end is a problem at the file and line, never a hang or a traceback, and the build goes on."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from cmi_site import bounds, markup
from cmi_site.bounds import TimeUp, refusal, time_limit
from cmi_site.markup import render_markdown

OPEN = "(close each '{0}' soon after it opens, or write '\\{0}')"
NESTED = "(each '>', '- ', '1. ' and each 4 spaces before them is one level)"
# Each shape (after an intro line, so the body's line 3 is the file's line 12), and its problem.
SHAPES = {
    "brackets": ("[" * 40_000, 12, f"more than 16 '[' are open at once in this paragraph {OPEN.format('[')}"),
    "escaped-brackets": ("[\\]" * 3000, 12, f"more than 16 '[' are open at once in this paragraph {OPEN.format('[')}"),
    "parens": ("[a](" * 100, 12, f"more than 16 '(' are open at once in this paragraph {OPEN.format('(')}"),
    "titled-links": ('[a]("x) ' * 100, 12, "more than 32 links in this paragraph have a quote after '](' "
                                          "(write a link as [words](address), or [words](address \"title\"))"),
    "unclosed-tags": ("text <a " * 3000, 12, "more than 32 '<' start an HTML tag that has no '>' (write &lt; for a '<' that is not a tag)"),
    "html-depth": ("<div>" * 100, 12, "more than 64 HTML elements are open inside each other (close each tag, like <em>...</em>)"),
    "list-markers": ("- " * 600 + "x", 12, f"lists and quotes are nested more than 16 deep on this line {NESTED}"),
    "quotes": ("> " * 600 + "x", 12, f"lists and quotes are nested more than 16 deep on this line {NESTED}"),
    "indented-lists": ("".join("    " * i + "- x\n" for i in range(20)), 28, f"lists and quotes are nested more than 16 deep on this line {NESTED}"),
    "stars": ("*" * 2000 + "a" + "*" * 2000, 12, "more than 100 '*' and '_' in a row (write \\* for a '*' that is not emphasis)"),
    "nested-emphasis": ("*a " * 1000 + "a* " * 1000, 10, "the body is nested too deeply to convert "
                                                        "(lists, quotes, links or emphasis more than 100 levels inside each other)"),
    "definitions": ("a\n: b\n" * 150, 213, "more than 100 definitions (lines starting ': ') in one paragraph (put a blank line between terms)"),
    "abbreviations": ("".join(f"*[A{i}]: x\n" for i in range(101)), 112, "more than 100 abbreviations ('*[') in one body"),
    "length": ("a" * 50_001, 10, "the body is 50,009 characters long, more than the 50,000 a page may have (split it into several pages)"),
}


def test_every_pathological_shape_is_a_problem_at_its_line_and_the_build_goes_on(site_dir: Path, run_cli: Callable,
                                                                                  content_files) -> None:  # fmt: skip
    story = content_files["stories/memory-cafe.md"]  # its body starts on line 10
    for name, (shape, _, _) in SHAPES.items():
        (site_dir / f"content/stories/{name}.md").write_text(story.replace("Body text.\n", f"Intro.\n\n{shape}"))
    (site_dir / "content/stories/memory-cafe.md").write_text(story.replace("areas: [suffolk, region]", "areas: [nowhere]"))
    result = run_cli("build")
    assert result.code == 1 and "Traceback" not in result.err
    for name, (_, line, message) in SHAPES.items():
        assert f"content/stories/{name}.md:{line}: body: {message}\n" in result.err, name
    assert "content/stories/memory-cafe.md:5: areas: unknown area 'nowhere'" in result.err  # the other files are checked too
    assert not (site_dir / "_site").exists()


@pytest.mark.parametrize(("at_limit", "over"), [
    ("[" * 16, "[" * 17), ("[a](" + "(" * 15, "[a](" + "(" * 16), ("<div>" * 64, "<div>" * 65),
    ("> " * 16 + "x", "> " * 17 + "x"), (" " * 64 + "x", " " * 68 + "x"), ("*" * 100, "*" * 101),
    ('[a]("x) ' * 32, '[a]("x) ' * 33), ("<a " * 32, "<a " * 33), ("t\n" + ": d\n" * 100, "t\n" + ": d\n" * 101),
    ("*[A]: x\n" * 100, "*[A]: x\n" * 101), ("a" * 50_000, "a" * 50_001),
])  # fmt: skip
def test_each_limit_is_exact(at_limit: str, over: str) -> None:
    assert refusal(at_limit) is None
    assert refusal(over) is not None


def test_limits_count_per_paragraph_and_skip_escapes() -> None:
    assert refusal(("[" * 16 + "\n\n") * 10) is None  # a blank line starts a new paragraph
    assert refusal(("[" * 16 + "\n \t\n") * 10) is None
    assert refusal(("[" * 16 + "\n") * 2) is not None  # one paragraph
    assert refusal("\\[" * 1000 + "\\(" * 1000) is None


def test_real_writing_is_far_from_every_limit() -> None:
    from test_markup import _texts

    assert all(refusal(text * 4) is None for text in _texts())


def test_the_time_limit_stops_a_busy_conversion_and_puts_everything_back() -> None:
    import signal

    for _ in range(2):
        with pytest.raises(TimeUp), time_limit(0.05):
            while True:
                pass
        assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0) and not bounds._Timer.armed


def test_the_time_limit_leaves_another_handler_of_its_signal_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    calls: list[int] = []
    previous = signal.signal(signal.SIGVTALRM, lambda signum, frame: calls.append(signum))
    try:
        with time_limit(0.001):
            assert sum(range(3_000_000)) > 0  # more CPU time than the limit, and no TimeUp
        assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0) and calls == []
    finally:
        signal.signal(signal.SIGVTALRM, previous)


def test_off_the_main_thread_there_is_no_timer_and_conversion_still_works() -> None:
    results: list[object] = []

    def run() -> None:
        with time_limit(0.000001):
            results.append(sum(range(200_000)))
        results.append(render_markdown("## Hi\n\n[see](#hi)").html)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert results == [sum(range(200_000)), '<h2 id="section--hi">Hi</h2>\n<p><a href="#section--hi">see</a></p>']


def test_a_body_over_the_time_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "TIME_LIMIT", 0.000001)
    # As long as a body may be (MAX_CHARS), to be charged a few clock ticks of CPU time, in which the
    # timer counts: 200 paragraphs (~15 ms) once went through unstopped on a loaded machine.
    result = render_markdown("Some *text* that takes longer than a microsecond to convert.\n\n" * 780)
    assert result.html == "" and result.refused == bounds.Refusal(
        1, "the body took more than 1e-06 seconds to convert (simplify it: it probably has very many unclosed brackets, tags or '*')")


def test_a_time_limit_that_runs_out_where_its_error_is_swallowed_still_stops_the_block() -> None:
    # The signal can land in a gc callback or a __del__, where Python reports an exception and goes
    # on: the conversion would then finish as if no limit had run out.
    swallowed = contextlib.suppress(bounds.TimeUp)  # the signal, landing where its exception is swallowed
    with pytest.raises(bounds.TimeUp), bounds.time_limit(60), swallowed:
        bounds._expire(signal.SIGVTALRM, None)
    with bounds.time_limit(60):  # and the next limit starts afresh
        pass


def test_a_time_limit_that_runs_out_in_a_finaliser_prints_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    # Python reports an exception raised in a __del__ or gc callback through sys.unraisablehook, which
    # prints a traceback (and pytest fails the test that was running): the limit keeps it quiet.
    class Finalised:
        def __del__(self) -> None:
            bounds._expire(signal.SIGVTALRM, None)

    with pytest.raises(bounds.TimeUp), bounds.time_limit(60):
        Finalised()
    assert capfd.readouterr().err == ""
    hook = sys.unraisablehook
    with bounds.time_limit(60):
        assert sys.unraisablehook is not hook
    assert sys.unraisablehook is hook  # and the hook before it is back
    with pytest.raises(ValueError), bounds.time_limit(60):
        raise ValueError
    assert sys.unraisablehook is hook  # after an error in the block
    with pytest.raises((ValueError, OverflowError)), bounds.time_limit(float("nan")):
        pass
    assert sys.unraisablehook is hook and not bounds._Timer.armed  # and when the limit cannot be set


# ---- a converter that failed is never used again -----------------------------------------------

_EVERY_EXTENSION = "\n\n| a |\n|---|\n| 1 |\n\n```\ncode\n```\n\nTerm\n: definition\n\n*[HTML]: Hyper\n\n'quoted' -- HTML...\n"
_NESTED = "".join("    " * depth + f"- item {depth}\n\n" for depth in range(12))


def _at_depth(frames: int, call: Callable[[], markup.Html]) -> markup.Html:
    """call() with Python's stack `frames` calls deeper than here."""
    return call() if frames <= 0 else _at_depth(frames - 1, call)


def test_after_a_conversion_fails_the_next_documents_come_out_as_they_do_on_their_own() -> None:
    from test_markup import _texts

    texts = [text + _EVERY_EXTENSION for text in _texts()]  # all with the failing document's extensions
    alone = [render_markdown(text).html for text in texts]
    here = len(_frames())
    failed = 0
    # Run the failing document with less and less stack left, so that Python-Markdown runs out of it
    # part-way through the nested lists (leaving its parser's state half done) at some depth.
    for left in range(80, 0, -1):
        try:
            result = _at_depth(sys.getrecursionlimit() - here - left, lambda: render_markdown(_NESTED + _EVERY_EXTENSION))
        except RecursionError:
            continue  # ran out before the conversion started
        if result.refused is not None:
            failed += 1
            assert [render_markdown(text).html for text in texts[:40]] == alone[:40]
    assert failed > 3
    assert [render_markdown(text).html for text in texts] == alone


def _frames() -> list[object]:
    frame, frames = sys._getframe(), []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back  # type: ignore[assignment]
    return frames
