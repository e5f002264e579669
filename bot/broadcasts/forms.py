"""The /siaran form, declared on the form engine (bot.forms).

"bs" composes a broadcast: the message (text, or one photo/document with a caption, the sender's
formatting kept), the recipients (toggles with a live count), then the review: the message as
recipients will see it, every answer with "Ubah ...", and Kirim. The time is asked only through
"Ubah jadwal" at the review (default: now). Every step's loader checks Action.BROADCAST again.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, time

from pydantic import BaseModel, Field

from bot import forms
from bot.broadcasts import service
from bot.broadcasts.rules import body_limit
from bot.broadcasts.service import FEATURE
from bot.callbacks import encode
from bot.dateparse import DateParseError, parse_datetime
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.permissions import ROLES
from bot.services import Services
from bot.texts import Html, t
from bot.timefmt import format_datetime, zone_label
from bot.view import Button, View
from scheduler.quiet import quiet_until, zone
from storage.broadcasts import Audience, MediaKind
from storage.models import Forum


class NewBroadcast(BaseModel):
    """A broadcast being composed by `user_id` for `forum_id`."""

    forum_id: int
    user_id: int
    text: str = ""  # HTML, escaped by PTB's *_html
    media_kind: MediaKind | None = None
    file_id: str | None = None
    members: bool = True
    kec: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    group: bool = False
    pin: bool = False
    when: datetime | None = None  # None: send at once
    lang: str = "id"  # the coordinator's, for the preview's header and footer

    def audience(self) -> Audience:
        return Audience(kecamatan=tuple(self.kec), roles=tuple(self.roles), members=self.members,
                        group=self.group)


@dataclass(frozen=True)
class Loaded:
    """What a step shows from the database (the permission is checked on the way)."""

    forum: Forum
    count: int = 0
    kecamatan: tuple[tuple[str, str], ...] = ()
    body: str = ""
    quiet: tuple[time, time] | None = None  # the delivery quiet hours, for the preview's note


async def _load(services: Services, data: NewBroadcast, step: str) -> Loaded:
    forum = await service.require_forum(services, data.forum_id, data.user_id)
    if step not in ("audience", forms.REVIEW):
        return Loaded(forum)
    count = await service.audience_size(services, forum.id, data.audience(), data.user_id)
    if step == "audience":
        return Loaded(forum, count, tuple(await service.kecamatan_choices(services, forum.id)))
    body = await service.rendered(services, forum, data.text, data.user_id, data.lang)
    settings = services.settings.delivery
    return Loaded(forum, count, body=body, quiet=(settings.quiet_start, settings.quiet_end))


# -- the message -----------------------------------------------------------------------------------
def _text(ctx: Ctx[NewBroadcast], answer: Answer) -> NewBroadcast:
    media: MediaKind | None = None
    if answer.file_id is not None:
        media = "photo" if answer.file_kind == "photo" else "document"
    body = answer.html if answer.html is not None else html.escape(answer.text or "", quote=False)
    if media is None and not body:
        raise InvalidInput("bc.need_content")
    limit = body_limit(media is not None)
    if len(body) > limit:
        raise InvalidInput("bc.too_long", length=len(body), limit=limit)
    return ctx.data.model_copy(update={"text": body, "media_kind": media, "file_id": answer.file_id})


def _text_summary(ctx: Ctx[NewBroadcast]) -> str:
    media = ctx.t(f"bc.media.{ctx.data.media_kind}") if ctx.data.media_kind else ""
    return ctx.t("bc.text_summary", length=len(ctx.data.text), media=media)


# -- the recipients ------------------------------------------------------------------------------
def _mark(on: bool) -> str:
    return "✅" if on else "⬜"


def _group_suffix(data: NewBroadcast, lang: str) -> Html:
    if not data.group:
        return Html("")
    return t("bc.plus_group_pinned" if data.pin else "bc.plus_group", lang)


def _ask_audience(ctx: Ctx[NewBroadcast]) -> View:
    data, loaded = ctx.data, ctx.extra
    rows: list[tuple[Button, ...]] = [
        (ctx.button(ctx.t("bc.aud_members_on" if data.members else "bc.aud_members_off"), "m"),)]
    for code, name in loaded.kecamatan:
        rows.append((ctx.button(ctx.t("bc.aud_kec", mark=_mark(code in data.kec), name=name), f"k.{code}"),))
    rows.append(tuple(ctx.button(ctx.t("bc.aud_role", mark=_mark(role in data.roles), role=t(f"bc.role.{role}", ctx.lang)),
                                 f"r.{role}") for role in ROLES))
    if loaded.forum.group_chat_id is not None:
        rows.append((ctx.button(ctx.t("bc.aud_group", mark=_mark(data.group)), "g"),
                     ctx.button(ctx.t("bc.aud_pin", mark=_mark(data.group and data.pin)), "p")))
    rows.append((ctx.button(ctx.t("bc.next"), "next"),))
    return View(ctx.t("bc.audience", count=loaded.count, group=_group_suffix(data, ctx.lang)), tuple(rows))


def _toggle(items: list[str], item: str) -> list[str]:
    return [i for i in items if i != item] if item in items else [*items, item]


def _audience_choice(ctx: Ctx[NewBroadcast], value: str) -> NewBroadcast | Stay[NewBroadcast]:
    """Toggle one choice (the count is redrawn), or move on when someone would receive it."""
    data, loaded = ctx.data, ctx.extra
    has_group = loaded.forum.group_chat_id is not None
    what, _, arg = value.partition(".")
    if what == "next":
        if loaded.count == 0 and not (data.group and has_group):
            raise InvalidInput("bc.no_recipients")
        return data
    if what == "m":
        data = data.model_copy(update={"members": not data.members})
    elif what == "k" and arg in {code for code, _ in loaded.kecamatan}:
        data = data.model_copy(update={"kec": _toggle(data.kec, arg)})
    elif what == "r" and arg in ROLES:
        data = data.model_copy(update={"roles": _toggle(data.roles, arg)})
    elif what == "g" and has_group:
        data = data.model_copy(update={"group": not data.group})
    elif what == "p" and has_group:
        data = data.model_copy(update={"pin": not data.pin, "group": data.group or not data.pin})
    else:
        raise StaleAction()
    return Stay(data)


def _audience_summary(ctx: Ctx[NewBroadcast]) -> str:
    return ctx.t("bc.audience_summary", count=ctx.extra.count, group=_group_suffix(ctx.data, ctx.lang))


# -- when -----------------------------------------------------------------------------------------
def _ask_when(ctx: Ctx[NewBroadcast]) -> View:
    return View(ctx.t("bc.ask_when", zone=zone_label(zone(ctx.extra.forum.timezone))),
                ((ctx.button(ctx.t("bc.send_now"), "now"),),))


def _when_typed(ctx: Ctx[NewBroadcast], answer: Answer) -> NewBroadcast:
    try:
        when = parse_datetime(answer.text or "", now=ctx.now, tz=zone(ctx.extra.forum.timezone))
    except DateParseError:
        raise InvalidInput("bc.when_bad") from None
    return ctx.data.model_copy(update={"when": when})


def _when_choice(ctx: Ctx[NewBroadcast], value: str) -> NewBroadcast:
    if value != "now":
        raise StaleAction()
    return ctx.data.model_copy(update={"when": None})


def _when_summary(ctx: Ctx[NewBroadcast]) -> str:
    if ctx.data.when is None:
        return ctx.t("bc.when_now")
    return html.escape(format_datetime(ctx.data.when, zone(ctx.extra.forum.timezone), ctx.lang))


# -- review and save ------------------------------------------------------------------------------
def _review_head(ctx: Ctx[NewBroadcast]) -> str:
    """The preview: recipients, the quiet-hours note for an immediate send, the message itself."""
    loaded: Loaded = ctx.extra
    quiet = Html("")
    # The quiet note is for sends that start now; a scheduled time is the coordinator's choice.
    if ctx.data.when is None and loaded.quiet and quiet_until(ctx.now, zone(loaded.forum.timezone), *loaded.quiet):
        start, end = loaded.quiet
        quiet = t("bc.quiet_note", ctx.lang, start=start.strftime("%H.%M"), end=end.strftime("%H.%M"))
    return ctx.t("bc.preview", count=loaded.count, group=_group_suffix(ctx.data, ctx.lang), quiet=quiet,
                 body=Html(loaded.body)) + "\n"


async def _save(services: Services, user_id: int, data: NewBroadcast, lang: str) -> View:
    """Store the broadcast and its pushes in one unit; an immediate one also queues its progress
    message there (the monitor edits it from then on)."""
    now = services.clock.now()
    draft = service.Draft(text=data.text, media_kind=data.media_kind, file_id=data.file_id, pin=data.pin)
    broadcast = await service.create(services, forum_id=data.forum_id, coordinator=user_id, draft=draft,
                                     audience=data.audience(), when=data.when or now, announce=data.when is None,
                                     from_form=True)
    if data.when is None:
        return View(str(t("bc.started", lang, id=broadcast.id, count=broadcast.recipients)))
    forum = await service.require_forum(services, data.forum_id, user_id)
    return View(str(t("bc.scheduled", lang, id=broadcast.id, when=format_datetime(data.when, zone(forum.timezone), lang),
                      count=broadcast.recipients)),
                ((Button(str(t("bc.cancel_scheduled", lang, id=broadcast.id)), data=encode(FEATURE, "cs", broadcast.id)),),))


NEW_BROADCAST = forms.register(Form(
    code="bs", model=NewBroadcast, save=_save, load_at=_load, review_head=_review_head, save_label="bc.btn.send",
    steps=(
        Step("text", prompt=lambda c: View(c.t("bc.compose", forum=c.extra.forum.name)), typed=_text,
             label="bc.label.text", summary=_text_summary),
        Step("audience", prompt=_ask_audience, choice=_audience_choice, label="bc.label.audience",
             summary=_audience_summary, next=lambda d: None),
        # Asked only through "Ubah jadwal" at the review: by default a broadcast goes out at once.
        Step("when", prompt=_ask_when, typed=_when_typed, choice=_when_choice, label="bc.label.when",
             summary=_when_summary),
    )))


def new_broadcast(forum_id: int, user_id: int, lang: str) -> NewBroadcast:
    return NewBroadcast(forum_id=forum_id, user_id=user_id, lang=lang)
