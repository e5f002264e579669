"""The posts views are pure: a loaded post in, text and buttons out (no database, no Telegram)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.callbacks import decode
from bot.posts import views
from bot.posts.views import CardData, Reader
from storage.posts import Post

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _post(**changes: object) -> Post:
    base = Post(id=7, forum_id=1, author_user_id=10, village_code="73.26.01.1002", title="Pasar tertib",
                bidang="umkm", kind="berhasil", story="Pedagang kami tata bersama paguyuban. " * 30,
                status="published", created_at=NOW, updated_at=NOW, author_name="Yohanis",
                village_name="Rantepao", thanks_count=3)
    return base.model_copy(update=changes)


def _actions(view_buttons: views.Rows) -> list[str]:
    out = []
    for row in view_buttons:
        for button in row:
            parsed = decode(button.data)
            assert parsed is not None
            out.append(parsed.action)
    return out


def test_card_names_the_place_by_its_local_title_and_offers_read_more_when_cut() -> None:
    card = CardData(post=_post(), tz=ZoneInfo("Asia/Makassar"), credited=("Nagari Inderapura",), attachments=2)
    view = views.card_view(card, "id")
    assert "Kelurahan Rantepao" in view.text and "Desa" not in view.text
    assert "Nagari Inderapura" in view.text and "2 lampiran" in view.text
    assert _actions(view.buttons) == ["ty", "ask", "sv", "full"]
    assert "(3)" in view.buttons[0][0].label
    short = views.card_view(CardData(post=_post(story="Cukup pendek tapi lebih dari dua puluh."),
                                     tz=ZoneInfo("Asia/Makassar"), credited=(), attachments=0), "en")
    assert "full" not in _actions(short.buttons)
    assert short.bot_api_markup() == {"inline_keyboard": [[b.bot_api() for b in row] for row in short.buttons]}


def test_reader_buttons_fit_author_member_and_moderator() -> None:
    post = _post()
    author = views.reader_buttons(post, Reader(user_id=10, saved=False, can_moderate=True), "id")
    assert _actions(author) == ["ty", "sv", "cm", "ed", "wd"]  # no asking or hiding one's own story
    member = views.reader_buttons(post, Reader(user_id=11, saved=True, can_moderate=False), "id")
    assert _actions(member) == ["ty", "sv", "cm", "ask"] and "✓" in member[0][1].label
    moderator = views.reader_buttons(post, Reader(user_id=12, saved=False, can_moderate=True), "id")
    assert _actions(moderator)[-1] == "hd"
    assert views.reader_buttons(_post(status="hidden"), Reader(10, False, False), "id") == ()


def test_full_post_splits_long_stories_and_puts_buttons_on_the_last_message() -> None:
    post = _post(story="Paragraf panjang tentang pasar. " * 400)  # over one message
    data = views.FullPost(card=CardData(post=post, tz=ZoneInfo("Asia/Jakarta"), credited=(), attachments=0),
                          attachments=(), comments=(), reader=Reader(11, False, False))
    messages = views.full_post(data, "id")
    assert len(messages) > 1 and all(len(m.text) <= 4096 for m in messages)
    assert all(not m.buttons for m in messages[:-1]) and messages[-1].buttons
