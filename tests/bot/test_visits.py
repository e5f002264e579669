"""The visit state machine: every legal and illegal transition, for each person."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.errors import Conflict, InvalidInput, NotPermitted
from bot.visits import rules as vm

TODAY = date(2026, 11, 24)
D1, D2, D3 = date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 14)
REQ, HOST, THIRD = 1, 2, 3


def fresh() -> vm.Visit:
    return vm.new_request(REQ, HOST, [D2, D1], TODAY)


def in_state(state: vm.State) -> vm.Visit:
    v = fresh()
    if state == "diajukan":
        return v
    if state == "tanggal_diusulkan":
        return vm.propose(v, HOST, [D3], TODAY).after
    if state == "diterima":
        return vm.accept(v, HOST, D1, TODAY).after
    if state == "ditolak":
        return vm.reject(v, HOST, "sibuk panen").after
    if state == "dibatalkan":
        return vm.cancel(v, REQ, "anggaran belum cair").after
    return vm.complete(vm.accept(v, HOST, D1, TODAY).after, REQ, D1).after


def attempt(v: vm.Visit, event: vm.Event, user: int, today: date = TODAY) -> vm.Transition:
    if event == "accept":
        return vm.accept(v, user, v.proposed[0] if v.proposed else D1, today)
    if event == "propose":
        return vm.propose(v, user, [D3 + timedelta(days=1)], today)
    if event == "reject":
        return vm.reject(v, user, "alasan")
    if event == "cancel":
        return vm.cancel(v, user, "alasan")
    return vm.complete(v, user, today)


def test_new_request_is_the_hosts_turn_with_sorted_dates() -> None:
    v = fresh()
    assert (v.state, v.awaiting, v.proposed, v.round) == ("diajukan", "host", (D1, D2), 1)


@pytest.mark.parametrize("dates, key", [
    ([D1], "visit.err.date_count"),
    ([D1, D2, D3, D3 + timedelta(days=1)], "visit.err.date_count"),
    ([D1, D1], "visit.err.date_duplicate"),
    ([TODAY, D1], "visit.err.date_past"),
    ([TODAY - timedelta(days=3), D1], "visit.err.date_past"),
    ([D1, TODAY + timedelta(days=400)], "visit.err.date_far"),
])
def test_bad_offered_dates_are_refused(dates: list[date], key: str) -> None:
    with pytest.raises(InvalidInput) as err:
        vm.new_request(REQ, HOST, dates, TODAY)
    assert err.value.message_key == key


def test_cannot_visit_oneself() -> None:
    with pytest.raises(InvalidInput):
        vm.new_request(REQ, REQ, [D1, D2], TODAY)


def test_host_accepts_one_offered_date() -> None:
    t = vm.accept(fresh(), HOST, D2, TODAY)
    assert (t.after.state, t.after.visit_date, t.after.awaiting, t.notify) == ("diterima", D2, None, "requester")


def test_accepting_a_date_not_offered_or_gone_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        vm.accept(fresh(), HOST, D3, TODAY)
    assert err.value.message_key == "visit.err.date_not_offered"
    with pytest.raises(InvalidInput) as err:
        vm.accept(fresh(), HOST, D1, D1)
    assert err.value.message_key == "visit.err.date_gone"


def test_counter_proposals_flip_the_turn_both_ways() -> None:
    t1 = vm.propose(fresh(), HOST, [D3], TODAY)
    assert (t1.after.state, t1.after.awaiting, t1.after.proposed, t1.after.round) == (
        "tanggal_diusulkan", "requester", (D3,), 2)
    assert t1.notify == "requester"
    with pytest.raises(vm.NotYourTurn):
        vm.propose(t1.after, HOST, [D1], TODAY)
    with pytest.raises(vm.NotYourTurn):
        vm.accept(t1.after, HOST, D3, TODAY)
    t2 = vm.propose(t1.after, REQ, [D1, D2], TODAY)
    assert (t2.after.awaiting, t2.after.round, t2.notify) == ("host", 3, "host")
    t3 = vm.accept(t2.after, HOST, D2, TODAY)
    assert (t3.after.state, t3.after.visit_date) == ("diterima", D2)


def test_requester_accepts_the_hosts_proposal() -> None:
    t = vm.accept(vm.propose(fresh(), HOST, [D3], TODAY).after, REQ, D3, TODAY)
    assert (t.after.state, t.after.visit_date, t.notify) == ("diterima", D3, "host")


def test_reject_and_cancel_rules_while_open() -> None:
    proposed = vm.propose(fresh(), HOST, [D3], TODAY).after
    assert vm.reject(proposed, HOST, "maaf").after.state == "ditolak"  # the host may refuse on any turn
    with pytest.raises(vm.WrongSide) as err:
        vm.reject(fresh(), REQ, "x")
    assert err.value.message_key == "visit.err.only_host_rejects"
    with pytest.raises(vm.WrongSide) as err:
        vm.cancel(fresh(), HOST, "x")
    assert err.value.message_key == "visit.err.host_use_reject"
    assert vm.cancel(proposed, REQ, "tidak jadi").after.state == "dibatalkan"


def test_either_side_cancels_an_accepted_visit() -> None:
    accepted = in_state("diterima")
    for user, side in ((REQ, "requester"), (HOST, "host")):
        t = vm.cancel(accepted, user, "banjir")
        assert (t.after.state, t.actor, t.notify) == ("dibatalkan", side, vm.other(side))


def test_reasons_are_required_and_bounded() -> None:
    with pytest.raises(InvalidInput) as err:
        vm.reject(fresh(), HOST, "   ")
    assert err.value.message_key == "visit.err.reason_empty"
    with pytest.raises(InvalidInput) as err:
        vm.cancel(in_state("diterima"), REQ, "x" * 5000)
    assert err.value.message_key == "visit.err.reason_long"


def test_complete_only_from_the_visit_day() -> None:
    accepted = in_state("diterima")
    with pytest.raises(InvalidInput) as err:
        vm.complete(accepted, REQ, D1 - timedelta(days=1))
    assert err.value.message_key == "visit.err.too_early"
    assert vm.complete(accepted, HOST, D1).after.state == "selesai"
    assert vm.complete(accepted, REQ, D1 + timedelta(days=30)).after.state == "selesai"


# -- the full matrix -----------------------------------------------------------------------------
LEGAL: dict[tuple[vm.State, vm.Event], set[int]] = {
    ("diajukan", "accept"): {HOST},
    ("diajukan", "propose"): {HOST},
    ("diajukan", "reject"): {HOST},
    ("diajukan", "cancel"): {REQ},
    ("tanggal_diusulkan", "accept"): {REQ},
    ("tanggal_diusulkan", "propose"): {REQ},
    ("tanggal_diusulkan", "reject"): {HOST},
    ("tanggal_diusulkan", "cancel"): {REQ},
    ("diterima", "cancel"): {REQ, HOST},
    ("diterima", "complete"): {REQ, HOST},
}


@pytest.mark.parametrize("state", vm.STATES)
@pytest.mark.parametrize("event", vm.EVENTS)
@pytest.mark.parametrize("user", [REQ, HOST, THIRD])
def test_every_transition(state: vm.State, event: vm.Event, user: int) -> None:
    v = in_state(state)
    today = D1 if event == "complete" else TODAY
    legal = user in LEGAL.get((state, event), set())
    assert vm.may(v, user, event, today) == legal
    if legal:
        t = attempt(v, event, user, today)
        assert t.before == v
        assert t.after.state != v.state or event == "propose"
        return
    with pytest.raises((NotPermitted, Conflict)) as err:
        attempt(v, event, user, today)
    if user == THIRD:
        assert isinstance(err.value, vm.NotAParty) and err.value.message_key == "visit.err.not_party"
    elif (state, event) not in LEGAL:
        assert isinstance(err.value, vm.IllegalTransition)
        assert err.value.message_key == f"visit.err.{event}_when_{state}"


def test_accepting_twice_and_cancelling_a_finished_visit_are_named() -> None:
    accepted = in_state("diterima")
    with pytest.raises(vm.IllegalTransition) as err:
        vm.accept(accepted, HOST, D1, TODAY)
    assert err.value.message_key == "visit.err.accept_when_diterima"
    with pytest.raises(vm.IllegalTransition) as err:
        vm.cancel(in_state("selesai"), REQ, "lupa")
    assert err.value.message_key == "visit.err.cancel_when_selesai"


def test_every_illegal_key_exists_in_the_catalog() -> None:
    from bot.texts import CATALOG

    for state in vm.STATES:
        for event in vm.EVENTS:
            if (state, event) not in LEGAL:
                for lang in ("id", "en"):
                    assert f"visit.err.{event}_when_{state}" in CATALOG[lang]


def test_round_only_grows_on_proposals() -> None:
    v = replace(fresh(), round=5)
    assert vm.accept(v, HOST, D1, TODAY).after.round == 5
