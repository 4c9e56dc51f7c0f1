"""Problems as text for people and machines: one line each, a GitHub Actions annotation, or a pull
request comment in Markdown.

Everything in a problem may come from a contributor (a file name, a field name, a message quoting a
value), so each format makes it inert: it shows as the literal text and cannot steer what it is shown in.
"""

from __future__ import annotations

import re

from .errors import Problem

REPORT_MARKER = "<!-- cmi-site check report -->"


def visible(text: str) -> str:
    """Text -> one line in which every character that does not print (line breaks, control and
    format characters such as bidi overrides and zero-width spaces, lone surrogates) is shown as its
    Python escape (\\n, \\x1b, \\u202e), as messages show values (repr); ordinary spaces stay."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else repr(char)[1:-1] for char in text)


def format_problem(problem: Problem, style: str) -> str:
    """A problem as one line: path:line: field: message (text), or a GitHub Actions annotation (github)."""
    if style != "github":
        return visible(str(problem))
    kind = "error" if problem.is_error else "warning"
    title = _escape(visible(problem.field or "content"), prop=True)
    return f"::{kind} file={_escape(visible(problem.path), prop=True)},line={problem.line},title={title}::{_escape(visible(problem.message))}"


def _escape(text: str, prop: bool = False) -> str:
    """Escape a value for a GitHub workflow command, as @actions/core does: % first, then CR and LF
    (data), and for a property also ':' and ',' (which end it). The runner undoes exactly this."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def code_span(text: str) -> str:
    """Text -> a Markdown code span showing exactly visible(text): GitHub renders a code span's content
    as literal text (no links, images, emphasis, HTML, @mentions, #references or emoji). The fence
    is one backtick longer than the longest run of backticks inside, so the text cannot close it; a
    space pads each end when the text starts or ends with a backtick or a space, and CommonMark
    strips exactly that space back off. Line breaks would end the list item, so none are left."""
    shown = visible(text)
    if not shown:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", shown)), default=0) + 1)
    pad = " " if (shown[0] in "` " or shown[-1] in "` ") and shown.strip(" ") else ""  # spaces alone are not stripped
    return f"{fence}{pad}{shown}{pad}{fence}"


# GitHub refuses a comment longer than 65,536 characters: the report stops listing problems before that.
MAX_COMMENT_CHARS = 60_000


# What the report says first, for a pull request's comment and for the publish job's summary page
# (where the network sees why the site did not update).
INTRO = {
    "markdown": "Thank you for your contribution. Below is each problem, the file it is in and the line number. Edit "
                "the file, change what is described, and commit: this comment will update by itself.",
    "summary": "The website was not updated: it still shows the last version that was published. Below is each "
               "problem, the file it is in and the line number. Fix them in a new pull request; the site is "
               "published again as soon as it is merged.",
}  # fmt: skip


def markdown_report(problems: list[Problem], strict: bool, style: str = "markdown") -> str:
    """Problems grouped by file, in plain English, for a comment on a pull request (style markdown) or
    the publish job's summary (style summary); everything taken from the content (paths, fields,
    messages) is in a code span (code_span)."""
    blocking = [p for p in problems if p.is_error or strict]
    lines = [REPORT_MARKER]
    if not problems:
        return "\n".join([*lines, "### ✅ The content check found no problems", "", "Thank you! Everything in this "
                          "pull request can be built into the site."]) + "\n"  # fmt: skip
    heading = (f"### ❌ The content check found {len(blocking)} problem{'s' * (len(blocking) != 1)} to fix" if blocking
               else "### ⚠️ The content check has some suggestions")  # fmt: skip
    lines += [heading, "", INTRO[style], ""]
    lines += _problem_lines(problems, strict, MAX_COMMENT_CHARS - sum(len(line) + 1 for line in lines) - 500)
    lines.append("Field names and allowed values are explained in `docs/content.md`; `CONTRIBUTING.md` has a checklist.")
    return "\n".join(lines) + "\n"


def _problem_lines(problems: list[Problem], strict: bool, room: int) -> list[str]:
    """The report's lines for the problems, grouped by file, in at most about room characters (then
    a line saying how many are left out)."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.path, []).append(problem)
    lines: list[str] = []
    shown = used = 0
    for path, found in by_file.items():
        heading = f"#### {code_span(path) or 'A file'}"
        for n, p in enumerate(found):
            kind = "Problem" if p.is_error or strict else "Suggestion"
            field = f", field {code_span(p.field)}" if p.field else ""
            line = f"- **{kind}** on line {p.line}{field}: {code_span(p.message)}"
            cost = len(line) + 1 + (len(heading) + 2 if n == 0 else 0)
            if used + cost > room:
                gap = [""] if lines and lines[-1] else []
                return [*lines, *gap, f"…and {len(problems) - shown} more: run `cmi-site check` to see every one.", ""]
            lines += [heading, "", line] if n == 0 else [line]
            used, shown = used + cost, shown + 1
        lines.append("")
        used += 1
    return lines
