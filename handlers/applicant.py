"""What someone who asked to join, but is not in yet, sees instead of "you are not a member"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import Update

from bot.callbacks import encode
from bot.context import BotContext
from bot.members import governance
from bot.texts import t
from bot.timefmt import format_date
from handlers.common import language, reply, user_of


async def applicant_notice(update: Update, context: BotContext, *, with_refusal: bool = False) -> bool:
    """Show the user's waiting requests with "Batalkan permintaan"; True when something was shown.

    With `with_refusal` (on /start), a refused request is shown too, with its reason if given.
    """
    user = user_of(update)
    services = context.services
    lang = await language(update, context)
    waiting = await governance.applicant_status(services, user.id)
    for status in waiting:
        since = status.membership.requested_at.astimezone(ZoneInfo(status.forum.timezone)).date()
        rows = [[(t("gov.cancel_request", lang), encode(governance.FEATURE, "cx", status.forum.id))]]
        await reply(update, t("gov.request_waiting", lang, forum=status.forum.name,
                              since=format_date(since, lang)), rows)
    if waiting:
        return True
    if not with_refusal or await services.members.memberships_of(user.id):
        return False
    refused = await governance.last_refusal(services, user.id)
    if refused is None:
        return False
    if refused.reason:
        await reply(update, t("gov.request_refused_reason", lang, forum=refused.forum.name, reason=refused.reason))
    else:
        await reply(update, t("gov.request_refused", lang, forum=refused.forum.name))
    return True
