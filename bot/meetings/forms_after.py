"""The small meeting forms, declared on the form engine (bot.forms).

"mr" is the typed follow-up of an RSVP: after Tidak hadir the next message is the reason, after
Hadir the number coming (one answer, saved at once: no review). "ma" is the daftar hadir: one
step of toggles and Simpan. "mm" is the notulen: decisions (several messages), then action
items (what, who, by when; repeated), then a review of the notulen as they will be sent, where
both lists can be typed again before "Simpan dan kirim notulen". The codes are those of the
hand-rolled forms they replace: a draft one of those left at the upgrade is dropped by the
engine with a polite word.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from bot import forms
from bot.dateparse import DateParseError, parse_date
from bot.errors import InvalidInput, StaleAction
from bot.forms import REVIEW, Answer, Ctx, Form, Stay, Step
from bot.meetings import loaders, service
from bot.meetings.rules import (
    MAX_ACTIONS,
    MAX_DECISIONS,
    MAX_ITEM,
    MAX_REASON,
    agenda_items,
    clean_text,
    party_from_text,
)
from bot.meetings.rules import (
    Answer as RsvpAnswer,
)
from bot.meetings.service import AttendanceSheet, PlannedAction
from bot.meetings.views_after import attendance_saved, attendance_sheet, minutes_text, owner_choices
from bot.render import date_problem
from bot.services import Services
from bot.texts import t
from bot.view import View


def _text_of(answer: Answer) -> str:
    if answer.text is None:
        raise InvalidInput("bad.text_expected")
    return answer.text


# -- "mr": the reason for not coming, or how many come ---------------------------------------------
class FollowUp(BaseModel):
    """The typed answer that follows an RSVP (the RSVP itself is already saved)."""

    meeting_id: int
    party: int | None = None
    reason: str = ""


def _party(ctx: Ctx[FollowUp], answer: Answer) -> FollowUp:
    return ctx.data.model_copy(update={"party": party_from_text(_text_of(answer))})


def _reason(ctx: Ctx[FollowUp], answer: Answer) -> FollowUp:
    return ctx.data.model_copy(update={"reason": clean_text(_text_of(answer), max_length=MAX_REASON)})


async def _save_follow_up(services: Services, user_id: int, data: FollowUp, lang: str) -> View:
    if data.party is not None:
        meeting, _ = await service.rsvp(services, data.meeting_id, user_id, "yes", party_size=data.party,
                                        via="private")
        return View(str(t("meet.rsvp.party_saved", lang, title=meeting.title, n=data.party)))
    try:
        meeting = await service.give_reason(services, data.meeting_id, user_id, data.reason)
    except StaleAction:
        # The answer is no longer Tidak hadir (changed in the group since): this question is over.
        await services.drafts.clear(user_id)
        raise InvalidInput("meet.rsvp.reason_not_needed") from None
    return View(str(t("meet.rsvp.reason_saved", lang, title=meeting.title)))


FOLLOW_UP: Form[FollowUp] = forms.register(Form(
    code="mr", model=FollowUp, save=_save_follow_up, review=False,
    steps=(Step("party", prompt=lambda c: View(c.t("meet.rsvp.type_party")), typed=_party, next=lambda d: None),
           Step("reason", prompt=lambda c: View(c.t("meet.rsvp.type_reason")), typed=_reason, next=lambda d: None))))


async def ask_follow_up(services: Services, user_id: int, meeting_id: int, answer: RsvpAnswer, lang: str) -> None:
    """After Hadir the next typed message is the number coming; after Tidak hadir, the reason.

    The RSVP's reply already asks the question, so the form starts quietly. A form already in
    progress (a post being written) is never replaced by this small question.
    """
    current = await services.drafts.get(user_id)
    if current is not None and current.flow != FOLLOW_UP.code:
        return
    if answer in ("yes", "no"):
        await forms.start(services, user_id, FOLLOW_UP, FollowUp(meeting_id=meeting_id), lang,
                          only="party" if answer == "yes" else "reason")
    elif current is not None:
        await services.drafts.clear(user_id)


async def drop_follow_up(services: Services, user_id: int) -> None:
    """The number was picked with a button: the typed question is over."""
    current = await services.drafts.get(user_id)
    if current is not None and current.flow == FOLLOW_UP.code:
        await services.drafts.clear(user_id)


# -- "ma": daftar hadir -------------------------------------------------------------------------------------
SAVE = "ok"


class Attendance(BaseModel):
    meeting_id: int
    title: str
    people: list[tuple[int, str]]  # (user id, "Name (Village)")
    present: list[int]


def attendance_of(sheet: AttendanceSheet) -> Attendance:
    return Attendance(meeting_id=sheet.meeting.id, title=sheet.meeting.title,
                      people=[(int(uid), str(name)) for uid, name in sheet.people], present=sheet.present)


def _sheet(ctx: Ctx[Attendance]) -> View:
    d = ctx.data
    return attendance_sheet(d.title, d.people, set(d.present), ctx.lang, ctx.button, SAVE)


def _toggle(ctx: Ctx[Attendance], value: str) -> Attendance | Stay[Attendance]:
    if value == SAVE:
        return ctx.data
    if not value.isdigit() or int(value) not in {uid for uid, _ in ctx.data.people}:
        raise StaleAction()
    present = set(ctx.data.present) ^ {int(value)}
    return Stay(ctx.data.model_copy(update={"present": sorted(present)}))


async def _save_attendance(services: Services, user_id: int, data: Attendance, lang: str) -> View:
    meeting, total = await service.record_attendance(services, data.meeting_id, user_id,
                                                     [uid for uid, _ in data.people], set(data.present))
    return attendance_saved(meeting, len(data.present), total, lang)


ATTENDANCE: Form[Attendance] = forms.register(Form(
    code="ma", model=Attendance, save=_save_attendance, review=False,
    steps=(Step("pick", prompt=_sheet, choice=_toggle),)))


# -- "mm": notulen and action items ------------------------------------------------------------------------
DONE = "ok"


class Action(BaseModel):
    text: str
    owner: int
    due: date


class Minutes(BaseModel):
    """The notulen being written. An action item is typed, then its owner picked, then its date typed:
    `pending` holds the typed task until then, `owner` the picked owner until the date comes."""

    meeting_id: int
    forum_id: int
    title: str
    timezone: str
    decisions: list[str] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    pending: str = ""
    owner: int | None = None


def minutes_of(meeting_id: int, forum_id: int, title: str, timezone: str) -> Minutes:
    return Minutes(meeting_id=meeting_id, forum_id=forum_id, title=title, timezone=timezone)


def _decisions_prompt(ctx: Ctx[Minutes]) -> View:
    items = ctx.data.decisions
    text = (ctx.t("meet.min.decisions_so_far", items="\n".join(f"{i}. {x}" for i, x in enumerate(items, 1)))
            if items else ctx.t("meet.min.ask_decisions", title=ctx.data.title))
    return View(text, ((ctx.button(ctx.t("meet.btn.done"), DONE),),))


def _decisions_typed(ctx: Ctx[Minutes], answer: Answer) -> Stay[Minutes]:
    items = [*ctx.data.decisions, *agenda_items(_text_of(answer))]
    if len(items) > MAX_DECISIONS:
        raise InvalidInput("meet.bad.agenda_many", max=MAX_DECISIONS)
    return Stay(ctx.data.model_copy(update={"decisions": items}), new_message=True)


def _decisions_done(ctx: Ctx[Minutes], value: str) -> Minutes:
    if value != DONE:
        raise StaleAction()
    return ctx.data


def _actions_prompt(ctx: Ctx[Minutes]) -> View:
    d = ctx.data
    if d.pending and d.owner is None:
        return owner_choices(ctx.extra or [], d.pending, ctx.lang, ctx.button)
    if d.pending:
        return View(ctx.t("meet.min.ask_due"))
    ask = ctx.t("meet.min.ask_action")
    if d.actions:  # one was just added: say so above the next question
        ask = f"{ctx.t('meet.min.action_added', count=len(d.actions))}\n\n{ask}"
    return View(ask, ((ctx.button(ctx.t("meet.btn.no_more_actions"), DONE),),))


def _actions_typed(ctx: Ctx[Minutes], answer: Answer) -> Stay[Minutes]:
    d = ctx.data
    text = _text_of(answer)
    if not d.pending:
        if len(d.actions) >= MAX_ACTIONS:
            raise InvalidInput("meet.bad.agenda_many", max=MAX_ACTIONS)
        task = clean_text(text, max_length=MAX_ITEM, min_length=3, single_line=True)
        return Stay(d.model_copy(update={"pending": task}), new_message=True)
    if d.owner is None:
        raise InvalidInput("bad.use_buttons")
    try:
        due = parse_date(text[:100], now=ctx.now, tz=ZoneInfo(d.timezone))
    except DateParseError as exc:
        raise date_problem(exc, "meet.bad.date.") from None
    actions = [*d.actions, Action(text=d.pending, owner=d.owner, due=due)]
    return Stay(d.model_copy(update={"actions": actions, "pending": "", "owner": None}), new_message=True)


def _actions_choice(ctx: Ctx[Minutes], value: str) -> Minutes | Stay[Minutes]:
    d = ctx.data
    if not d.pending and value == DONE:
        return d
    if d.pending and d.owner is None and value.lstrip("-").isdigit() \
            and int(value) in {uid for uid, _ in ctx.extra or []}:
        return Stay(d.model_copy(update={"owner": int(value)}), new_message=True)
    raise StaleAction()  # a button of an earlier question of this step


def _minutes_preview(ctx: Ctx[Minutes]) -> str:
    d = ctx.data
    actions = [(a.text, a.owner, a.due) for a in d.actions]
    return f"{ctx.t('meet.min.confirm')}\n\n{minutes_text(d.title, d.decisions, actions, ctx.extra or {}, ctx.lang)}"


async def _load_minutes(services: Services, data: Minutes, step: str) -> Any:
    """Only what the step shows: the owners to pick from, or the owners' names at the review."""
    if step == "actions" and data.pending and data.owner is None:
        return await loaders.people(services, data.forum_id)
    if step == REVIEW:
        return await loaders.names_of(services, [a.owner for a in data.actions])
    return None


async def _save_minutes(services: Services, user_id: int, data: Minutes, lang: str) -> View:
    meeting = await service.save_minutes(services, data.meeting_id, user_id, data.decisions,
                                         [PlannedAction(a.text, a.owner, a.due) for a in data.actions])
    return View(str(t("meet.min.saved", lang, title=meeting.title)))


MINUTES: Form[Minutes] = forms.register(Form(
    code="mm", model=Minutes, save=_save_minutes, load_at=_load_minutes, review_head=_minutes_preview,
    save_label="meet.btn.post_minutes",
    steps=(
        Step("decisions", prompt=_decisions_prompt, typed=_decisions_typed, choice=_decisions_done,
             label="meet.label.decisions", summary=lambda c: c.t("meet.min.count", n=len(c.data.decisions)),
             reset=lambda d: d.model_copy(update={"decisions": []})),
        Step("actions", prompt=_actions_prompt, typed=_actions_typed, choice=_actions_choice,
             label="meet.label.actions", summary=lambda c: c.t("meet.min.count", n=len(c.data.actions)),
             reset=lambda d: d.model_copy(update={"actions": [], "pending": "", "owner": None})),
    )))
