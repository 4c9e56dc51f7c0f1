"""The evidence in Easy Read: fixed, short sentences with the numbers put in, never free text.

Green, amber and red become "yes", "partly" and "no". Each sentence is made to stay within
easyread.MAX_WORDS words (tests/test_evidence.py checks every sentence with easyread's own rule);
only the statements of content/self-assessment.yml are quoted as written.
"""

from __future__ import annotations

from .evidence import MIN_STORIES, Bar, Evidence


def stories(count: int) -> str:
    """3 -> '3 stories', 1 -> '1 story'."""
    return f"{count} {'story' if count == 1 else 'stories'}"


def out_of_ten(part: int, whole: int) -> int:
    """A share as a whole number out of 10, rounded half up (7 of 12 -> 6): Easy Read avoids percentages."""
    return (20 * part + whole) // (2 * whole) if whole else 0


def _answers(bar: Bar) -> str:
    return (f"{stories(bar.green)} said yes. {stories(bar.amber)} said partly. "
            f"{stories(bar.red)} said no.")  # fmt: skip


def _ladder(evidence: Evidence) -> list[str]:
    """What the numbers say about work further up the ladder, or that there are too few to say."""
    upper, lower = evidence.ladder.upper, evidence.ladder.lower
    if not evidence.ladder.enough:
        return ["We need more stories to compare different kinds of work."]
    up, low = out_of_ten(upper.green, upper.ratings), out_of_ten(lower.green, lower.ratings)
    lines = [
        "In some work, people shared power. This is called co-design or co-production.",
        f"There were {stories(upper.stories)} like this. About {up} in 10 answers were yes.",
        f"In the other {stories(lower.stories)}, about {low} in 10 answers were yes.",
    ]
    if up > low:
        lines.append("So people said yes more often when power was shared.")
    elif up < low:
        lines.append("So people said yes less often when power was shared.")
    else:
        lines.append("So there was no clear difference.")
    return [*lines, "The numbers do not show why."]


def easy_read_summary(evidence: Evidence, where: str, sample: bool) -> str:
    """An Evidence -> its Easy Read summary, one paragraph a line ('where': 'in Norfolk', or '' for all)."""
    place = f" {where}" if where else ""
    if not evidence.rated:
        return f"No stories{place} have answered the questions yet."
    lines = [
        f"{stories(evidence.rated)}{place} answered our questions.",
        "The questions are about how the work felt.",
        "People answered yes, partly or no.",
    ]
    for tally in evidence.overall.tallies:
        bar = Bar("", tally.red, tally.amber, tally.green, tally.red + tally.amber + tally.green)
        if bar.ratings:
            lines.append(f"- {tally.statement.statement} {_answers(bar)}")
    lines += _ladder(evidence)
    if evidence.rated < 4 * MIN_STORIES:
        lines.append(f"{stories(evidence.rated)} is not many. The numbers are only a guide.")
    if sample:
        lines.append("These stories are made up. So the numbers are made up too.")
    return "\n".join(lines)
