"""Declared forms: the engine (bot.forms.engine) and shared step widgets (bot.forms.picker)."""

from __future__ import annotations

from bot.forms.engine import (
    FEATURE,
    REVIEW,
    Answer,
    Ctx,
    Form,
    FormOutdated,
    Reply,
    Stay,
    Step,
    data_of,
    declared,
    on_button,
    on_input,
    prompt_again,
    register,
    start,
)

__all__ = [
    "FEATURE",
    "REVIEW",
    "Answer",
    "Ctx",
    "Form",
    "FormOutdated",
    "Reply",
    "Stay",
    "Step",
    "data_of",
    "declared",
    "on_button",
    "on_input",
    "prompt_again",
    "register",
    "start",
]
