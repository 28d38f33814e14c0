"""Durations split into hours, minutes, seconds and milliseconds, for what the user reads.

One place for it: the WebVTT timestamps of cues and chapters, a lecture's
planned length and the ``lecture --check`` summary all write durations
through :func:`clock`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

__all__ = ["Clock", "clock"]


@dataclass(frozen=True)
class Clock:
    """A duration as a clock shows it (hours may exceed 23)."""

    hours: int
    minutes: int
    seconds: int
    milliseconds: int

    @property
    def total_minutes(self) -> int:
        """Whole minutes, the hours included."""
        return 60 * self.hours + self.minutes


def clock(seconds: float) -> Clock:
    """``seconds`` (rounded to the millisecond; negative is zero) as a :class:`Clock`.

    Parameters
    ----------
    seconds
        A duration in seconds.

    Examples
    --------
    >>> clock(3725.5)
    Clock(hours=1, minutes=2, seconds=5, milliseconds=500)
    """
    moment = datetime.datetime.min + datetime.timedelta(milliseconds=max(0, round(seconds * 1000)))
    return Clock(24 * (moment.day - 1) + moment.hour, moment.minute, moment.second,
                 moment.microsecond // 1000)
