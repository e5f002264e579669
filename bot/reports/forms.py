"""The /ekspor custom period, declared on the form engine (bot.forms), and the format question.

"re" asks the first and the last day of an export period with the shared picker in day mode
(typed, or a calendar day; past days allowed), then the review with "Ubah ..." and Lanjut, whose
answer is the format question (the same one the preset periods lead to). The other /ekspor
steps are stateless buttons (handlers/reports.py), so they need no draft.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, Field

from bot import forms
from bot.callbacks import encode
from bot.errors import StaleAction
from bot.forms import Ctx, Form
from bot.forms.picker import When, when_step
from bot.permissions import Action
from bot.reports import exports
from bot.reports.exports import ALL, Source
from bot.reports.period import Period, custom_code, resolve
from bot.reports.summary import month_title
from bot.services import Services
from bot.texts import t
from bot.timefmt import format_date_short
from bot.view import Button, View

FEATURE = "r"  # the callback prefix of handlers.reports


# -- labels and the format question (pure) --------------------------------------------------------
def sources_of(code: str) -> list[Source]:
    """The tables a "what" code names; an unknown code is old or forged data, so a stale button."""
    try:
        return exports.chosen(code)
    except KeyError:
        raise StaleAction() from None


def what_label(code: str, lang: str) -> str:
    if code == ALL:
        return str(t("rep.src.all", lang))
    return str(t(exports.BY_CODE[code].text_key, lang))


def period_label(period: Period, sources: list[Source], lang: str) -> str:
    if not any(s.periodic for s in sources):
        return str(t("rep.current_state", lang))
    if period.code in ("tm", "lm"):
        return month_title(period.end, lang)
    if period.code == "ty":
        return str(period.end.year)
    if period.start is None:
        return str(t("rep.all_time", lang))
    return str(t("rep.range", lang, start=format_date_short(period.start, lang),
                 end=format_date_short(period.end, lang)))


def format_view(forum_id: int, code: str, period: Period, lang: str) -> View:
    """Pilih format: .xlsx, CSV zip (several tables) or CSV per table."""
    sources = sources_of(code)
    formats = ("x", "z", "c") if len(sources) > 1 else ("x", "c")
    rows = tuple((Button(str(t(f"rep.fmt.{f}", lang)), data=encode(FEATURE, "f", forum_id, code, period.code, f)),)
                 for f in formats)
    return View(str(t("rep.format_ask", lang, what=what_label(code, lang), period=period_label(period, sources, lang))),
                rows)


# -- the custom period form ----------------------------------------------------------------------
class ExportPeriod(BaseModel):
    """Typed dates of an export of `src` in `forum_id`."""

    forum_id: int
    user_id: int
    src: str
    start: When = Field(default_factory=When)
    end: When = Field(default_factory=When)


def _day_summary(field: str) -> Callable[[Ctx[ExportPeriod]], str | None]:
    def summary(ctx: Ctx[ExportPeriod]) -> str | None:
        day = getattr(ctx.data, field).local_date()
        return format_date_short(day, ctx.lang) if day is not None else None
    return summary


async def _save(services: Services, user_id: int, data: ExportPeriod, lang: str) -> View:
    forum, _ = await services.access.require(data.forum_id, user_id, Action.EXPORT)
    start, end = data.start.local_date(), data.end.local_date()
    if start is None or end is None:
        raise StaleAction()
    today: date = services.clock.now().astimezone(data.start.tz).date()
    await services.drafts.clear(user_id)
    return format_view(forum.id, data.src, resolve(custom_code(start, end), today), lang)


EXPORT_PERIOD = forms.register(Form(
    code="re", model=ExportPeriod, save=_save, save_label="rep.btn.period_ok",
    steps=(
        when_step("start", field="start", label="rep.label.start", ask="rep.from_ask", with_time=False,
                  allow_past=True, summary=_day_summary("start")),
        when_step("end", field="end", label="rep.label.end", ask="rep.to_ask", with_time=False,
                  allow_past=True, summary=_day_summary("end")),
    )))


def export_period(forum_id: int, user_id: int, src: str, zone: str) -> ExportPeriod:
    return ExportPeriod(forum_id=forum_id, user_id=user_id, src=src, start=When.starting(zone),
                        end=When.starting(zone))
