"""Numbers parsed from input: ASCII digits only, within bounds."""

from __future__ import annotations

import pytest

from lti_tool.validation import InvalidInputError, check_text, check_url, strict_decimal, strict_int


@pytest.mark.parametrize("text", ["²", "١٢", "１２", "1_0", "+1", "-1", "1.0", "", " ", "9" * 5000])
def test_strict_int_refuses_what_is_not_ascii_digits(text: str) -> None:
    assert strict_int(text, 0, 10**30) is None


def test_strict_int_refuses_numbers_out_of_bounds() -> None:
    assert strict_int("101", 1, 100) is None and strict_int("0", 1, 100) is None


def test_strict_int_reads_ascii_digits_within_bounds() -> None:
    assert strict_int(" 042 ", 1, 100) == 42


@pytest.mark.parametrize("text", ["nan", "inf", "1e309", "١.٥", "1,5,0", "0x10", "1_0"])
def test_strict_decimal_refuses_what_is_not_a_plain_decimal(text: str) -> None:
    assert strict_decimal(text, -1e6, 1e6) is None


@pytest.mark.parametrize(("text", "value"), [("0,5", 0.5), ("-2.25", -2.25), ("80", 80.0)])
def test_strict_decimal_reads_a_comma_or_a_point(text: str, value: float) -> None:
    assert strict_decimal(text, -100, 100) == value


@pytest.mark.parametrize("value", ["abc\x00def", "abc\x1b[31m", "tab\there", "line\nbreak", "\x7f"])
def test_check_text_refuses_control_characters(value: str) -> None:
    with pytest.raises(InvalidInputError, match="control character"):
        check_text(value, "Client id", 255)


@pytest.mark.parametrize(
    "url", ["https://lms.example.test/a\x00b", "https://lms.example.test/\x01"]
)
def test_check_url_refuses_control_characters(url: str) -> None:
    with pytest.raises(InvalidInputError, match="control character"):
        check_url(url, "Keyset URL")
