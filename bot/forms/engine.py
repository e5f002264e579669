"""The form engine: declared forms over the durable drafts table.

A form is declared once (`Form`): a pydantic model for its data and its `Step`s. Each step has
a prompt (a pure view of the data), parsers for typed input and for its own buttons, and what
comes next. The engine owns everything around them:

* routing: typed input and button presses go to the draft's current step;
* re-asking: a parser raises `InvalidInput`; the user gets that message with the question again
  and nothing typed so far is lost;
* stale buttons: every button carries the form code and the draft's sequence number, which
  changes on every step; a press from an earlier step or an old form raises `StaleAction`;
* restarts: the state is only the drafts row (model fields + `_f` engine bookkeeping);
* prefill: `start()` takes a partly filled model; steps whose field was set are skipped;
* review: after the last step every answer is listed with "Ubah <label>" (that step, then back
  to the review), Simpan and Batal.

Nothing here knows Telegram: the engine returns a `Reply` the handler sends.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.callbacks import CallbackData, encode
from bot.errors import InvalidInput, StaleAction
from bot.services import Services
from bot.texts import Html, t
from bot.view import Button, View, per_row
from storage.models import Draft

FEATURE = "f"  # callback prefix of every declared form: f:<form>:<seq>:<kind>[:<value>]
REVIEW = "_review"
META = "_f"

M = TypeVar("M", bound=BaseModel)


class FormOutdated(StaleAction):
    """The saved draft no longer fits its form (saved by an older version): it is dropped."""

    message_key = "form.outdated"


@dataclass(frozen=True)
class Answer:
    """What the user sent at a step: text, a file, or a location pin."""

    text: str | None = None
    file_id: str | None = None
    file_name: str = ""
    file_kind: str = ""  # "document" | "photo"
    location: tuple[float, float] | None = None
    html: str | None = None  # the text (or caption) as HTML, the sender's formatting kept and escaped


@dataclass(frozen=True)
class Ctx(Generic[M]):
    """What a prompt or parser sees: the data, the reader, the clock, and what the loader fetched."""

    data: M
    lang: str
    now: datetime
    extra: Any
    form: str
    seq: int

    def button(self, label: str, value: str | int) -> Button:
        """A button answering the current step with `value` (short, no ':')."""
        return Button(label, data=encode(FEATURE, self.form, self.seq, "c", value))

    def t(self, key: str, **params: Any) -> str:
        return str(t(key, self.lang, **params))


@dataclass(frozen=True)
class Stay(Generic[M]):
    """A parser's answer that keeps the step (a widget moved on, an item was added).

    The prompt is shown again for `data`: replacing the pressed message, or as a new message
    when `new_message` (e.g. the picker's confirmation after a time was picked).
    """

    data: M
    new_message: bool = False


TypedParser = Callable[[Ctx[M], Answer], "M | Stay[M]"]
ChoiceParser = Callable[[Ctx[M], str], "M | Stay[M]"]


@dataclass(frozen=True)
class Step(Generic[M]):
    """One question. `field` names the model field it fills (prefill skips it when set)."""

    name: str
    prompt: Callable[[Ctx[M]], View]
    typed: TypedParser[M] | None = None
    choice: ChoiceParser[M] | None = None
    next: Callable[[M], str | None] | None = None  # default: the next declared step
    label: str = ""  # catalog key of the answer's name, "Ubah <label>" at the review
    summary: Callable[[Ctx[M]], str | None] | None = None  # the answer at the review; None hides it
    field: str = ""
    reset: Callable[[M], M] | None = None  # applied when the step is opened again from the review
    answered: Callable[[M], bool] | None = None  # prefill: is a set `field` really an answer?


@dataclass(frozen=True)
class Form(Generic[M]):
    code: str  # the draft's flow and the callback part; short
    model: type[M]
    steps: tuple[Step[M], ...]
    save: Callable[[Services, int, M, str], Awaitable[View]]  # (services, user_id, data, lang)
    review_head: Callable[[Ctx[M]], str] | None = None  # text above the answers (e.g. a preview)
    save_label: str = "form.btn.save"
    load: Callable[[Services, M], Awaitable[Any]] | None = None  # fetches what views/parsers need
    # Like `load`, also told the step (or REVIEW) it loads for, so a step that shows nothing from
    # the database costs no query. Used instead of `load` when given.
    load_at: Callable[[Services, M, str], Awaitable[Any]] | None = None
    review: bool = True

    def step(self, name: str) -> Step[M]:
        for step in self.steps:
            if step.name == name:
                return step
        raise StaleAction()

    def after(self, name: str, data: M) -> str | None:
        step = self.step(name)
        if step.next is not None:
            return step.next(data)
        index = self.steps.index(step)
        return self.steps[index + 1].name if index + 1 < len(self.steps) else None


@dataclass(frozen=True)
class Reply:
    """What the handler does: edit the pressed message, drop its buttons, send new messages."""

    edit: View | None = None
    close: bool = False
    send: tuple[View, ...] = ()
    alert: str | None = None  # a button press answered with an alert instead


_FORMS: dict[str, Form[Any]] = {}


def register(form: Form[Any]) -> Form[Any]:
    if form.code in _FORMS and _FORMS[form.code] is not form:
        raise RuntimeError(f"form {form.code!r} declared twice")
    _FORMS[form.code] = form
    return form


def declared(code: str) -> bool:
    return code in _FORMS


# -- state in the draft ------------------------------------------------------------------------------
@dataclass
class _State:
    form: Form[Any]
    step: str
    data: Any
    seq: int
    done: list[str] = field(default_factory=list)


def _load(draft: Draft) -> _State:
    form = _FORMS[draft.flow]
    meta = draft.data.get(META)
    if not isinstance(meta, dict) or (draft.step != REVIEW and draft.step not in {s.name for s in form.steps}):
        raise FormOutdated()
    try:
        data = form.model.model_validate({k: v for k, v in draft.data.items() if k != META})
    except ValidationError as exc:
        raise FormOutdated() from exc
    return _State(form, draft.step, data, int(meta.get("seq", 0)), list(meta.get("done", [])))


async def _loaded(services: Services, draft: Draft) -> _State:
    """The draft's state; a draft an older version saved in another shape is dropped, not crashed on."""
    try:
        return _load(draft)
    except FormOutdated:
        await services.drafts.clear(draft.user_id)
        raise


def data_of(draft: Draft, model: type[M]) -> M:
    """The typed data of a draft (for tests and other features reading a form in progress)."""
    return model.model_validate({k: v for k, v in draft.data.items() if k != META})


async def _save(services: Services, user_id: int, state: _State, step: str, *, bump: bool) -> _State:
    seq = state.seq + 1 if bump else state.seq
    payload = state.data.model_dump(mode="json")
    payload[META] = {"seq": seq, "done": state.done}
    await services.drafts.save(user_id, state.form.code, step, payload, services.clock.now())
    return _State(state.form, step, state.data, seq, state.done)


async def _ctx(services: Services, state: _State, lang: str) -> Ctx[Any]:
    if state.form.load_at is not None:
        extra = await state.form.load_at(services, state.data, state.step)
    else:
        extra = await state.form.load(services, state.data) if state.form.load else None
    return Ctx(state.data, lang, services.clock.now(), extra, state.form.code, state.seq)


def _view(ctx: Ctx[Any], state: _State) -> View:
    if state.step == REVIEW:
        return _review(ctx, state)
    return state.form.step(state.step).prompt(ctx)


def _review(ctx: Ctx[Any], state: _State) -> View:
    form = state.form
    lines = [form.review_head(ctx) if form.review_head else ctx.t("form.review.head")]
    changes = []
    for step in form.steps:
        if step.summary is None or not step.label:
            continue
        shown = step.summary(ctx)
        if shown is None:
            continue
        label = ctx.t(step.label)
        lines.append(ctx.t("form.review.line", label=label, value=Html(shown)))
        changes.append(Button(ctx.t("form.btn.change", label=label.lower()),
                              data=encode(FEATURE, form.code, ctx.seq, "u", step.name)))
    buttons = ((Button(ctx.t(form.save_label), data=encode(FEATURE, form.code, ctx.seq, "s")),),
               *per_row(changes, 2),
               (Button(ctx.t("form.btn.cancel"), data=encode(FEATURE, form.code, ctx.seq, "x")),))
    return View("\n".join(lines), tuple(buttons))


# -- moving through the form ---------------------------------------------------------------------------
def _following(state: _State, after: str | None) -> str:
    """The next step not answered yet, or the review."""
    name = state.form.after(after, state.data) if after else state.form.steps[0].name
    seen: set[str] = set()
    while name is not None and name in state.done and name not in seen:
        seen.add(name)
        name = state.form.after(name, state.data)
    return name if name is not None and name not in seen else REVIEW


async def _advance(services: Services, user_id: int, state: _State, lang: str) -> Reply:
    """The step was answered: mark it done and ask what follows (or save when there is no review)."""
    if state.step not in state.done:
        state.done.append(state.step)
    nxt = _following(state, state.step)
    if nxt == REVIEW and not state.form.review:
        return Reply(close=True, send=(await _finish(services, user_id, state, lang),))
    state = await _save(services, user_id, state, nxt, bump=True)
    return Reply(close=True, send=(_view(await _ctx(services, state, lang), state),))


async def _finish(services: Services, user_id: int, state: _State, lang: str) -> View:
    view = await state.form.save(services, user_id, state.data, lang)
    await services.drafts.clear(user_id)  # the form's save usually dropped it in its transaction
    return view


async def _apply(services: Services, user_id: int, state: _State, result: Any, lang: str,
                 *, pressed: bool) -> Reply:
    if isinstance(result, Stay):
        state.data = result.data
        state = await _save(services, user_id, state, state.step, bump=False)
        view = _view(await _ctx(services, state, lang), state)
        if pressed and not result.new_message:
            return Reply(edit=view)
        return Reply(close=pressed, send=(view,))
    state.data = result
    return await _advance(services, user_id, state, lang)


async def start(services: Services, user_id: int, form: Form[M], data: M, lang: str, *,
                only: str | None = None) -> Reply:
    """Start `form` for the user (replacing any form in progress) with `data`, possibly prefilled.

    Steps whose `field` was set in `data` are skipped (they stay changeable at the review);
    `only` asks that one step and then goes to the review (changing one answer of a saved thing).
    """
    if only is not None:
        form.step(only)
        preset = [s.name for s in form.steps if s.name != only]
    else:
        preset = [s.name for s in form.steps if s.field and s.field in data.model_fields_set
                  and (s.answered is None or s.answered(data))]
    state = _State(form, "", data, secrets.randbelow(900_000) + 100_000, preset)
    first = only if only is not None else _following(state, None)
    state = await _save(services, user_id, state, first, bump=False)
    return Reply(send=(_view(await _ctx(services, state, lang), state),))


async def prompt_again(services: Services, draft: Draft, lang: str) -> View:
    """The current question again (after /start, a restart, a replayed update)."""
    state = await _loaded(services, draft)
    return _view(await _ctx(services, state, lang), state)


async def on_input(services: Services, draft: Draft, answer: Answer, lang: str) -> Reply:
    """Typed text (or a file, a pin) for the current step; bad input re-asks with the reason."""
    state = await _loaded(services, draft)
    ctx = await _ctx(services, state, lang)
    try:
        if state.step == REVIEW:
            raise InvalidInput("bad.use_buttons")
        step = state.form.step(state.step)
        if step.typed is None:
            raise InvalidInput("bad.use_buttons")
        result = step.typed(ctx, answer)
    except InvalidInput as exc:
        return Reply(send=(_reask(ctx, state, exc),))
    return await _apply(services, draft.user_id, state, result, lang, pressed=False)


def _reask(ctx: Ctx[Any], state: _State, exc: InvalidInput) -> View:
    problem = ctx.t(exc.message_key, **exc.params)
    view = _view(ctx, state)
    return View(f"{problem}\n\n{view.text}", view.buttons)


async def on_button(services: Services, user_id: int, data: CallbackData, lang: str) -> Reply:
    """A press of a form button: refused unless it belongs to the draft's current step."""
    code, seq, kind = data.action, data.int_arg(0), data.arg(1)
    draft = await services.drafts.get(user_id)
    if draft is None or draft.flow != code or code not in _FORMS:
        raise StaleAction()
    state = await _loaded(services, draft)
    if state.seq != seq:
        raise StaleAction()
    if kind == "x":
        await services.drafts.clear(user_id)
        return Reply(close=True, send=(View(str(t("core.cancelled", lang))),))
    if kind == "c" and state.step != REVIEW:
        ctx = await _ctx(services, state, lang)
        step = state.form.step(state.step)
        if step.choice is None:
            raise StaleAction()
        try:
            result = step.choice(ctx, data.arg(2))
        except InvalidInput as exc:
            return Reply(alert=str(t(exc.message_key, lang, **exc.params)))
        return await _apply(services, user_id, state, result, lang, pressed=True)
    if state.step != REVIEW:
        raise StaleAction()
    if kind == "s":
        try:
            view = await _finish(services, user_id, state, lang)
        except InvalidInput as exc:
            return Reply(alert=str(t(exc.message_key, lang, **exc.params)))
        return Reply(edit=view)
    if kind == "u":
        step = state.form.step(data.arg(2))
        if step.reset is not None:
            state.data = step.reset(state.data)
        state.done = [name for name in state.done if name != step.name]
        state = await _save(services, user_id, state, step.name, bump=True)
        return Reply(close=True, send=(_view(await _ctx(services, state, lang), state),))
    raise StaleAction()

