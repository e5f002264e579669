"""/pertemuan_baru and changing a meeting: start the declared forms (bot.meetings.forms).

The questions, their checks, the review and the saving are declared in bot.meetings.forms and
driven by the form engine; this module only starts them from a command or a button.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.meetings.forms import CHANGE_MEETING, NEW_MEETING, change_of, new_meeting
from bot.texts import t
from handlers.common import language, private_only, reply
from handlers.forms import start_form
from storage.meetings import Meeting
from storage.models import Forum

NEW, EDIT = NEW_MEETING.code, CHANGE_MEETING.code


async def begin_new(update: Update, context: BotContext, forum: Forum) -> None:
    """Start the new-meeting form for `forum` (permission already checked)."""
    if not await private_only(update, context, "pertemuan_baru"):
        return
    await reply(update, t("meet.new.intro", await language(update, context), forum=forum.name))
    await start_form(update, context, NEW_MEETING, new_meeting(forum.id, forum.timezone))


async def begin_edit(update: Update, context: BotContext, meeting: Meeting, field: str, scope: str) -> None:
    """Ask the new value of one answer of `meeting` (or of the rest of its series), then review it."""
    forum = await context.services.forums.get(meeting.forum_id)
    home = forum.timezone if forum is not None else meeting.timezone
    data = change_of(meeting, field, whole_series=scope == "all", home_zone=home)
    await start_form(update, context, CHANGE_MEETING, data, only=field)
