from __future__ import annotations

import pytest

from bot.permissions import RULES, Action, allowed


@pytest.mark.parametrize("action", list(Action))
def test_non_members_may_do_nothing(action: Action) -> None:
    assert not allowed(None, action)
    assert action in RULES


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        ("koordinator", Action.INVITE, True),
        ("anggota", Action.INVITE, False),
        ("pendamping", Action.INVITE, False),
        ("anggota", Action.VIEW_MEMBERS, True),
        ("anggota", Action.DECIDE_JOIN, False),
        ("anggota", Action.BROADCAST, False),
        ("pendamping", Action.EXPORT, True),
        ("anggota", Action.EXPORT, False),
        ("anggota", Action.RSVP, True),
    ],
)
def test_roles(role: str, action: Action, expected: bool) -> None:
    assert allowed(role, action) is expected  # type: ignore[arg-type]
