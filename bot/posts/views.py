"""What posts look like on a phone (pure): loaded data in, `View` out.

The same card view is a PTB reply (`View.markup()`) and an outbox push (`View.bot_api_markup()`).
Places are named with their local titles (Kelurahan Rantepao, Nagari Inderapura), never a hard
"Desa". The loaders in bot/posts/loaders.py fetch what each view needs first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.bidang import BIDANG, bidang_label
from bot.callbacks import encode
from bot.place_titles import place_name
from bot.posts import rules
from bot.texts import Html, t
from bot.timefmt import format_date, format_date_short
from bot.view import Button, Rows, View, per_row, rows_of
from storage.models import Forum
from storage.posts import Attachment, Comment, DigestSettings, Post

FEATURE = "e"  # callback prefix of every posts button
READ_CHUNK = 3500
WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday(day: int, lang: str) -> str:
    return (WEEKDAYS_EN if lang == "en" else WEEKDAYS_ID)[day]


def village_of(code: str | None, name: str | None) -> str | None:
    """'Desa Sidasari', 'Kelurahan Rantepao', 'Nagari Inderapura' (None when unknown)."""
    return place_name(code, name) if name else None


def _post_village(post: Post) -> str | None:
    return village_of(post.village_code, post.village_name)


# == the card (group) and the reader's buttons ==================================================
@dataclass(frozen=True)
class CardData:
    """A post with what its card shows besides its own fields."""

    post: Post
    tz: ZoneInfo
    credited: tuple[str, ...]  # titled place names
    attachments: int


def card_buttons(post: Post, lang: str, *, cut: bool) -> Rows:
    second = [Button(str(t("post.btn_save", lang)), data=encode(FEATURE, "sv", post.id))]
    if cut:
        second.append(Button(str(t("post.btn_more", lang)), data=encode(FEATURE, "full", post.id)))
    return rows_of([
        [Button(str(t("post.btn_thanks", lang, count=post.thanks_count)), data=encode(FEATURE, "ty", post.id)),
         Button(str(t("post.btn_ask", lang)), data=encode(FEATURE, "ask", post.id))],
        second,
    ])


def _card_html(card: CardData, lang: str, *, full: bool = False, story: str | None = None,
               status_note: str | None = None) -> tuple[Html, bool]:
    post = card.post
    return rules.card_html(post_id=post.id, title=post.title, kind=post.kind, bidang=post.bidang,
                           story=post.story if story is None else story,
                           info=rules.CardInfo(post.author_name, _post_village(post), card.credited),
                           created_at=post.created_at, tz=card.tz, lang=lang, full=full,
                           attachments=card.attachments, status_note=status_note)


def card_view(card: CardData, lang: str) -> View:
    """The group card: the story shortened, thanks / ask / save (and "read more" when cut)."""
    html, cut = _card_html(card, lang)
    return View(str(html), card_buttons(card.post, lang, cut=cut))


def attachment_caption(post: Post, index: int, total: int, lang: str) -> str:
    return str(t("post.attachment_caption", lang, title=post.title, id=post.id, n=index, total=total))


def card_withdrawn(post: Post, lang: str) -> View:
    return View(str(t("post.card_withdrawn", lang, title=post.title)))


def card_hidden(post: Post, lang: str) -> View:
    return View(str(t("post.card_hidden", lang, title=post.title)))


@dataclass(frozen=True)
class Reader:
    """Who reads a post in private chat, for their buttons."""

    user_id: int
    saved: bool
    can_moderate: bool


def reader_buttons(post: Post, reader: Reader | None, lang: str) -> Rows:
    """The buttons under a full post: the card's in a group (reader None), the reader's in private."""
    if post.status != "published":
        return ()
    if reader is None:
        return card_buttons(post, lang, cut=False)
    rows: list[list[Button]] = [
        [Button(str(t("post.btn_thanks", lang, count=post.thanks_count)), data=encode(FEATURE, "ty", post.id)),
         Button(str(t("post.btn_saved" if reader.saved else "post.btn_save", lang)),
                data=encode(FEATURE, "sv", post.id))],
        [Button(str(t("post.btn_comment", lang)), data=encode(FEATURE, "cm", post.id))],
    ]
    if post.author_user_id != reader.user_id:
        rows[1].append(Button(str(t("post.btn_ask", lang)), data=encode(FEATURE, "ask", post.id)))
        if reader.can_moderate:
            rows.append([Button(str(t("post.btn_hide", lang)), data=encode(FEATURE, "hd", post.id))])
    else:
        rows.append([Button(str(t("post.btn_edit", lang)), data=encode(FEATURE, "ed", post.id)),
                     Button(str(t("post.btn_withdraw", lang)), data=encode(FEATURE, "wd", post.id))])
    return rows_of(rows)


# == the full post (/baca, "Baca selengkapnya") ===================================================
@dataclass(frozen=True)
class FullPost:
    card: CardData
    attachments: tuple[Attachment, ...]
    comments: tuple[Comment, ...]
    reader: Reader | None  # None: read in a group


def full_post(data: FullPost, lang: str) -> list[View]:
    """The post in messages of at most ~3,500 characters; the last carries the buttons."""
    post, tz = data.card.post, data.card.tz
    note = None
    if post.status == "withdrawn":
        note = str(t("post.note_withdrawn", lang))
    elif post.status == "hidden":
        note = str(t("post.note_hidden", lang, reason=post.hidden_reason or "-"))
    pieces = rules.chunks(post.story, READ_CHUNK)
    head, _ = _card_html(data.card, lang, full=True, story=pieces[0], status_note=note)
    messages = [str(head)] + [str(Html(t("post.card_story", lang, story=p))) for p in pieces[1:]]
    if post.edited_at:
        messages[-1] += "\n" + str(t("post.edited_mark", lang,
                                     date=format_date_short(post.edited_at.astimezone(tz).date(), lang)))
    if post.link_type:
        messages[-1] += "\n" + str(t("post.preview_link", lang, what=t(f"post.link_{post.link_type}", lang),
                                     id=post.link_id))
    if data.comments:
        lines = [str(t("post.comments_title", lang, count=post.comments_count))]
        for c in data.comments:
            lines.append(str(t("post.comment_line", lang, name=c.author_name,
                               village=village_of(c.village_code, c.village_name) or "-",
                               date=format_date_short(c.created_at.astimezone(tz).date(), lang),
                               text=rules.shorten(c.text, 600)[0])))
        messages.append("\n".join(lines))
    elif data.reader is not None and post.status == "published":
        messages[-1] += "\n\n" + str(t("post.no_comments", lang))
    views = [View(text) for text in messages]
    views[-1] = View(messages[-1], reader_buttons(post, data.reader, lang))
    return views


# == the /berbagi form ============================================================================
def bidang_buttons(action: str, *args: object, lang: str) -> Rows:
    return per_row([Button(f"{b.emoji} {b.label(lang)}".strip(), data=encode(FEATURE, action, *args, b.code))
                    for b in BIDANG], 2)


def kind_buttons(action: str, *args: object, lang: str) -> Rows:
    return per_row([Button(rules.kind_label(k, lang), data=encode(FEATURE, action, *args, k))
                    for k in rules.KINDS])


def one_button(label: str, action: str, *args: object) -> Rows:
    return ((Button(label, data=encode(FEATURE, action, *args)),),)


def link_choice(lang: str) -> View:
    return View(str(t("post.ask_link", lang)), rows_of([
        [Button(str(t("post.link_agreement", lang)), data=encode(FEATURE, "fl", "agreement")),
         Button(str(t("post.link_visit", lang)), data=encode(FEATURE, "fl", "visit"))],
        [Button(str(t("post.link_none", lang)), data=encode(FEATURE, "fl", "none"))]]))


@dataclass(frozen=True)
class Preview:
    forum_name: str
    card: CardData
    link_type: str | None
    link_id: int | None


def preview(data: Preview, lang: str) -> View:
    """The card as the group will see it, above the form's review (which brings the buttons)."""
    html, _ = _card_html(data.card, lang)
    link = ""
    if data.link_type:
        link = "\n" + str(t("post.preview_link", lang, what=t(f"post.link_{data.link_type}", lang), id=data.link_id))
    return View(f"{t('post.preview_title', lang, forum=data.forum_name)}\n\n{html}{link}")


def edit_menu(post: Post, lang: str) -> View:
    def field(key: str, name: str) -> Button:
        return Button(str(t(key, lang)), data=encode(FEATURE, "ef", post.id, name))

    return View(str(t("post.edit_what", lang, title=post.title)), rows_of([
        [field("post.edit_title", "title"), field("post.edit_story", "story")],
        [field("post.edit_bidang", "bidang"), field("post.edit_kind", "kind")]]))


def withdraw_confirm(post: Post, lang: str) -> View:
    return View(str(t("post.withdraw_confirm", lang, title=post.title)), rows_of([
        [Button(str(t("post.btn_withdraw_yes", lang)), data=encode(FEATURE, "wdy", post.id)),
         Button(str(t("core.cancel", lang)), data=encode(FEATURE, "fx"))]]))


# == pushes to one person =========================================================================
def comment_to_author(post: Post, commenter: str, text: str, lang: str) -> View:
    return View(str(t("post.comment_to_author", lang, name=commenter, title=post.title,
                      text=rules.shorten(text, 500)[0], id=post.id)))


def question_to_author(post: Post, asker: str, village: str | None, question: str, question_id: int,
                       lang: str) -> View:
    return View(str(t("post.question_to_author", lang, name=asker, village=village or "-", title=post.title,
                      question=question)),
                one_button(str(t("post.btn_answer", lang)), "ans", question_id))


def answer_to_asker(post: Post, answer: str, lang: str) -> View:
    return View(str(t("post.answer_to_asker", lang, name=post.author_name, title=post.title, answer=answer)),
                one_button(str(t("post.btn_ask_again", lang)), "ask", post.id))


def hidden_to_author(post: Post, forum: Forum, reason: str, lang: str) -> View:
    return View(str(t("post.hidden_to_author", lang, title=post.title, forum=forum.name, reason=reason)))


# == lists: search results, newest, bookmarks =====================================================
def _result_lines(found: Sequence[Post], tzs: dict[int, ZoneInfo], lang: str, *, start: int) -> list[str]:
    lines = []
    for index, post in enumerate(found, start=start):
        tz = tzs.get(post.forum_id, ZoneInfo("Asia/Jakarta"))
        lines.append("")
        lines.append(str(t("post.result_line", lang, n=index, kind=rules.KIND_EMOJI.get(post.kind, ""),
                           title=post.title, bidang=bidang_label(post.bidang, lang),
                           village=_post_village(post) or post.author_name,
                           date=format_date_short(post.created_at.astimezone(tz).date(), lang),
                           thanks=post.thanks_count, snippet=rules.snippet(post.story), id=post.id)))
    return lines


@dataclass(frozen=True)
class Listing:
    """One page of search results (or the newest posts when `query` is empty)."""

    search_id: int
    query: str
    page: int
    bidang: str | None
    kind: str | None
    found: tuple[Post, ...]
    more: bool
    tzs: dict[int, ZoneInfo]


def listing(data: Listing, lang: str) -> View:
    size = rules.PAGE_SIZE
    b, k = data.bidang or "-", data.kind or "-"
    head = t("post.search_title", lang, query=data.query) if data.query else t("post.newest_title", lang)
    chosen = []
    if data.bidang:
        chosen.append(bidang_label(data.bidang, lang))
    if data.kind:
        chosen.append(rules.kind_label(data.kind, lang))
    lines = [str(head)]
    if chosen:
        lines.append(str(t("post.filters_line", lang, filters=" · ".join(chosen))))
    if not data.found:
        lines += ["", str(t("post.search_none" if data.query else "post.newest_none", lang))]
    lines.extend(_result_lines(data.found, data.tzs, lang, start=data.page * size + 1))
    rows: list[list[Button]] = []
    if data.found:
        rows.append([Button(str(data.page * size + i), data=encode(FEATURE, "rd", p.id))
                     for i, p in enumerate(data.found, start=1)])
    nav = []
    if data.page > 0:
        nav.append(Button(str(t("post.btn_prev", lang)), data=encode(FEATURE, "sr", data.search_id, data.page - 1, b, k)))
    if data.more:
        nav.append(Button(str(t("post.btn_next_page", lang)),
                          data=encode(FEATURE, "sr", data.search_id, data.page + 1, b, k)))
    rows.append(nav)
    rows.append([Button(str(t("post.btn_filter_bidang", lang)), data=encode(FEATURE, "sf", data.search_id, "b", b, k)),
                 Button(str(t("post.btn_filter_kind", lang)), data=encode(FEATURE, "sf", data.search_id, "k", b, k))])
    return View("\n".join(lines), rows_of(rows))


def filter_choice(search_id: int, which: str, bidang: str, kind: str, lang: str) -> View:
    """The bidang (`which` "b") or kind ("k") choices for a listing; the other filter is kept."""
    if which == "b":
        rows = list(per_row([Button(f"{x.emoji} {x.label(lang)}".strip(),
                                    data=encode(FEATURE, "sr", search_id, 0, x.code, kind)) for x in BIDANG], 2))
        rows.append((Button(str(t("post.filter_all_bidang", lang)), data=encode(FEATURE, "sr", search_id, 0, "-", kind)),))
    else:
        rows = [(Button(rules.kind_label(x, lang), data=encode(FEATURE, "sr", search_id, 0, bidang, x)),)
                for x in rules.KINDS]
        rows.append((Button(str(t("post.filter_all_kind", lang)), data=encode(FEATURE, "sr", search_id, 0, bidang, "-")),))
    return View(str(t("post.filter_pick", lang)), tuple(rows))


@dataclass(frozen=True)
class SavedPage:
    page: int
    found: tuple[Post, ...]
    more: bool
    tzs: dict[int, ZoneInfo]


def saved_page(data: SavedPage, lang: str) -> View:
    size = rules.PAGE_SIZE
    lines = [str(t("post.saved_title", lang))]
    if not data.found:
        lines += ["", str(t("post.saved_none", lang))]
    lines.extend(_result_lines(data.found, data.tzs, lang, start=data.page * size + 1))
    rows: list[list[Button]] = []
    if data.found:
        rows.append([Button(str(data.page * size + i), data=encode(FEATURE, "rd", p.id))
                     for i, p in enumerate(data.found, start=1)])
    nav = []
    if data.page > 0:
        nav.append(Button(str(t("post.btn_prev", lang)), data=encode(FEATURE, "bm", data.page - 1)))
    if data.more:
        nav.append(Button(str(t("post.btn_next_page", lang)), data=encode(FEATURE, "bm", data.page + 1)))
    rows.append(nav)
    return View("\n".join(lines), rows_of(rows))


# == the weekly digest ============================================================================
@dataclass(frozen=True)
class DigestPanel:
    forum: Forum
    settings: DigestSettings
    opted_out: bool
    may_pick_day: bool


def digest_toggle(forum_id: int, opted_out: bool, lang: str, *, panel: bool = False) -> Rows:
    """The subscribe / unsubscribe button (on the panel it carries "p" to redraw the panel)."""
    key = "post.btn_digest_on" if opted_out else "post.btn_digest_off"
    args: tuple[object, ...] = (forum_id, "on" if opted_out else "off") + (("p",) if panel else ())
    return one_button(str(t(key, lang)), "dg", *args)


def digest_panel(data: DigestPanel, lang: str) -> View:
    text = t("post.digest_panel", lang, forum=data.forum.name, day=weekday(data.settings.weekday, lang),
             hour=f"{data.settings.hour:02d}.00",
             status=t("post.digest_off" if data.opted_out else "post.digest_on", lang))
    rows = digest_toggle(data.forum.id, data.opted_out, lang, panel=True)
    if data.may_pick_day:
        rows += per_row([Button(weekday(d, lang), data=encode(FEATURE, "dw", data.forum.id, d)) for d in range(7)], 4)
    return View(str(text), rows)


def digest(forum: Forum, new_posts: Sequence[Post], top: Sequence[tuple[Post, int]], start: datetime,
           end: datetime, lang: str) -> View:
    """One member's weekly digest: the week's new stories and the most thanked, with an opt-out."""
    last_day = (end - timedelta(days=1)).date()
    lines = [str(t("post.digest_title", lang, forum=forum.name,
                   start=format_date_short(start.date(), lang), end=format_date(last_day, lang)))]
    if new_posts:
        lines += ["", str(t("post.digest_new", lang, count=len(new_posts)))]
        for post in list(new_posts)[-10:][::-1]:
            lines.append(str(t("post.digest_line", lang, kind=rules.KIND_EMOJI.get(post.kind, ""), title=post.title,
                               village=_post_village(post) or post.author_name, id=post.id)))
        if len(new_posts) > 10:
            lines.append(str(t("post.digest_more", lang, count=len(new_posts) - 10)))
    else:
        lines += ["", str(t("post.digest_no_new", lang))]
    if top:
        lines += ["", str(t("post.digest_top", lang))]
        for post, n in top:
            lines.append(str(t("post.digest_top_line", lang, title=post.title, count=n, id=post.id)))
    lines += ["", str(t("post.digest_footer", lang))]
    return View("\n".join(lines), digest_toggle(forum.id, False, lang))
