"""The /berbagi form, declared on the form engine (bot.forms).

"pb" writes a post: title, bidang, kind, the story (one or several messages, photos and documents
welcome), more attachments, an optional link to a kerja sama or a kunjungan kerja, then the
review: the card as the group will see it, every answer with "Ubah ...", and Terbitkan.

The one-answer forms save as soon as they are answered (no review: the answer is the whole
form): a comment ("pc"), a question to the author ("pq"), the author's answer ("pa"), a
koordinator's reason for hiding ("ph"), and the author's new title ("pt") or story ("ps").
"""

from __future__ import annotations

import html

from pydantic import BaseModel, Field

from bot import forms
from bot.bidang import BIDANG, bidang_label
from bot.errors import InvalidInput, StaleAction
from bot.forms import Answer, Ctx, Form, Stay, Step
from bot.posts import rules, service, views
from bot.posts.loaders import load_preview
from bot.services import Services
from bot.texts import t
from bot.view import View, per_row


class File(BaseModel):
    kind: str  # photo | document
    file_id: str
    name: str | None = None


class NewPost(BaseModel):
    """A post being written by `user_id` for `forum_id`."""

    forum_id: int
    user_id: int
    title: str = ""
    bidang: str = ""
    kind: str = ""
    parts: list[str] = Field(default_factory=list)  # the story's messages, in order
    atts: list[File] = Field(default_factory=list)
    link_type: str | None = None
    link_id: int | None = None


def _file(answer: Answer) -> File | None:
    if answer.file_id is None:
        return None
    return File(kind="photo" if answer.file_kind == "photo" else "document", file_id=answer.file_id,
                name=answer.file_name or None)


def _with_file(data: NewPost, file: File) -> NewPost:
    if len(data.atts) >= rules.MAX_ATTACHMENTS:
        raise InvalidInput("post.attach_full", max=rules.MAX_ATTACHMENTS)
    return data.model_copy(update={"atts": [*data.atts, file]})


# -- title, bidang, kind ----------------------------------------------------------------------------
def _title(ctx: Ctx[NewPost], answer: Answer) -> NewPost:
    if not answer.text:
        raise InvalidInput("bad.text_expected")
    return ctx.data.model_copy(update={"title": rules.clean_title(answer.text)})


def _ask_bidang(ctx: Ctx[NewPost]) -> View:
    return View(ctx.t("post.ask_bidang"),
                per_row([ctx.button(f"{b.emoji} {b.label(ctx.lang)}".strip(), b.code) for b in BIDANG], 2))


def _ask_kind(ctx: Ctx[NewPost]) -> View:
    return View(ctx.t("post.ask_kind"), per_row([ctx.button(rules.kind_label(k, ctx.lang), k) for k in rules.KINDS]))


# -- the story: several messages, then Selesai ----------------------------------------------------------
def _ask_story(ctx: Ctx[NewPost]) -> View:
    parts = ctx.data.parts
    if not parts:
        return View(ctx.t("post.ask_story", max=rules.STORY_MAX))
    length = len(rules.join_story(parts))
    return View(ctx.t("post.story_received", length=length, parts=len(parts)),
                ((ctx.button(ctx.t("post.btn_done"), "done"),),))


def _story_part(ctx: Ctx[NewPost], answer: Answer) -> Stay[NewPost]:
    """One more message of the story (a photo or document sent with it is kept as an attachment)."""
    data = ctx.data
    file = _file(answer)
    if not answer.text and file is None:
        raise InvalidInput("bad.text_expected")
    if answer.text:
        piece = rules.clean_text(answer.text)
        if len(rules.join_story([*data.parts, piece])) > rules.STORY_MAX:
            raise InvalidInput("post.story_long", max=rules.STORY_MAX)
        data = data.model_copy(update={"parts": [*data.parts, piece]})
    if file is not None:
        data = _with_file(data, file)
    return Stay(data, new_message=True)


def _story_done(ctx: Ctx[NewPost], value: str) -> NewPost:
    if value != "done":
        raise StaleAction()
    rules.check_story(rules.join_story(ctx.data.parts))
    return ctx.data


def _story_summary(ctx: Ctx[NewPost]) -> str:
    story = rules.join_story(ctx.data.parts)
    return ctx.t("post.story_summary", length=len(story), parts=len(ctx.data.parts),
                 snippet=rules.snippet(story, 80))


# -- attachments -------------------------------------------------------------------------------------
def _ask_attach(ctx: Ctx[NewPost]) -> View:
    text = ctx.t("post.ask_attach", max=rules.MAX_ATTACHMENTS)
    if ctx.data.atts:
        text += "\n" + ctx.t("post.attach_added", count=len(ctx.data.atts), max=rules.MAX_ATTACHMENTS)
    return View(text, ((ctx.button(ctx.t("post.btn_next"), "next"),),))


def _attachment(ctx: Ctx[NewPost], answer: Answer) -> Stay[NewPost]:
    file = _file(answer)
    if file is None:
        raise InvalidInput("post.attach_expected")
    return Stay(_with_file(ctx.data, file), new_message=True)


def _attach_done(ctx: Ctx[NewPost], value: str) -> NewPost:
    if value != "next":
        raise StaleAction()
    return ctx.data


def _attach_summary(ctx: Ctx[NewPost]) -> str:
    return str(len(ctx.data.atts)) if ctx.data.atts else ctx.t("form.none")


# -- the link: a choice, then (for a kerja sama or a visit) its number ---------------------------------
def _ask_link(ctx: Ctx[NewPost]) -> View:
    if ctx.data.link_type is not None and ctx.data.link_id is None:
        return View(ctx.t("post.ask_link_id", what=t(f"post.link_{ctx.data.link_type}", ctx.lang)))
    return View(ctx.t("post.ask_link"), (
        (ctx.button(ctx.t("post.link_agreement"), "agreement"), ctx.button(ctx.t("post.link_visit"), "visit")),
        (ctx.button(ctx.t("post.link_none"), "none"),)))


def _link_choice(ctx: Ctx[NewPost], value: str) -> NewPost | Stay[NewPost]:
    if value == "none":
        return ctx.data.model_copy(update={"link_type": None, "link_id": None})
    if value not in rules.LINK_TYPES:
        raise StaleAction()
    return Stay(ctx.data.model_copy(update={"link_type": value, "link_id": None}), new_message=True)


def _link_number(ctx: Ctx[NewPost], answer: Answer) -> NewPost:
    if ctx.data.link_type is None:
        raise InvalidInput("bad.use_buttons")
    raw = (answer.text or "").strip().lstrip("#")
    if not raw.isdigit() or not 0 < int(raw) < 10**12:
        raise InvalidInput("post.bad_link_id")
    return ctx.data.model_copy(update={"link_id": int(raw)})


def _link_summary(ctx: Ctx[NewPost]) -> str:
    if ctx.data.link_type is None:
        return ctx.t("form.none")
    return ctx.t("post.preview_link", what=t(f"post.link_{ctx.data.link_type}", ctx.lang), id=ctx.data.link_id)


# -- review and save ------------------------------------------------------------------------------------
async def _load(services: Services, data: NewPost, step: str) -> views.Preview | None:
    """The card the answers would make: only for the review (the steps show nothing stored)."""
    if step != forms.REVIEW or not (data.title and data.bidang and data.kind and data.parts):
        return None
    return await load_preview(services, user_id=data.user_id, forum_id=data.forum_id, title=data.title,
                              bidang=data.bidang, kind=data.kind, parts=data.parts, attachments=len(data.atts),
                              link_type=data.link_type, link_id=data.link_id)


def _review_head(ctx: Ctx[NewPost]) -> str:
    if ctx.extra is None:
        return ctx.t("form.review.head")
    return views.preview(ctx.extra, ctx.lang).text + "\n"


async def _save(services: Services, user_id: int, data: NewPost, lang: str) -> View:
    if data.link_type is not None and data.link_id is not None:
        await service.check_link(services, data.link_type, data.link_id, data.forum_id)
    published = await service.publish_post(
        services, user_id=user_id, forum_id=data.forum_id, title=data.title, bidang=data.bidang, kind=data.kind,
        story_parts=data.parts, attachments=[(a.kind, a.file_id, a.name) for a in data.atts],
        link_type=data.link_type, link_id=data.link_id)
    key = "post.published_group" if published.in_group else "post.published"
    return View(str(t(key, lang, id=published.post_id, title=published.title)))


NEW_POST = forms.register(Form(
    code="pb", model=NewPost, save=_save, load_at=_load, review_head=_review_head, save_label="post.btn_publish",
    steps=(
        Step("title", prompt=lambda c: View(c.t("post.ask_title")), typed=_title, label="form.label.title",
             field="title", summary=lambda c: html.escape(c.data.title)),
        Step("bidang", prompt=_ask_bidang, choice=lambda c, v: c.data.model_copy(update={"bidang": rules.check_bidang(v)}),
             label="post.label.bidang", field="bidang", summary=lambda c: html.escape(bidang_label(c.data.bidang, c.lang))),
        Step("kind", prompt=_ask_kind, choice=lambda c, v: c.data.model_copy(update={"kind": rules.check_kind(v)}),
             label="form.label.kind", field="kind", summary=lambda c: rules.kind_label(c.data.kind, c.lang)),
        Step("story", prompt=_ask_story, typed=_story_part, choice=_story_done, label="post.label.story",
             summary=_story_summary, reset=lambda d: d.model_copy(update={"parts": []})),
        Step("attach", prompt=_ask_attach, typed=_attachment, choice=_attach_done, label="post.label.attachments",
             summary=_attach_summary),
        Step("link", prompt=_ask_link, typed=_link_number, choice=_link_choice, label="post.label.link",
             summary=_link_summary, reset=lambda d: d.model_copy(update={"link_type": None, "link_id": None})),
    )))


def new_post(forum_id: int, user_id: int) -> NewPost:
    return NewPost(forum_id=forum_id, user_id=user_id)


# == the one-answer forms ===========================================================================
class OnPost(BaseModel):
    """One typed answer about a post (a comment, a question, a reason, a new title)."""

    post_id: int
    title: str = ""  # the post's, for the prompt
    asker: int | None = None  # answering: who asked
    text: str = ""


def _text_step(prompt_key: str, limit: int, too_long_key: str) -> Step[OnPost]:
    def parse(ctx: Ctx[OnPost], answer: Answer) -> OnPost:
        if not answer.text:
            raise InvalidInput("bad.text_expected")
        return ctx.data.model_copy(update={"text": rules.clean_short(answer.text, limit, too_long_key)})

    return Step("text", prompt=lambda c: View(c.t(prompt_key, title=c.data.title)), typed=parse)


async def _comment(services: Services, user_id: int, data: OnPost, lang: str) -> View:
    post = await service.comment(services, data.post_id, user_id, data.text)
    return View(str(t("post.comment_saved", lang, id=post.id)))


async def _question(services: Services, user_id: int, data: OnPost, lang: str) -> View:
    await service.ask_author(services, data.post_id, user_id, data.text)
    return View(str(t("post.question_sent", lang)))


async def _answer(services: Services, user_id: int, data: OnPost, lang: str) -> View:
    if data.asker is None:
        raise StaleAction()
    await service.answer_asker(services, data.post_id, data.asker, user_id, data.text)
    return View(str(t("post.answer_sent", lang)))


async def _hide(services: Services, user_id: int, data: OnPost, lang: str) -> View:
    post = await service.hide(services, data.post_id, user_id, data.text)
    return View(str(t("post.hidden_done", lang, title=post.title)))


def _new_title(ctx: Ctx[OnPost], answer: Answer) -> OnPost:
    if not answer.text:
        raise InvalidInput("bad.text_expected")
    return ctx.data.model_copy(update={"text": rules.clean_title(answer.text)})


async def _edit_title(services: Services, user_id: int, data: OnPost, lang: str) -> View:
    post = await service.edit_post(services, data.post_id, user_id, title=data.text)
    return View(str(t("post.edit_saved", lang, id=post.id)))


COMMENT = forms.register(Form(code="pc", model=OnPost, save=_comment, review=False, steps=(
    _text_step("post.ask_comment", rules.COMMENT_MAX, "post.comment_long"),)))
QUESTION = forms.register(Form(code="pq", model=OnPost, save=_question, review=False, steps=(
    _text_step("post.ask_question", rules.QUESTION_MAX, "post.question_long"),)))
ANSWER = forms.register(Form(code="pa", model=OnPost, save=_answer, review=False, steps=(
    _text_step("post.ask_answer", rules.QUESTION_MAX * 2, "post.question_long"),)))
HIDE = forms.register(Form(code="ph", model=OnPost, save=_hide, review=False, steps=(
    _text_step("post.ask_hide_reason", rules.REASON_MAX, "post.reason_long"),)))
NEW_TITLE = forms.register(Form(code="pt", model=OnPost, save=_edit_title, review=False, steps=(
    Step("text", prompt=lambda c: View(c.t("post.ask_new_title")), typed=_new_title),)))


class NewStory(BaseModel):
    """The author's replacement story, in one or several messages."""

    post_id: int
    parts: list[str] = Field(default_factory=list)


def _ask_new_story(ctx: Ctx[NewStory]) -> View:
    if not ctx.data.parts:
        return View(ctx.t("post.ask_new_story", max=rules.STORY_MAX))
    length = len(rules.join_story(ctx.data.parts))
    return View(ctx.t("post.story_received", length=length, parts=len(ctx.data.parts)),
                ((ctx.button(ctx.t("post.btn_done"), "done"),),))


def _new_story_part(ctx: Ctx[NewStory], answer: Answer) -> Stay[NewStory]:
    if not answer.text:
        raise InvalidInput("bad.text_expected")
    piece = rules.clean_text(answer.text)
    if len(rules.join_story([*ctx.data.parts, piece])) > rules.STORY_MAX:
        raise InvalidInput("post.story_long", max=rules.STORY_MAX)
    return Stay(ctx.data.model_copy(update={"parts": [*ctx.data.parts, piece]}), new_message=True)


def _new_story_done(ctx: Ctx[NewStory], value: str) -> NewStory:
    if value != "done":
        raise StaleAction()
    rules.check_story(rules.join_story(ctx.data.parts))
    return ctx.data


async def _edit_story(services: Services, user_id: int, data: NewStory, lang: str) -> View:
    post = await service.edit_post(services, data.post_id, user_id, story_parts=data.parts)
    return View(str(t("post.edit_saved", lang, id=post.id)))


NEW_STORY = forms.register(Form(code="ps", model=NewStory, save=_edit_story, review=False, steps=(
    Step("story", prompt=_ask_new_story, typed=_new_story_part, choice=_new_story_done),)))
