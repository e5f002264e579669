"""The role a join request asks for."""

from __future__ import annotations

from bot.members.rules import join_role


def test_pendamping_jabatan_joins_as_pendamping_whatever_the_invite() -> None:
    assert join_role("pendamping", "koordinator") == "pendamping"
    assert join_role("pendamping", None) == "pendamping"


def test_invite_role_counts_else_anggota() -> None:
    assert join_role("kades", "koordinator") == "koordinator"
    assert join_role("kades", "anggota") == "anggota"
    assert join_role("kades", None) == "anggota"
    assert join_role("kades", "raja") == "anggota"  # not a role: never trusted
