"""Legible in a lecture hall: honest numbers, pacing and subtitles."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convmanim.values import format_value, is_exact, plain_value


# ------------------------------------------------------------------ honest numbers
@pytest.mark.parametrize("value,text", [
    (1.005, "1.005"), (0.999, "0.999"), (-0.125, "-0.125"), (17.0, "17"), (-2.0, "-2"),
    (1.5, "1.5"), (0.1 + 0.2, "0.3"), (-0.0, "0"), (2 / 3, "0.667"), (0.99995, "0.99995"),
    (1.00001, "1.00001"), (-0.0004, "-0.0004"), (123.4567, "123.457"),
])
def test_numbers_print_exactly_or_visibly_rounded(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize("value,exact", [
    (1.005, True), (0.999, True), (-0.125, True), (17, True), (4 / 3, False),
    (1 / 7, False), (0.99995, True),
])
def test_is_exact_says_whether_the_text_is_the_number(value, exact):
    assert is_exact(value) is exact


def test_plain_text_writes_a_real_minus_sign():
    assert plain_value(-0.125) == "\u22120.125"


@given(st.fractions(min_value=-1000, max_value=1000, max_denominator=10_000))
def test_a_non_integer_never_prints_as_an_integer(value: Fraction):
    text = format_value(float(value))
    shown = float(text)
    if value.denominator == 1:
        assert text == str(value.numerator)
    else:
        assert "." in text, (value, text)
        assert not shown.is_integer(), (value, text)
    # rounded to at most 3 decimals, or as few more as keep it off the integers
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert abs(shown - float(value)) <= 0.5 * 10.0 ** -decimals + 1e-9
    assert is_exact(float(value)) == math.isclose(shown, float(value), abs_tol=1e-9)
