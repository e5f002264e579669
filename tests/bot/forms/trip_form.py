"""A small declared form used by the engine tests: a study trip with a branch and a picker."""

from __future__ import annotations

import html
from typing import Any

from pydantic import BaseModel, Field
from telegram import Update
from telegram.ext import CommandHandler

from bot import forms
from bot.context import BotContext
from bot.errors import InvalidInput
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.forms.picker import When, when_step
from bot.services import Services
from bot.timefmt import format_datetime
from bot.view import View
from handlers.forms import start_form


class Trip(BaseModel):
    forum_id: int = 0
    title: str = ""
    kind: str = ""  # "kecil" | "besar"
    people: int | None = None
    note: str = ""
    when: When = Field(default_factory=When)
    stops: list[str] = Field(default_factory=list)


SAVED: list[tuple[int, Trip]] = []


def _title(ctx: Ctx[Trip], answer: Answer) -> Trip:
    text = (answer.text or "").strip()
    if len(text) < 3:
        raise InvalidInput("meet.bad.too_short", min=3)
    return ctx.data.model_copy(update={"title": text})


def _kind(ctx: Ctx[Trip], value: str) -> Trip:
    if value not in ("kecil", "besar"):
        raise InvalidInput("bad.use_buttons")
    return ctx.data.model_copy(update={"kind": value})


def _people(ctx: Ctx[Trip], answer: Answer) -> Trip:
    text = (answer.text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise InvalidInput("meet.bad.max")
    return ctx.data.model_copy(update={"people": int(text)})


def _stop(ctx: Ctx[Trip], answer: Answer) -> Trip | Stay[Trip]:
    """Several items: each typed line is added (the step stays) until Selesai."""
    if answer.text is None:
        raise InvalidInput("bad.text_expected")
    return Stay(ctx.data.model_copy(update={"stops": [*ctx.data.stops, answer.text.strip()]}))


def _stops_done(ctx: Ctx[Trip], value: str) -> Trip:
    return ctx.data


async def _save(services: Services, user_id: int, data: Trip, lang: str) -> View:
    SAVED.append((user_id, data))
    return View(f"Tersimpan: {html.escape(data.title)}")


TRIP: Form[Trip] = Form(
    code="tt",
    model=Trip,
    steps=(
        Step("title", prompt=lambda c: View("Judul kunjungan?"), typed=_title, label="form.label.title",
             field="title", summary=lambda c: html.escape(c.data.title)),
        Step("kind", prompt=lambda c: View("Jenis?", ((c.button("Kecil", "kecil"), c.button("Besar", "besar")),)),
             choice=_kind, label="form.label.kind", field="kind", summary=lambda c: c.data.kind,
             next=lambda d: "people" if d.kind == "besar" else "when"),
        Step("people", prompt=lambda c: View("Berapa orang?"), typed=_people, label="form.label.participants",
             field="people", summary=lambda c: str(c.data.people) if c.data.kind == "besar" else None),
        when_step("when", field="when", label="form.label.when",
                  summary=lambda c: format_datetime(c.data.when.at, c.data.when.tz, c.lang) if c.data.when.at else None),
        Step("stops", prompt=lambda c: View("Tempat singgah? " + ", ".join(map(html.escape, c.data.stops)),
                                            ((c.button("Selesai", "done"),),)),
             typed=_stop, choice=_stops_done, label="form.label.place", field="stops",
             summary=lambda c: html.escape(", ".join(c.data.stops)) or "—",
             reset=lambda d: d.model_copy(update={"stops": []})),
    ),
    save=_save,
)
forms.register(TRIP)


async def _start(update: Update, context: BotContext) -> None:
    prefill: dict[str, Any] = {}
    if context.args:
        prefill["title"] = " ".join(context.args)  # "/uji Judul" starts with the title filled in
    await start_form(update, context, TRIP, Trip(forum_id=1, **prefill))


def install(app: Any) -> None:
    """Give a running Application the /uji command that starts the trip form."""
    app.add_handler(CommandHandler("uji", _start), group=-1)
