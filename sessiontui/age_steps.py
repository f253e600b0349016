"""When the words for an age change: humanize's "45 seconds" / "12 minutes" / "3 hours" / "2 days"
(rounded to the nearest unit, half to even) and the table's compact "45s" / "12m" / "3h" / "2d".

Both are functions of the age's whole seconds, and both move only on one grid: every second under
a minute; on whole and half minutes under an hour (and a second after each, where rounding half
to even waits); on whole and half hours, likewise, under a day; on whole days after. Between two
grid points every such text reads the same, so a line need not be looked at again before the next
point, and an age taken down to its grid point reads as the age itself. Pure; no Textual.
"""

from __future__ import annotations

from datetime import datetime

_STEPS = ((60, 1), (3_600, 30), (86_400, 1_800))  # (ages below this, seconds, move on a grid of)
_DAY = 86_400


def _step(whole: int) -> int:
    for below, step in _STEPS:
        if whole < below:
            return step
    return _DAY


def next_step(whole: int) -> int:
    """The first grid point after the age `whole` (seconds): before it, no age text moves."""
    step = _step(whole)
    if step > 1 and whole % step == 0:
        return whole + 1  # (half to even: 150 s reads "2 minutes", 151 s "3 minutes")
    return (whole // step + 1) * step


def step_floor(seconds: float) -> int:
    """The last grid point at or before the age `seconds`: it reads as the age itself, and moves
    only when the age's words do."""
    whole = int(max(seconds, 0.0))
    step = _step(whole)
    base = whole // step * step
    return base if whole == base or step == 1 else base + 1


def age_text_holds_until(moment: datetime, now: datetime) -> float:
    """The POSIX time until which an age counted from `moment` reads as it does at `now` (a
    millisecond early: at most one look too many, never one too few)."""
    start = moment.timestamp()
    return start + next_step(int(max(now.timestamp() - start, 0.0))) - 0.001
