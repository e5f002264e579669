from __future__ import annotations

import pytest

from bot.callbacks import CallbackDataError, decode, encode


def test_round_trip() -> None:
    data = encode("m", "rsvp", 42, "y")
    assert data == "m:rsvp:42:y"
    parsed = decode(data)
    assert parsed is not None and parsed.feature == "m" and parsed.action == "rsvp"
    assert parsed.int_arg(0) == 42 and parsed.arg(1) == "y"


def test_too_long_or_separator_is_refused() -> None:
    with pytest.raises(CallbackDataError):
        encode("m", "x" * 70)
    with pytest.raises(CallbackDataError):
        encode("m", "a:b")
    assert len(encode("m", "a" * 62).encode()) == 64


@pytest.mark.parametrize("data", [None, "", "x", ":", "m:", "é" * 40, "a" * 65])
def test_malformed_data_is_none(data: str | None) -> None:
    assert decode(data) is None
