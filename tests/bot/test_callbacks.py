from __future__ import annotations

import re

import pytest

from bot.callbacks import PREFIXES, CallbackDataError, Prefix, PrefixCollision, PrefixTable, decode, encode


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


# -- the prefix table -------------------------------------------------------------------------


def test_every_feature_prefix_is_registered_once_with_a_version() -> None:
    codes = [p.code for p in PREFIXES]
    assert len(codes) == len(set(codes))
    assert {"m", "v", "e", "k", "b", "r", "d", "p", "o", "g", "gv", "fa"} <= set(codes)
    assert all(p.version >= 1 for p in PREFIXES)


def test_the_table_refuses_a_second_owner_of_a_prefix() -> None:
    table = PrefixTable([Prefix("m", "meetings")])
    with pytest.raises(PrefixCollision):
        table.add(Prefix("m", "musyawarah"))
    with pytest.raises(PrefixCollision):
        PrefixTable([Prefix("x", "one"), Prefix("x", "two", version=2)])


def test_unregistered_prefix_cannot_be_encoded_and_decodes_as_stale() -> None:
    with pytest.raises(CallbackDataError):
        encode("zz", "go")
    assert decode("zz:go:1") is None


def test_a_bumped_version_makes_older_buttons_stale() -> None:
    old = PrefixTable([Prefix("m", "meetings")])
    new = PrefixTable([Prefix("m", "meetings", version=2)])
    before = old.encode("m", "rsvp", 42, "y")
    after = new.encode("m", "rsvp", 42, "y")
    assert before == "m:rsvp:42:y" and after == "m.2:rsvp:42:y"
    assert new.decode(before) is None  # pressed after the upgrade: stale
    assert old.decode(after) is None
    parsed = new.decode(after)
    assert parsed is not None and parsed.version == 2 and parsed.feature == "m" and parsed.int_arg(0) == 42
    assert new.decode("m.1:rsvp:42") is None and new.decode("m.x:rsvp") is None


def test_patterns_follow_the_version() -> None:
    new = PrefixTable([Prefix("m", "meetings", version=3)])
    rx = re.compile(new.pattern("m", "rsvp"))
    assert rx.match("m.3:rsvp:1") and rx.match("m.3:rsvp")
    assert not rx.match("m:rsvp:1") and not rx.match("m.3:rsvpx:1")
