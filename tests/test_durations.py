"""Durations as the user reads them: one splitting, checked against plain integer arithmetic."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from convmanim.durations import clock
from convmanim.lecture import _duration
from convmanim.subtitles import vtt_timestamp


@given(st.integers(min_value=0, max_value=30 * 24 * 3_600_000))
def test_clock_splits_milliseconds_as_integer_arithmetic_does(ms):
    c = clock(ms / 1000)
    assert (c.hours, c.minutes, c.seconds, c.milliseconds) == (
        ms // 3_600_000, ms // 60_000 % 60, ms // 1000 % 60, ms % 1000)
    assert c.total_minutes == ms // 60_000


def test_clock_rounds_to_the_millisecond_and_clamps_negative_to_zero():
    assert clock(1.0004) == clock(1.0)
    assert clock(1.0006).milliseconds == 1
    assert clock(-5) == clock(0)


def test_the_written_forms():
    assert vtt_timestamp(3725.5) == "01:02:05.500"
    assert vtt_timestamp(90_000.25) == "25:00:00.250"  # past a day, hours go on
    assert _duration(125) == "2 min 05 s"
    assert _duration(59.6) == "1 min 00 s"
    assert _duration(3725) == "1 h 02 min"
