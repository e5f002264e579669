"""`kades-bot console`: try the bot in a terminal, with no Telegram account and no network.

It starts the project's Telegram test double on 127.0.0.1, runs the real bot against it, and
gives you a chat: you are one of a few demo village heads (switch with :as N), in private chat
or in the forum's group (:grup / :pribadi). Bot messages are printed with their buttons
numbered; type a number to press one.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot import forum_service
from bot.app import build_application, start_manually, stop_manually
from bot.config import Settings
from bot.services import Services
from bot.telegram_double import SentMessage, SimChat, SimUser, TelegramDouble

DEMO_GROUP_ID = -1001000000001
DEMO_FORUM = "Forum Kades Kecamatan Cipari"


@dataclass(frozen=True)
class DemoPerson:
    user_id: int
    name: str
    jabatan: str
    village_code: str
    role: str


# Real villages of Kecamatan Cipari, Kabupaten Cilacap (Kemendagri codes).
DEMO_PEOPLE = (
    DemoPerson(1001, "Budi Santoso", "kades", "33.01.18.2011", "koordinator"),  # Sidasari
    DemoPerson(1002, "Sri Wahyuni", "kades", "33.01.18.2001", "anggota"),
    DemoPerson(1003, "Ahmad Fauzi", "kades", "33.01.18.2002", "anggota"),
    DemoPerson(1004, "Dewi Lestari", "pendamping", "33.01.18.2003", "pendamping"),
)
# Asked to join and waits for the koordinator: try Setujui / Tolak in /anggota or /permintaan.
DEMO_APPLICANT = DemoPerson(1005, "Joko Prasetyo", "kades", "33.01.18.2004", "anggota")

HELP = """Perintah konsol:
  teks biasa      kirim pesan ke bot (mis. /bantuan)
  angka (1, 2..)  tekan tombol bernomor pada pesan bot terakhir
  :as N           ganti pengguna (lihat :siapa)
  :siapa          daftar pengguna demo
  :grup           bicara di grup forum   :pribadi  kembali ke chat pribadi
  :kontak NOMOR   bagikan nomor HP (tombol kontak Telegram)
  :bantuan        bantuan ini            :keluar   selesai"""

_TAGS = re.compile(r"<[^>]+>")


def to_terminal(markup: str) -> str:
    """Telegram HTML as plain terminal text."""
    text = re.sub(r"</?(b|strong)>", "\033[1m", markup)
    text = text.replace("\033[1m", "", 0)
    text = re.sub(r"\033\[1m(.*?)\033\[1m", "\033[1m\\1\033[0m", text, flags=re.S)
    return html.unescape(_TAGS.sub("", text))


class Console:
    def __init__(self, double: TelegramDouble, services: Services, demo: bool) -> None:
        self.double = double
        self.services = services
        self.users: list[SimUser] = []
        if demo:
            for person in (*DEMO_PEOPLE, DEMO_APPLICANT):
                self.users.append(double.user(person.user_id, person.name))
        else:
            self.users.append(double.user(1001, "Kepala Desa"))
        self.user = self.users[0]
        self.group: SimChat | None = None
        self.in_group = False
        self.printed = 0
        self.edits: dict[tuple[int, int], int] = {}
        self.last_with_buttons: dict[int, SentMessage] = {}

    @property
    def chat_id(self) -> int:
        return self.group.id if self.in_group and self.group else self.user.id

    def _visible(self, message: SentMessage) -> bool:
        return message.chat_id in (self.user.id, self.group.id if self.group else None)

    def _show(self, message: SentMessage, edited: bool = False) -> None:
        where = "grup" if message.chat_id < 0 else message.chat_id
        label = " (diubah)" if edited else ""
        print(f"\n\033[36m[bot → {where}]{label}\033[0m")
        if message.kind == "document":
            print(f"📎 {message.file_name}")
        print(to_terminal(message.html or message.text))
        buttons = [label for row in message.buttons for label, _ in row]
        if buttons:
            self.last_with_buttons[message.chat_id] = message
            print("  " + "  ".join(f"[{i}] {b}" for i, b in enumerate(buttons, start=1)))

    async def printer(self) -> None:
        """Print what the bot sends to the current user or the group, as it arrives."""
        while True:
            self.flush()
            await asyncio.sleep(0.1)

    def flush(self) -> None:
        sent = self.double.sent()
        for message in sent[self.printed:]:
            self.edits[(message.chat_id, message.message_id)] = len(message.edit_history)
            if self._visible(message):
                self._show(message)
        self.printed = len(sent)
        for message in sent:
            key = (message.chat_id, message.message_id)
            if len(message.edit_history) != self.edits.get(key, 0):
                self.edits[key] = len(message.edit_history)
                if self._visible(message) and not message.deleted:
                    self._show(message, edited=True)

    async def handle(self, line: str) -> bool:
        line = line.strip()
        if not line:
            return True
        if line in (":keluar", ":quit", ":q"):
            return False
        if line in (":bantuan", ":help"):
            print(HELP)
        elif line in (":siapa", ":users"):
            for i, user in enumerate(self.users, start=1):
                mark = "*" if user is self.user else " "
                print(f" {mark}{i}. {user.full_name}")
        elif line.startswith(":as"):
            index = line[3:].strip()
            if index.isdigit() and 1 <= int(index) <= len(self.users):
                self.user = self.users[int(index) - 1]
                print(f"Sekarang Anda: {self.user.full_name}")
            else:
                print("Pilih nomor dari :siapa")
        elif line == ":grup":
            await self._enter_group()
        elif line == ":pribadi":
            self.in_group = False
            print("Chat pribadi dengan bot.")
        elif line.startswith(":kontak"):
            await self.double.send_contact(self.user, line[7:].strip() or "+6281234567890")
        elif line.isdigit():
            await self._press(int(line))
        else:
            await self.double.send_message(self.user, line, chat=self.group if self.in_group else None)
        return True

    async def _enter_group(self) -> None:
        if self.group is None:
            self.group = self.double.group(DEMO_GROUP_ID, DEMO_FORUM)
            self.double.set_admin(self.group, self.users[0], True, creator=True)
            await self.double.add_bot_to_group(self.group, by=self.users[0], admin=True)
        self.in_group = True
        print(f"Di grup {self.group.title}. Koordinator dapat mengirim /hubungkan di sini.")

    async def _press(self, number: int) -> None:
        message = self.last_with_buttons.get(self.chat_id)
        if message is None:
            print("Tidak ada tombol untuk ditekan.")
            return
        markup = message.reply_markup or {}
        if "keyboard" in markup:
            # A reply keyboard: its buttons send their label, or the user's own contact.
            buttons = [b for row in markup["keyboard"] for b in row]
            if not 1 <= number <= len(buttons):
                print("Nomor tombol tidak ada.")
                return
            button = buttons[number - 1]
            button = {"text": button} if isinstance(button, str) else button
            if button.get("request_contact"):
                await self.double.send_contact(self.user, "+6281234567890")
            else:
                await self.double.send_message(self.user, button["text"], chat=self.group if self.in_group else None)
            return
        datas = [data for row in message.buttons for _, data in row]
        if not 1 <= number <= len(datas) or datas[number - 1] is None:
            print("Nomor tombol tidak ada.")
            return
        await self.double.press_button(self.user, message, datas[number - 1] or "", force=True)


async def seed_demo(services: Services) -> None:
    """A forum of real Cipari villages with a koordinator, two kades, a pendamping and one applicant."""
    if await services.forums.of_member(DEMO_PEOPLE[0].user_id):
        return
    now = services.clock.now()
    async with services.db.transaction() as conn:
        for person in DEMO_PEOPLE:
            await services.members.upsert(conn, user_id=person.user_id, full_name=person.name,
                                          jabatan=person.jabatan, village_code=person.village_code,
                                          language="id", now=now)
        forum_id = await services.forums.create(conn, name=DEMO_FORUM, scope_code="33.01.18",
                                                timezone="Asia/Jakarta", created_by=DEMO_PEOPLE[0].user_id, now=now)
        for person in DEMO_PEOPLE:
            await services.members.add_membership(conn, forum_id=forum_id, user_id=person.user_id,
                                                  role=person.role,  # type: ignore[arg-type]
                                                  status="active", now=now, decided_by=DEMO_PEOPLE[0].user_id)
    forum = await services.forums.get(forum_id)
    assert forum is not None
    applicant = DEMO_APPLICANT
    await forum_service.request_join(services, forum=forum, user_id=applicant.user_id, name=applicant.name,
                                     jabatan=applicant.jabatan, village_code=applicant.village_code,
                                     role="anggota", language="id")


async def _read_lines(queue: asyncio.Queue[str | None]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        await queue.put(line if line else None)
        if not line:
            return


async def _main(settings: Settings, demo: bool, db_path: str | None) -> int:
    with tempfile.TemporaryDirectory(prefix="kades-console-") as tmp:
        path = Path(db_path) if db_path else Path(tmp) / "console.sqlite3"
        async with TelegramDouble(token="1000001:CONSOLE", bot_username="kades_bot") as double:
            local = settings.model_copy(deep=True)
            local.telegram.token = type(local.telegram).model_validate({"token": double.token}).token
            local.telegram.api_base_url = double.api_base_url
            local.telegram.api_base_file_url = double.file_base_url
            local.storage.path = path
            logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
            print("Menyiapkan kades-bot (memuat data desa Kemendagri saat pertama kali)...")
            app = build_application(local)
            await start_manually(app)
            services: Services = app.bot_data["services"]
            if demo:
                await seed_demo(services)
            console = Console(double, services, demo)
            print(HELP)
            print(f"\nAnda: {console.user.full_name}. Coba /bantuan" + (" atau /anggota." if demo else " atau /forum_baru."))
            printer = asyncio.create_task(console.printer())
            queue: asyncio.Queue[str | None] = asyncio.Queue()
            reader = asyncio.create_task(_read_lines(queue))
            try:
                while True:
                    line = await queue.get()
                    if line is None or not await console.handle(line):
                        break
                    # Let the bot answer before the next line (matters when input is piped).
                    with contextlib.suppress(TimeoutError):
                        await double.wait_idle(quiet=0.5, timeout=10)
                    console.flush()
            finally:
                printer.cancel()
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await printer
                await stop_manually(app)
    return 0


def run_console(settings: Settings, *, demo: bool, db_path: str | None) -> int:
    try:
        return asyncio.run(_main(settings, demo, db_path))
    except KeyboardInterrupt:
        return 0


