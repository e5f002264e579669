"""Experience posts (berbagi pengalaman): kinds, input rules, shortening and the card. No SQL here.

A post is one village head's story about something that worked (Berhasil), failed (Gagal),
a lesson (Pelajaran) or a question to the others (Pertanyaan). In the group it is shown as a
card: kind, title, bidang, village and author, the story (shortened on a word boundary when
long, with "Baca selengkapnya"), the thanks counter. Everything user-typed is escaped by `t()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.bidang import bidang_label, by_code
from bot.errors import InvalidInput
from bot.texts import Html, t
from bot.timefmt import format_date

KINDS: tuple[str, ...] = ("berhasil", "gagal", "pelajaran", "pertanyaan")
KIND_EMOJI = {"berhasil": "✅", "gagal": "⚠️", "pelajaran": "💡", "pertanyaan": "❓"}
LINK_TYPES: tuple[str, ...] = ("agreement", "visit")

TITLE_MIN, TITLE_MAX = 5, 120
STORY_MIN = 20
# Telegram takes 4,096 characters per message; longer stories arrive in several messages and
# are joined. 16,000 (about four full messages) keeps /baca to at most five messages.
STORY_MAX = 16_000
COMMENT_MAX = 2_000
QUESTION_MAX = 1_000
REASON_MAX = 500
MAX_ATTACHMENTS = 10
# The story part of a group card: long enough to be worth reading in the group, short
# enough that the group's chat does not become a wall of text.
CARD_STORY_CHARS = 600
PAGE_SIZE = 5


def is_kind(kind: str) -> bool:
    return kind in KINDS


def kind_label(kind: str, lang: str) -> str:
    return f"{KIND_EMOJI.get(kind, '')} {t(f'post.kind.{kind}', lang)}".strip()


def bidang_name(code: str, lang: str) -> str:
    return bidang_label(code, lang)


def check_bidang(code: str) -> str:
    try:
        by_code(code)
    except KeyError as exc:
        raise InvalidInput("post.bad_bidang") from exc
    return code


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput("post.bad_kind")
    return kind


_SPACES = re.compile(r"[ \t\u00a0]+")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")


def clean_text(text: str) -> str:
    """Strip control characters and trailing spaces per line; keep the author's line breaks."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", out)


def clean_title(text: str) -> str:
    title = " ".join(clean_text(text).split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise InvalidInput("post.bad_title", min=TITLE_MIN, max=TITLE_MAX)
    return title


def join_story(parts: list[str]) -> str:
    """Several messages of one story, in order, as paragraphs."""
    return "\n\n".join(p for p in (clean_text(x) for x in parts) if p)


def check_story(story: str) -> str:
    story = clean_text(story)
    if len(story) < STORY_MIN:
        raise InvalidInput("post.story_short", min=STORY_MIN)
    if len(story) > STORY_MAX:
        raise InvalidInput("post.story_long", max=STORY_MAX)
    return story


def clean_short(text: str, limit: int, key: str) -> str:
    """A comment, question or reason: not empty, at most `limit` characters."""
    value = clean_text(text)
    if not value:
        raise InvalidInput("post.text_empty")
    if len(value) > limit:
        raise InvalidInput(key, max=limit)
    return value


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """The text cut to at most `limit` characters on a word boundary with '…'; and whether cut."""
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:\n") + "…", True


@dataclass(frozen=True)
class CardInfo:
    """What a card shows besides the post's own fields (rendered by the caller's lookups)."""

    author_name: str
    village_name: str | None
    credited: tuple[str, ...] = ()


def card_html(*, post_id: int, title: str, kind: str, bidang: str, story: str, info: CardInfo,
              created_at: datetime, tz: ZoneInfo, lang: str, full: bool = False,
              attachments: int = 0, status_note: str | None = None) -> tuple[Html, bool]:
    """The post as HTML: the short group card, or the full text (`full=True`) for /baca.

    Returns the HTML and whether the story was shortened.
    """
    body, cut = (story, False) if full else shorten(story, CARD_STORY_CHARS)
    village = (t("post.card_village", lang, village=info.village_name) if info.village_name else Html(""))
    lines = [
        str(t("post.card_head", lang, kind=kind_label(kind, lang), title=title)),
        str(t("post.card_meta", lang, bidang=bidang_name(bidang, lang), author=info.author_name,
              village=village, date=format_date(created_at.astimezone(tz).date(), lang), id=post_id)),
    ]
    if info.credited:
        lines.append(str(t("post.card_credited", lang, villages=", ".join(info.credited))))
    lines.append("")
    lines.append(str(t("post.card_story", lang, story=body)))
    if attachments:
        lines.append(str(t("post.card_attachments", lang, count=attachments)))
    if status_note:
        lines.insert(0, status_note)
    return Html("\n".join(lines)), cut


def chunks(text: str, size: int) -> list[str]:
    """Plain text in pieces of at most `size` characters, cut at paragraph, line or word ends
    (each piece is escaped on its own, so a cut never splits an HTML entity)."""
    out: list[str] = []
    rest = text
    while len(rest) > size:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = rest.rfind(sep, size // 2, size)
            if cut != -1:
                break
        if cut == -1:
            cut = size
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not out:
        out.append(rest)
    return out


def snippet(story: str, limit: int = 120) -> str:
    """One line of the story for result lists."""
    return shorten(" ".join(story.split()), limit)[0]
