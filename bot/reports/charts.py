"""The monthly report as PNG pages: simple panels readable on a phone, sent as an album.

Rendered with matplotlib's object API on the Agg canvas (no pyplot global state), so it is
safe to run in a worker thread: call `await render_png_async(report, lang)`, which uses
`asyncio.to_thread`. Large fonts, two colours plus grey, Indonesian labels. A panel whose
data is empty is left out (when every panel is empty, one says "belum ada data", so there is
always an image). Each page holds at most two panels and is at most 1280 px on its long side:
Telegram scales larger photos down until their text is unreadable on a small screen.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

from babel.dates import format_date as babel_format_date
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from bot.bidang import bidang_label
from bot.reports.labels import label, state_text
from bot.reports.monthly import MonthlyReport, Named, top_with_rest
from bot.texts import normalise_language

_RENDER_LOCK = threading.Lock()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BLUE = "#1f5fa8"
ORANGE = "#e07b00"
GREY = "#6b6b6b"
LINE_COLOURS = (BLUE, ORANGE, "#2e8b57", GREY)
WIDTH_IN = 6.4
PANEL_IN = 3.6
DPI = 120
MAX_BARS = 8
PANELS_PER_PAGE = 2
MAX_SIDE_PX = 1280
MAX_LABEL = 16
_RC: dict[str, Any] = {
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.titleweight": "bold",
    "axes.labelsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 13,
    "text.parse_math": False,  # a "$" in a village name is text, not maths
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def month_label(month: date, lang: str) -> str:
    return babel_format_date(month, "MMM\nyy", locale=normalise_language(lang))


def _no_data(ax: Axes, lang: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(0.5, 0.5, label("rep.chart.no_data", lang), ha="center", va="center", fontsize=16, color=GREY,
            transform=ax.transAxes)


def _bar_values(ax: Axes, bars: object, fmt: Callable[[float], str]) -> None:
    for bar in bars:  # type: ignore[attr-defined]
        width, height = bar.get_width(), bar.get_height()
        horizontal = width > height and bar.get_y() != 0
        value = width if horizontal else height
        if value <= 0:
            continue
        if horizontal:
            ax.annotate(fmt(value), (bar.get_x() + width, bar.get_y() + height / 2), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=12)
        else:
            ax.annotate(fmt(value), (bar.get_x() + width / 2, height), xytext=(0, 3),
                        textcoords="offset points", ha="center", fontsize=12)


def _joins(ax: Axes, report: MonthlyReport, lang: str) -> None:
    ax.set_title(label("rep.chart.joins", lang))
    if not report.joins or not any(m.count for m in report.joins):
        _no_data(ax, lang)
        return
    names = [month_label(m.month, lang) for m in report.joins]
    bars = ax.bar(names, [m.count for m in report.joins], color=BLUE)
    _bar_values(ax, bars, lambda v: f"{v:.0f}")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(y=0.2)


def _attendance(ax: Axes, report: MonthlyReport, lang: str) -> None:
    ax.set_title(label("rep.chart.attendance", lang))
    months = report.attendance or []
    if not any(a.rate is not None for a in months):
        _no_data(ax, lang)
        return
    names = [month_label(a.month, lang) for a in months]
    rates = [a.rate if a.rate is not None else 0.0 for a in months]
    colours = [BLUE if a.rate is not None else GREY for a in months]
    bars = ax.bar(names, rates, color=colours)
    for bar, month in zip(bars, months, strict=True):
        if month.rate is not None:
            ax.annotate(f"{month.rate:.0%}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        xytext=(0, 3), textcoords="offset points", ha="center", fontsize=12)
        else:
            ax.annotate("–", (bar.get_x() + bar.get_width() / 2, 0), xytext=(0, 3), textcoords="offset points",
                        ha="center", fontsize=12, color=GREY)
    ax.set_ylim(0, 1.15)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _hbar(ax: Axes, title: str, items: Sequence[Named], lang: str, *, keep_order: bool = False) -> None:
    ax.set_title(title)
    if not items or not any(n.count for n in items):
        _no_data(ax, lang)
        return
    shown = list(items) if keep_order else top_with_rest(items, MAX_BARS, label("rep.chart.others", lang))
    shown = list(reversed(shown))  # largest on top
    bars = ax.barh([short(n.label) for n in shown], [n.count for n in shown], color=BLUE)
    _bar_values(ax, bars, lambda v: f"{v:.0f}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0.15)


def _visits(ax: Axes, report: MonthlyReport, lang: str) -> None:
    ax.set_title(label("rep.chart.visits", lang))
    villages = [v for v in (report.visits or []) if v.made or v.hosted]
    if not villages:
        _no_data(ax, lang)
        return
    villages.sort(key=lambda v: (-(v.made + v.hosted), v.village))
    villages = list(reversed(villages[:MAX_BARS]))
    ys = list(range(len(villages)))
    h = 0.4
    made = ax.barh([y + h / 2 for y in ys], [v.made for v in villages], height=h, color=BLUE,
                   label=label("rep.chart.visits_made", lang))
    hosted = ax.barh([y - h / 2 for y in ys], [v.hosted for v in villages], height=h, color=ORANGE,
                     label=label("rep.chart.visits_hosted", lang))
    _bar_values(ax, made, lambda v: f"{v:.0f}")
    _bar_values(ax, hosted, lambda v: f"{v:.0f}")
    ax.set_yticks(ys, [short(v.village) for v in villages])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0.15)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False)


def _ratings(ax: Axes, report: MonthlyReport, lang: str) -> None:
    ax.set_title(label("rep.chart.ratings", lang))
    series = [s for s in (report.ratings or []) if s.points]
    if not series:
        _no_data(ax, lang)
        return
    series.sort(key=lambda s: (-len(s.points), s.title))
    top = max(max(p.rating for p in s.points) for s in series)
    for index, agreement in enumerate(series[: len(LINE_COLOURS)]):
        points = sorted(agreement.points, key=lambda p: p.day)
        ax.plot([float(date2num(p.day)) for p in points], [p.rating for p in points], marker="o", linewidth=2.5, markersize=7,
                color=LINE_COLOURS[index], label=short(agreement.title, 30))
    ax.set_ylim(0, max(5.0, top) + 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, pos: month_label(num2date(value).date(), lang)))
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=1, frameon=False)


Panel = Callable[[Axes, MonthlyReport, str], None]


def panels_for(report: MonthlyReport) -> list[Panel]:
    """The panels this report has data for, in reading order (at least one: the joins)."""
    panels: list[Panel] = []
    if report.joins and any(m.count for m in report.joins):
        panels.append(_joins)
    if report.attendance and any(a.rate is not None for a in report.attendance):
        panels.append(_attendance)
    if report.visits and any(v.made or v.hosted for v in report.visits):
        panels.append(_visits)
    if report.posts_by_bidang and any(n.count for n in report.posts_by_bidang):
        panels.append(lambda ax, r, lang: _hbar(ax, label("rep.chart.posts", lang),
                                                [Named(bidang_label(n.label, lang), n.count)
                                                 for n in r.posts_by_bidang or []], lang))
    if report.agreements_by_state and any(n.count for n in report.agreements_by_state):
        panels.append(lambda ax, r, lang: _hbar(ax, label("rep.chart.agreements", lang),
                                                [Named(state_text(n.label, lang), n.count)
                                                 for n in r.agreements_by_state or []], lang, keep_order=True))
    if report.ratings and any(s.points for s in report.ratings):
        panels.append(_ratings)
    return panels or [_joins]


def render_pngs(report: MonthlyReport, lang: str = "id") -> list[bytes]:
    """The report chart as PNG pages of at most two panels (blocking: run it in the worker)."""
    panels = panels_for(report)
    pages = [panels[i:i + PANELS_PER_PAGE] for i in range(0, len(panels), PANELS_PER_PAGE)]
    return [_render_page(report, page, lang, number, len(pages)) for number, page in enumerate(pages, 1)]


def render_png(report: MonthlyReport, lang: str = "id") -> bytes:
    """The first page only (kept for callers that want one image)."""
    return render_pngs(report, lang)[0]


def _render_page(report: MonthlyReport, panels: list[Panel], lang: str, number: int, pages: int) -> bytes:
    height_in = PANEL_IN * len(panels) + 0.9
    dpi = min(DPI, MAX_SIDE_PX / max(height_in, WIDTH_IN))
    # rc_context changes matplotlib's global settings for its duration: one render at a time.
    with _RENDER_LOCK, matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        figure = Figure(figsize=(WIDTH_IN, height_in), dpi=dpi, layout="constrained")
        FigureCanvasAgg(figure)
        page = f" ({number}/{pages})" if pages > 1 else ""
        figure.suptitle(f"{short(report.forum_name, 34)}\n"
                        f"{babel_format_date(report.month, 'MMMM y', locale=normalise_language(lang))}{page}",
                        fontsize=18, fontweight="bold")
        axes = figure.subplots(len(panels), 1, squeeze=False)[:, 0]
        for ax, panel in zip(axes, panels, strict=True):
            ax.grid(axis="both", alpha=0.25)
            ax.set_axisbelow(True)
            panel(ax, report, lang)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


async def render_png_async(report: MonthlyReport, lang: str = "id") -> bytes:
    """Render in a worker thread so the bot keeps answering others meanwhile."""
    return await asyncio.to_thread(render_png, report, lang)
