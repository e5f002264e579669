"""The join form, declared on the form engine (bot.forms).

"oj" asks someone who opened an invite link for name, jabatan and village (the fuzzy village
search: the forum's own area first, near spellings asked as "Maksud Bapak/Ibu: …?", and "Tidak ada
di daftar" to search the whole country), then the review with "Kirim permintaan". A person whose
profile is complete starts at the review with their profile filled in.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from pydantic import BaseModel

from bot import forms
from bot.errors import InvalidInput, StaleAction
from bot.forms import REVIEW, Answer, Ctx, Form, Stay, Step
from bot.members import service
from bot.profile_rules import clean_name
from bot.render import JABATAN, jabatan_label, village_button, village_line
from bot.services import Services
from bot.texts import t
from bot.view import View
from storage.models import Forum, Region

EVERYWHERE = "all"  # the "Tidak ada di daftar" button's value (region codes never equal it)


class Join(BaseModel):
    """A join request being filled in by the invited person for `forum_id`."""

    forum_id: int
    role: str = ""  # the role the invite was made for
    name: str = ""
    jabatan: str = ""
    village_code: str = ""
    village_query: str = ""  # what was typed at the village step, searched by the loader
    village_everywhere: bool = False  # "Tidak ada di daftar": search the whole country


@dataclass(frozen=True)
class JoinExtra:
    forum: Forum | None
    found: list[tuple[Region, bool]]  # the typed village's matches (True: only a near spelling)
    prefer: str | None  # the area searched first (None: the whole country)
    village: Region | None  # the chosen village (at the review)


async def _load(services: Services, data: Join, step: str) -> JoinExtra | None:
    if step == "village":
        forum = await services.forums.get(data.forum_id)
        prefer = None if data.village_everywhere or forum is None else forum.scope_code
        found = await services.regions.search_ranked(data.village_query, levels=(4,), prefer=prefer) \
            if data.village_query else []
        return JoinExtra(forum, found, prefer, None)
    if step == REVIEW:
        forum = await services.forums.get(data.forum_id)
        village = await services.regions.get(data.village_code) if data.village_code else None
        return JoinExtra(forum, [], None, village)
    return None


# -- name and jabatan ----------------------------------------------------------------------------------
def _name(ctx: Ctx[Join], answer: Answer) -> Join:
    return ctx.data.model_copy(update={"name": clean_name(answer.text)})


def _ask_jabatan(ctx: Ctx[Join]) -> View:
    return View(ctx.t("ask.jabatan"), tuple((ctx.button(jabatan_label(key, ctx.lang), key),) for key in JABATAN))


def _jabatan(ctx: Ctx[Join], value: str) -> Join:
    if value not in JABATAN:
        raise StaleAction()
    return ctx.data.model_copy(update={"jabatan": value})


# -- the village: typed, searched by the loader, picked with a button -----------------------------------
def _ask_village(ctx: Ctx[Join]) -> View:
    extra = ctx.extra if isinstance(ctx.extra, JoinExtra) else None
    query = ctx.data.village_query
    if not query or extra is None:
        return View(ctx.t("ask.village_everywhere" if ctx.data.village_everywhere else "ask.village"))
    if not extra.found:
        short = sum(ch.isalpha() for ch in query) < 3
        return View(ctx.t("bad.village_short") if short else ctx.t("bad.village_none", query=query.strip()[:40]))
    rows = [(ctx.button(village_button(region), region.code),) for region, _ in extra.found]
    if extra.prefer is not None:
        rows.append((ctx.button(ctx.t("village.not_listed"), EVERYWHERE),))
    guessed = all(near for _, near in extra.found)
    text = (ctx.t("ask.village_did_you_mean", name=extra.found[0][0].name) if guessed
            else ctx.t("ask.village_pick"))
    return View(text, tuple(rows))


def _village_typed(ctx: Ctx[Join], answer: Answer) -> Stay[Join]:
    if not answer.text:
        raise InvalidInput("bad.text_expected")
    return Stay(ctx.data.model_copy(update={"village_query": answer.text[:80]}), new_message=True)


def _village_choice(ctx: Ctx[Join], value: str) -> Join | Stay[Join]:
    if value == EVERYWHERE:
        return Stay(ctx.data.model_copy(update={"village_everywhere": True, "village_query": ""}),
                    new_message=True)
    # A button of an earlier search at this step still counts (as before); the village is checked
    # again when the request is sent.
    if value.count(".") != 3:
        raise StaleAction()
    return ctx.data.model_copy(update={"village_code": value, "village_query": ""})


def _village_summary(ctx: Ctx[Join]) -> str:
    village = ctx.extra.village if isinstance(ctx.extra, JoinExtra) else None
    return str(village_line(village, ctx.lang)) if village is not None else html.escape(ctx.data.village_code)


def _review_head(ctx: Ctx[Join]) -> str:
    forum = ctx.extra.forum if isinstance(ctx.extra, JoinExtra) else None
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


JOIN: Form[Join] = forms.register(Form(
    code="oj", model=Join, save=_save, load_at=_load, review_head=_review_head, save_label="join.send",
    steps=(
        Step("name", prompt=lambda c: View(c.t("ask.name")), typed=_name, label="join.label.name",
             field="name", summary=lambda c: html.escape(c.data.name)),
        Step("jabatan", prompt=_ask_jabatan, choice=_jabatan, label="join.label.jabatan", field="jabatan",
             summary=lambda c: html.escape(jabatan_label(c.data.jabatan, c.lang))),
        Step("village", prompt=_ask_village, typed=_village_typed, choice=_village_choice,
             label="join.label.village", field="village_code", summary=_village_summary,
             reset=lambda d: d.model_copy(update={"village_query": "", "village_everywhere": False})),
    )))
