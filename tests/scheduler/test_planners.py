"""The planner registry (one table, unique names, intervals) and the named ephemeral lane."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.app import build_application
from bot.config import DeliverySettings, load_settings
from scheduler.engine import DeliveryEngine
from scheduler.planners import PLANNERS, PlannerCollision, PlannerRegistry, PlannerSpec, planner_registry
from storage.outbox import enqueue
from tests.double import Fault, TelegramDouble


async def _nothing(services: Any, now: datetime) -> None:
    return None


def test_the_registry_refuses_a_taken_name() -> None:
    registry = PlannerRegistry([PlannerSpec("digest", _nothing)])
    with pytest.raises(PlannerCollision):
        registry.add(PlannerSpec("digest", _nothing, every=5))
    assert [s.name for s in PLANNERS] == planner_registry().names()  # the table itself is collision-free


def test_interval_is_fixed_a_setting_or_the_default() -> None:
    settings = DeliverySettings(planner_every_seconds=45, progress_every_seconds=4)
    assert PlannerSpec("a", _nothing).interval(settings) == 45
    assert PlannerSpec("b", _nothing, every=600).interval(settings) == 600
    assert PlannerSpec("c", _nothing, every=lambda s: s.progress_every_seconds).interval(settings) == 4


def test_the_application_wires_every_planner_once(tmp_path: Path) -> None:
    settings = load_settings(None, environ={"TELEGRAM_BOT_TOKEN": "123:abc",
                                            "KADES_STORAGE__PATH": str(tmp_path / "k.sqlite3"),
                                            "KADES_DELIVERY__PROGRESS_EVERY_SECONDS": "7"})
    app = build_application(settings)
    registry: PlannerRegistry = app.bot_data["planners"]
    names = registry.names()
    assert len(names) == len(set(names))
    # The table's planners, then those still registered from feature modules (the shim).
    assert names[: len(PLANNERS)] == [s.name for s in PLANNERS]
    assert {"meetings", "agreements", "reports_digest", "maintenance", "inbox_prune", "broadcast_progress"} <= set(names)
    # A feature module registering a planner the table holds does not add it twice.
    runs = [s.run for s in registry]
    assert len(runs) == len(set(map(id, runs)))
    progress = next(s for s in registry if s.name == "broadcast_progress")
    assert progress.interval(settings.delivery) == 7


async def test_a_running_engine_runs_the_registrys_planners_by_name(bot: Any, db: Any, clock: Any) -> None:
    seen: list[str] = []

    async def one(services: Any, now: datetime) -> None:
        seen.append(f"one@{now:%H:%M}")

    engine = DeliveryEngine(bot=bot, db=db, clock=clock, settings=DeliverySettings())
    for spec in PlannerRegistry([PlannerSpec("one", one, every=3600)]):
        engine.add_planner(lambda now, spec=spec: spec.run(None, now), every=spec.interval(engine.settings),
                           name=spec.name)
    await engine.start()
    try:
        await engine.started()
        assert seen == [f"one@{clock.now():%H:%M}"]
        assert engine.scheduler.get_job("planner-one") is not None
    finally:
        await engine.stop()


# -- the ephemeral lane -------------------------------------------------------------------------
async def test_a_lane_sends_html_on_the_engines_bot_booked_in_the_outbox_limiter(
        double: TelegramDouble, engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    lane = engine.lane("broadcast_progress")
    assert engine.lane("broadcast_progress") is lane  # one lane per name
    message = await lane.send_message(11, "<b>10%</b> terkirim")
    await lane.edit_message_text("<b>20%</b> terkirim", chat_id=11, message_id=message.message_id)
    sent = double.sent(11)
    assert [m.text for m in sent] == ["20% terkirim"]  # parsed as HTML, then edited in place
    assert lane.sent == 2
    # Both sends were booked like outbox rows: the chat's bucket is in use.
    assert engine.dispatcher.limiter.chat_wait(11, engine.dispatcher.monotonic()) > 0


async def test_a_429_on_a_lane_pauses_the_outbox_for_that_chat(double: TelegramDouble, db: Any, clock: Any,
                                                               engine: DeliveryEngine) -> None:
    double.user(11, "Budi")
    double.inject(Fault(method="sendMessage", chat_id=11, error="429", retry_after=1, times=1))
    with pytest.raises(RetryAfter):
        await engine.lane("broadcast_progress").send_message(11, "progress")
    limiter = engine.dispatcher.limiter
    assert limiter.pause_left(11, engine.dispatcher.monotonic()) > 0.5
    async with db.transaction() as conn:
        await enqueue(conn, key="k", chat_id=11, text="Halo", due_at=clock.now(), now=clock.now())
    await engine.run_due()
    times = [r.time for r in double.request_log if r.chat_id == 11]
    assert len(times) == 2 and times[1] - times[0] >= 0.9  # the outbox row waited out the lane's 429
