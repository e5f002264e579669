"""The engine's pure parts: which step comes next, and what the review offers."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.forms import REVIEW, Ctx
from bot.forms.engine import _following, _review, _State
from bot.forms.picker import When
from tests.bot.forms.trip_form import TRIP, Trip


def state(data: Trip, step: str = "", done: tuple[str, ...] = ()) -> _State:
    return _State(TRIP, step, data, 7, list(done))


def test_next_follows_the_declared_order_and_the_branch() -> None:
    assert _following(state(Trip()), None) == "title"
    assert _following(state(Trip(kind="besar")), "kind") == "people"
    assert _following(state(Trip(kind="kecil")), "kind") == "when"


def test_answered_steps_are_skipped_and_the_end_is_the_review() -> None:
    done = ("title", "kind", "when", "stops")
    assert _following(state(Trip(kind="kecil"), done=done), "kind") == REVIEW
    assert _following(state(Trip(kind="besar"), done=done), "kind") == "people"  # the branch needs it now
    assert _following(state(Trip(), done=("title",)), None) == "kind"  # prefilled title


def test_the_review_offers_a_change_for_every_shown_answer() -> None:
    trip = Trip(title="Studi <banding>", kind="kecil",
                when=When(at=datetime(2026, 12, 12, 2, tzinfo=UTC)), stops=["Balai"])
    view = _review(Ctx(trip, "id", datetime(2026, 11, 24, tzinfo=UTC), None, "tt", 7), state(trip, REVIEW))
    assert "Studi &lt;banding&gt;" in view.text and "Sabtu, 12 Desember 2026 pukul 09.00 WIB" in view.text
    labels = [b.label for row in view.buttons for b in row]
    assert labels == ["✅ Simpan", "Ubah judul", "Ubah jenis", "Ubah waktu", "Ubah tempat", "Batal"]
    assert all(b.data and b.data.startswith("f:tt:7:") for row in view.buttons for b in row)
