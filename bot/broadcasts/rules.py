"""Broadcast texts: the message members get, the progress bar, the delivery report.

Pure functions of values and a language, shared by the /siaran handlers and the progress
monitor in scheduler/. Every user-supplied string goes through `t()` (escaped) except the
coordinator's message, which arrives as PTB's `text_html` (already escaped, formatting kept).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.texts import Html, t
from bot.timefmt import format_datetime, format_time
from storage.broadcasts import Failure, Progress

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
BAR_WIDTH = 12
# Room kept for the header and footer around the coordinator's words.
_FRAME = 200
REPORT_NAMES = 40


def body_limit(has_media: bool) -> int:
    return (CAPTION_LIMIT if has_media else TEXT_LIMIT) - _FRAME


def render_message(text_html: str, *, forum: str, coordinator: str, lang: str) -> Html:
    """The broadcast as a member reads it: header, the coordinator's words, signature."""
    return Html("\n\n".join((t("bc.header", lang, forum=forum), text_html,
                             t("bc.footer", lang, name=coordinator))))


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    if total <= 0:
        return "▓" * width
    filled = min(width, round(width * done / total))
    return "▓" * filled + "░" * (width - filled)


def render_progress(broadcast_id: int, progress: Progress, *, now: datetime, per_second: float, tz: ZoneInfo,
                    lang: str) -> Html:
    done = progress.sent + progress.failed
    total = max(progress.total - progress.cancelled, 1)
    seconds = progress.waiting / per_second if per_second > 0 else 0
    eta = t("bc.eta_now", lang) if seconds < 5 else format_time(now + timedelta(seconds=seconds), tz, lang)
    return t("bc.progress", lang, id=broadcast_id, bar=progress_bar(done, total),
             percent=round(100 * done / total), sent=progress.sent, failed=progress.failed,
             waiting=progress.waiting, eta=eta)


def render_final(broadcast_id: int, progress: Progress, *, stopped: bool, lang: str) -> Html:
    key = "bc.final_stopped" if stopped else "bc.final"
    return t(key, lang, id=broadcast_id, sent=progress.sent, failed=progress.failed,
             cancelled=progress.cancelled + progress.expired, total=progress.total)


def reason_text(reason: str, lang: str) -> str:
    code = reason if reason in _REASONS else "other"
    return str(t(f"bc.reason.{code}", lang))


_REASONS = frozenset({"blocked", "not_started", "deactivated", "chat_not_found", "forbidden", "kicked", "no_rights"})


def render_report(broadcast_id: int, progress: Progress, failures: list[Failure], *, started: datetime,
                  tz: ZoneInfo, lang: str) -> Html:
    """The delivery report: counts, then who was not reached, grouped by why."""
    lines = [str(t("bc.report", lang, id=broadcast_id, when=format_datetime(started, tz, lang),
                   sent=progress.sent, total=progress.total, failed=progress.failed,
                   not_sent=progress.cancelled + progress.expired))]
    if progress.possible_duplicates:
        lines.append(str(t("bc.report_maybe_dup", lang, n=progress.possible_duplicates)))
    unreachable = [f for f in failures if f.unreachable]
    other = [f for f in failures if not f.unreachable and f.reason not in ("cancelled", "expired")]
    not_sent = [f for f in failures if f.reason in ("cancelled", "expired")]
    for title, group, show_reason in (("bc.report_unreachable", unreachable, True),
                                      ("bc.report_failed", other, True),
                                      ("bc.report_not_sent", not_sent, False)):
        if not group:
            continue
        lines += ["", str(t(title, lang))]
        for failure in group[:REPORT_NAMES]:
            lines.append(_line(failure, lang, show_reason))
        if len(group) > REPORT_NAMES:
            lines.append(str(t("bc.report_more", lang, n=len(group) - REPORT_NAMES)))
    if unreachable:
        lines += ["", str(t("bc.report_hint", lang))]
    return Html("\n".join(lines))


def _line(failure: Failure, lang: str, show_reason: bool) -> str:
    if failure.user_id is None:
        name, village = str(t("bc.report_group", lang)), ""
    else:
        name = failure.full_name or str(failure.user_id)
        village = failure.village or "-"
        if failure.kecamatan:
            village = f"{village}, Kec. {failure.kecamatan}"
    reason = f" ({reason_text(failure.reason, lang)})" if show_reason else ""
    return str(t("bc.report_line", lang, name=name, village=village, reason=reason))
