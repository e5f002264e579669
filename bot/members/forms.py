"""The join form and the new-forum form, declared on the form engine (bot.forms).

"oj" asks someone who opened an invite link for name, jabatan and village (the fuzzy village
search: the forum's own area first, near spellings asked as "Maksud Bapak/Ibu: …?", and "Tidak ada
di daftar" to search the whole country), then the review with "Kirim permintaan". A person whose
profile is complete starts at the review with their profile filled in.

"of" (/forum_baru) asks the forum's name and area (a kecamatan, kabupaten or province), then the
same profile questions (skipped for a complete profile), then the review with "Buat forum".
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from bot import forms
from bot.errors import InvalidInput, StaleAction
from bot.forms import REVIEW, Answer, Ctx, Form, Stay, Step
from bot.members import service
from bot.profile_rules import MAX_FORUM_NAME, clean_name
from bot.render import JABATAN, jabatan_label, scope_label, village_button, village_line
from bot.services import Services
from bot.texts import t
from bot.timefmt import zone_for_region, zone_label
from bot.view import View
from storage.models import Forum, Region

P = TypeVar("P", bound="Profile")

EVERYWHERE = "all"  # the "Tidak ada di daftar" button's value (region codes never equal it)


class Profile(BaseModel):
    """The profile questions both forms ask: name, jabatan, village."""

    name: str = ""
    jabatan: str = ""
    village_code: str = ""
    village_query: str = ""  # what was typed at the village step, searched by the loader
    village_everywhere: bool = False  # "Tidak ada di daftar": search the whole country
    home_scope: str = ""  # the area whose villages come first ("" = none: the whole country)


class Join(Profile):
    """A join request being filled in by the invited person for `forum_id`."""

    forum_id: int
    role: str = ""  # the role the invite was made for


class NewForum(Profile):
    """A forum being created; its creator (the person filling it in) becomes its koordinator."""

    forum_name: str = ""
    scope_code: str = ""
    scope_query: str = ""  # what was typed at the scope step, searched by the loader


@dataclass(frozen=True)
class Found:
    """What the loader fetched for the step being shown."""

    forum: Forum | None = None
    villages: list[tuple[Region, bool]] = field(default_factory=list)  # True: only a near spelling
    prefer: str | None = None  # the area searched first (None: the whole country)
    village: Region | None = None  # the chosen village (at the review)
    scopes: list[Region] = field(default_factory=list)
    scope: Region | None = None  # the chosen area (at the review)


async def _villages(services: Services, data: Profile, home: str | None) -> Found:
    prefer = None if data.village_everywhere or not home else home
    found = await services.regions.search_ranked(data.village_query, levels=(4,), prefer=prefer) \
        if data.village_query else []
    return Found(villages=found, prefer=prefer)


async def _load_join(services: Services, data: Join, step: str) -> Found | None:
    if step == "village":
        forum = await services.forums.get(data.forum_id)
        return await _villages(services, data, forum.scope_code if forum else None)
    if step == REVIEW:
        forum = await services.forums.get(data.forum_id)
        village = await services.regions.get(data.village_code) if data.village_code else None
        return Found(forum=forum, village=village)
    return None


async def _load_forum(services: Services, data: NewForum, step: str) -> Found | None:
    if step == "village":
        return await _villages(services, data, data.home_scope)
    if step == "scope" and data.scope_query:
        return Found(scopes=await services.regions.search(data.scope_query, levels=(3, 2, 1)))
    if step == REVIEW:
        village = await services.regions.get(data.village_code) if data.village_code else None
        scope = await services.regions.get(data.scope_code) if data.scope_code else None
        return Found(village=village, scope=scope)
    return None


# -- name and jabatan ----------------------------------------------------------------------------------
def _name(ctx: Ctx[P], answer: Answer) -> P:
    return ctx.data.model_copy(update={"name": clean_name(answer.text)})


def _ask_jabatan(ctx: Ctx[Any]) -> View:
    return View(ctx.t("ask.jabatan"), tuple((ctx.button(jabatan_label(key, ctx.lang), key),) for key in JABATAN))


def _jabatan(ctx: Ctx[P], value: str) -> P:
    if value not in JABATAN:
        raise StaleAction()
    return ctx.data.model_copy(update={"jabatan": value})


# -- the village: typed, searched by the loader, picked with a button -----------------------------------
def _ask_village(ctx: Ctx[Any]) -> View:
    extra = ctx.extra if isinstance(ctx.extra, Found) else None
    query = ctx.data.village_query
    if not query or extra is None:
        return View(ctx.t("ask.village_everywhere" if ctx.data.village_everywhere else "ask.village"))
    if not extra.villages:
        short = sum(ch.isalpha() for ch in query) < 3
        return View(ctx.t("bad.village_short") if short else ctx.t("bad.village_none", query=query.strip()[:40]))
    rows = [(ctx.button(village_button(region), region.code),) for region, _ in extra.villages]
    if extra.prefer is not None:
        rows.append((ctx.button(ctx.t("village.not_listed"), EVERYWHERE),))
    guessed = all(near for _, near in extra.villages)
    text = (ctx.t("ask.village_did_you_mean", name=extra.villages[0][0].name) if guessed
            else ctx.t("ask.village_pick"))
    return View(text, tuple(rows))


def _village_typed(ctx: Ctx[P], answer: Answer) -> Stay[P]:
    if not answer.text:
        raise InvalidInput("bad.text_expected")
    return Stay(ctx.data.model_copy(update={"village_query": answer.text[:80]}), new_message=True)


def _village_choice(ctx: Ctx[P], value: str) -> P | Stay[P]:
    if value == EVERYWHERE:
        return Stay(ctx.data.model_copy(update={"village_everywhere": True, "village_query": ""}),
                    new_message=True)
    # A button of an earlier search at this step still counts (as before); the village is checked
    # again when the request is sent.
    if value.count(".") != 3:
        raise StaleAction()
    return ctx.data.model_copy(update={"village_code": value, "village_query": ""})


def _village_summary(ctx: Ctx[Any]) -> str:
    village = ctx.extra.village if isinstance(ctx.extra, Found) else None
    return str(village_line(village, ctx.lang)) if village is not None else html.escape(ctx.data.village_code)


def _review_head(ctx: Ctx[Join]) -> str:
    forum = ctx.extra.forum if isinstance(ctx.extra, Found) else None
    if forum is None:
        raise StaleAction()
    return ctx.t("join.review", forum=forum.name)


async def _save(services: Services, user_id: int, data: Join, lang: str) -> View:
    if not (data.name and data.jabatan and data.village_code):
        raise StaleAction()
    forum = await service.send_join_request(services, user_id=user_id, forum_id=data.forum_id,
                                            invited_role=data.role or None, name=data.name,
                                            jabatan=data.jabatan, village_code=data.village_code, language=lang)
    return View(str(t("join.sent", lang, forum=forum.name)))


def _profile_steps() -> tuple[Step[Any], ...]:
    """Name, jabatan and village: the same questions (and search) in both forms."""
    return (
        Step("name", prompt=lambda c: View(c.t("ask.name")), typed=_name, label="join.label.name",
             field="name", summary=lambda c: html.escape(c.data.name)),
        Step("jabatan", prompt=_ask_jabatan, choice=_jabatan, label="join.label.jabatan", field="jabatan",
             summary=lambda c: html.escape(jabatan_label(c.data.jabatan, c.lang))),
        Step("village", prompt=_ask_village, typed=_village_typed, choice=_village_choice,
             label="join.label.village", field="village_code", summary=_village_summary,
             reset=lambda d: d.model_copy(update={"village_query": "", "village_everywhere": False})),
    )


JOIN: Form[Join] = forms.register(Form(
    code="oj", model=Join, save=_save, load_at=_load_join, review_head=_review_head, save_label="join.send",
    steps=_profile_steps()))


# -- /forum_baru: the forum's name and area, then the creator's profile ----------------------------------
def _forum_name(ctx: Ctx[NewForum], answer: Answer) -> NewForum:
    return ctx.data.model_copy(update={"forum_name": clean_name(answer.text, max_length=MAX_FORUM_NAME)})


def _ask_scope(ctx: Ctx[NewForum]) -> View:
    extra = ctx.extra if isinstance(ctx.extra, Found) else None
    query = ctx.data.scope_query
    if not query or extra is None:
        return View(ctx.t("forum.ask_scope"))
    if not extra.scopes:
        return View(ctx.t("forum.scope_none", query=query.strip()[:40]))
    return View(ctx.t("forum.scope_pick"),
                tuple((ctx.button(scope_label(region, ctx.lang), region.code),) for region in extra.scopes))


def _scope_typed(ctx: Ctx[NewForum], answer: Answer) -> Stay[NewForum]:
    if not answer.text:
        raise InvalidInput("bad.text_expected")
    return Stay(ctx.data.model_copy(update={"scope_query": answer.text[:80]}), new_message=True)


def _scope_choice(ctx: Ctx[NewForum], value: str) -> NewForum:
    if not 0 < value.count(".") + 1 <= 3:  # a province, kabupaten or kecamatan code
        raise StaleAction()
    return ctx.data.model_copy(update={"scope_code": value, "scope_query": ""})


def _scope_summary(ctx: Ctx[NewForum]) -> str:
    scope = ctx.extra.scope if isinstance(ctx.extra, Found) else None
    return html.escape(scope_label(scope, ctx.lang) if scope is not None else ctx.data.scope_code)


def _forum_head(ctx: Ctx[NewForum]) -> str:
    zone = zone_for_region(ctx.data.scope_code)
    return ctx.t("forum.review", zone=f"{zone_label(zone)} ({zone.key})")


async def _create(services: Services, user_id: int, data: NewForum, lang: str) -> View:
    if not (data.forum_name and data.scope_code and data.name and data.jabatan and data.village_code):
        raise StaleAction()
    await service.create_forum(services, user_id=user_id, name=data.name, jabatan=data.jabatan,
                               village_code=data.village_code, forum_name=data.forum_name,
                               scope_code=data.scope_code, language=lang)
    return View(str(t("forum.created", lang, name=data.forum_name)))


NEW_FORUM: Form[NewForum] = forms.register(Form(
    code="of", model=NewForum, save=_create, load_at=_load_forum, review_head=_forum_head,
    save_label="forum.create",
    steps=(
        Step("forum_name", prompt=lambda c: View(c.t("forum.ask_name")), typed=_forum_name,
             label="forum.label.name", field="forum_name", summary=lambda c: html.escape(c.data.forum_name)),
        Step("scope", prompt=_ask_scope, typed=_scope_typed, choice=_scope_choice, label="forum.label.scope",
             field="scope_code", summary=_scope_summary,
             reset=lambda d: d.model_copy(update={"scope_query": ""})),
        *_profile_steps(),
    )))


# -- /profil: change one answer (name, jabatan or village), saved as soon as it is given ------------------
class ProfileEdit(Profile):
    """One profile answer being changed (`changing`: the step asked)."""

    changing: str = ""


async def _load_profile(services: Services, data: ProfileEdit, step: str) -> Found | None:
    return await _villages(services, data, data.home_scope) if step == "village" else None


async def _change(services: Services, user_id: int, data: ProfileEdit, lang: str) -> View:
    if data.changing == "village":
        request = await service.request_village_change(services, user_id, data.village_code)
        if request.pending_in:
            return View(str(t("vc.requested", lang, village=request.village_name,
                              forums=", ".join(f.name for f in request.pending_in))))
    elif data.changing in ("name", "jabatan"):
        await service.change_profile(services, user_id, name=data.name, jabatan=data.jabatan)
    else:
        raise StaleAction()
    return View(str(t("profile.saved", lang)))


PROFILE: Form[ProfileEdit] = forms.register(Form(
    code="op", model=ProfileEdit, save=_change, load_at=_load_profile, review=False,
    steps=_profile_steps()))
