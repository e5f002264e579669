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
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.app import build_application, start_manually, stop_manually
from bot.config import Settings
from bot.members import governance
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
  teks biasa      kirim pesan ke bot (mis. /bantuan); angka juga dikirim sebagai teks
                  bila pesan terakhir tidak punya tombol bernomor itu
  angka (1, 2..)  tekan tombol bernomor pada pesan bot terakhir yang bertombol
  12.2            tekan tombol 2 pada pesan #12 (pesan lama pun bisa)
  :tekan LABEL    tekan tombol yang labelnya memuat LABEL (pesan terbaru dulu)
  :teks ISI       kirim ISI sebagai teks apa adanya (mis. :teks 3)
  :as N           ganti pengguna (lihat :siapa); pesan yang masuk untuknya ditampilkan
  :siapa          daftar pengguna demo
  :grup           bicara di grup forum   :pribadi  kembali ke chat pribadi
  :kontak NOMOR   bagikan nomor HP (tombol kontak Telegram)
  :bantuan        bantuan ini            :keluar   selesai (atau Ctrl-D)"""

_TAGS = re.compile(r"<[^>]+>")
_MESSAGE_BUTTON = re.compile(r"^(\d+)\.(\d+)$")


def to_terminal(markup: str) -> str:
    """Telegram HTML as plain terminal text."""
    text = re.sub(r"</?(b|strong)>", "\033[1m", markup)
    text = text.replace("\033[1m", "", 0)
    text = re.sub(r"\033\[1m(.*?)\033\[1m", "\033[1m\\1\033[0m", text, flags=re.S)
    return html.unescape(_TAGS.sub("", text))


class Console:
    """One terminal, several demo people: what each receives is kept until they look."""

    def __init__(self, double: TelegramDouble, services: Services, demo: bool, files_dir: Path) -> None:
        self.double = double
        self.services = services
        self.files_dir = files_dir
        self.users: list[SimUser] = []
        self.roles: dict[int, str] = {}
        if demo:
            for person in (*DEMO_PEOPLE, DEMO_APPLICANT):
                self.users.append(double.user(person.user_id, person.name))
                self.roles[person.user_id] = person.role
        else:
            self.users.append(double.user(1001, "Kepala Desa"))
        self.user = self.users[0]
        self.group: SimChat | None = None
        self.in_group = False
        self.printed = 0
        self.edits: dict[tuple[int, int], int] = {}
        # Every shown message gets a number (#12) so any of its buttons can be pressed later.
        self.numbers: dict[tuple[int, int], int] = {}
        self.by_number: dict[int, SentMessage] = {}
        # The buttons as last printed: a phone on a slow network still shows them after an edit.
        self.shown_buttons: dict[int, list[str | None]] = {}
        self.last_with_buttons: dict[int, SentMessage] = {}
        self.unseen: dict[int, list[tuple[SentMessage, bool]]] = {}
        self.presses: dict[str, str] = {}  # callback query id -> who pressed (for its toast)
        self.saved: set[str] = set()

    @property
    def chat_id(self) -> int:
        return self.group.id if self.in_group and self.group else self.user.id

    def prompt(self) -> str:
        role = self.roles.get(self.user.id, "pengguna baru")
        where = " @grup" if self.in_group else ""
        return f"{self.user.full_name} ({role}){where} › "

    def _visible(self, message: SentMessage) -> bool:
        return message.chat_id in (self.user.id, self.group.id if self.group else None)

    def _number(self, message: SentMessage) -> int:
        key = (message.chat_id, message.message_id)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            self.by_number[self.numbers[key]] = message
        return self.numbers[key]

    def _show(self, message: SentMessage, edited: bool = False) -> None:
        where = "grup" if message.chat_id < 0 else message.chat_id
        label = " (diubah)" if edited else ""
        number = self._number(message)
        print(f"\n\033[36m#{number} [bot → {where}]{label}\033[0m")
        if message.kind in ("document", "photo") and message.file_bytes is not None:
            print(f"📎 {self._save(message, number)}")
        print(to_terminal(message.html or message.text))
        buttons = [label for row in message.buttons for label, _ in row]
        if buttons:
            self.last_with_buttons[message.chat_id] = message
            self.shown_buttons[number] = [data for row in message.buttons for _, data in row]
            print("  " + "  ".join(f"[{i}] {b}" for i, b in enumerate(buttons, start=1)))

    def _save(self, message: SentMessage, number: int) -> Path:
        """Write a sent file (xlsx, csv, png, ics...) to the files folder once; return its path."""
        data = message.file_bytes or b""
        if message.kind == "photo" or not message.file_name:
            # Photos arrive without a name of their own: name them by what the bytes are.
            ext = "png" if data.startswith(b"\x89PNG") else "jpg" if data.startswith(b"\xff\xd8") else "bin"
            name = f"foto.{ext}"
        else:
            name = Path(message.file_name).name
        path = self.files_dir / f"{number:03d}-{name}"
        if str(path) not in self.saved:
            path.write_bytes(data)
            self.saved.add(str(path))
        return path

    def _keep_for_later(self, message: SentMessage, edited: bool) -> None:
        """A private message to a demo person who is not at the keyboard: show it on :as."""
        if any(u.id == message.chat_id for u in self.users):
            pending = self.unseen.setdefault(message.chat_id, [])
            if all(m is not message for m, _ in pending):
                pending.append((message, edited))

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
            else:
                self._keep_for_later(message, False)
        self.printed = len(sent)
        for message in sent:
            key = (message.chat_id, message.message_id)
            if len(message.edit_history) != self.edits.get(key, 0):
                self.edits[key] = len(message.edit_history)
                if message.deleted:
                    continue
                if self._visible(message):
                    self._show(message, edited=True)
                else:
                    self._keep_for_later(message, True)
        self._print_toasts()

    def _print_toasts(self) -> None:
        """Show the bot's answers to button presses: a short toast, or an alert to dismiss."""
        for query_id, answer in list(self.double.answered_callbacks.items()):
            who = self.presses.pop(query_id, None)
            if who is None or not answer.get("text"):
                continue
            kind = "⚠️ peringatan" if answer.get("show_alert") else "💬"
            print(f"\n{kind} ({who}): {answer['text']}")

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
                waiting = len(self.unseen.get(user.id, []))
                note = f" — {waiting} pesan baru" if waiting else ""
                print(f" {mark}{i}. {user.full_name} ({self.roles.get(user.id, 'pengguna baru')}){note}")
        elif line.startswith(":as"):
            self._switch(line[3:].strip())
        elif line == ":grup":
            await self._enter_group()
        elif line == ":pribadi":
            self.in_group = False
            print("Chat pribadi dengan bot.")
        elif line.startswith(":kontak"):
            await self.double.send_contact(self.user, line[7:].strip() or "+6281234567890")
        elif line.startswith(":tekan"):
            await self._press_label(line[6:].strip())
        elif line.startswith(":teks"):
            await self._say(line[5:].strip())
        elif _MESSAGE_BUTTON.match(line):
            number, button = (int(x) for x in line.split("."))
            message = self.by_number.get(number)
            if message is None or not self._visible(message):
                print(f"Pesan #{number} tidak ada di chat ini.")
            else:
                await self._press(message, button, self.shown_buttons.get(number))
        elif line.isdigit() and self._pressable(int(line)):
            await self._press(self.last_with_buttons[self.chat_id], int(line))
        else:
            await self._say(line)
        return True

    def _switch(self, index: str) -> None:
        if not (index.isdigit() and 1 <= int(index) <= len(self.users)):
            print("Pilih nomor dari :siapa")
            return
        self.user = self.users[int(index) - 1]
        self.in_group = False
        waiting = self.unseen.pop(self.user.id, [])
        print(f"Sekarang: {self.user.full_name}" + (f" — {len(waiting)} pesan baru" if waiting else ""))
        for message, edited in waiting:
            self._show(message, edited=edited)

    def _pressable(self, number: int) -> bool:
        message = self.last_with_buttons.get(self.chat_id)
        return message is not None and 1 <= number <= len(message.button_texts())

    async def _say(self, text: str) -> None:
        if text:
            await self.double.send_message(self.user, text, chat=self.group if self.in_group else None)

    async def _enter_group(self) -> None:
        if self.group is None:
            self.group = self.double.group(DEMO_GROUP_ID, DEMO_FORUM)
            self.double.set_admin(self.group, self.users[0], True, creator=True)
            await self.double.add_bot_to_group(self.group, by=self.users[0], admin=True)
        self.in_group = True
        print(f"Di grup {self.group.title}. Koordinator dapat mengirim /hubungkan di sini.")

    async def _press_label(self, label: str) -> None:
        """Press the first button containing `label`, on the newest message that has one."""
        shown = [m for m in self.by_number.values() if self._visible(m) and not m.deleted]
        for message in reversed(shown):
            labels = message.button_texts()
            for index, text in enumerate(labels, start=1):
                if label and label.lower() in text.lower():
                    await self._press(message, index)
                    return
        print(f"Tidak ada tombol \"{label}\" di chat ini.")

    async def _press(self, message: SentMessage, number: int, shown: list[str | None] | None = None) -> None:
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
                await self._say(button["text"])
            return
        datas = [data for row in message.buttons for _, data in row] or shown or []
        if not 1 <= number <= len(datas) or datas[number - 1] is None:
            print("Nomor tombol tidak ada.")
            return
        query_id = await self.double.press_button(self.user, message, datas[number - 1] or "", force=True)
        self.presses[query_id] = self.user.full_name


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
    await governance.request_join(services, forum=forum, user_id=applicant.user_id, name=applicant.name,
                                     jabatan=applicant.jabatan, village_code=applicant.village_code,
                                     role="anggota", language="id")


def _read_lines(queue: asyncio.Queue[str | None]) -> None:
    """Feed standard input into `queue` from a daemon thread.

    A daemon thread, not the loop's executor: a thread blocked in readline() would otherwise
    keep the process alive after :keluar until the terminal sends another line.
    """
    loop = asyncio.get_running_loop()

    def read() -> None:
        while True:
            line = sys.stdin.readline()
            loop.call_soon_threadsafe(queue.put_nowait, line if line else None)
            if not line:
                return

    threading.Thread(target=read, name="console-stdin", daemon=True).start()


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
            files_dir = Path(tempfile.mkdtemp(prefix="kades-console-berkas-"))
            console = Console(double, services, demo, files_dir)
            print(HELP)
            print(f"\nBerkas yang dikirim bot (xlsx, csv, png, ics) disimpan di: {files_dir}")
            print(f"Anda: {console.user.full_name}. Coba /bantuan" + (" atau /anggota." if demo else " atau /forum_baru.")
                  + " Ketik :keluar untuk selesai.")
            printer = asyncio.create_task(console.printer())
            queue: asyncio.Queue[str | None] = asyncio.Queue()
            _read_lines(queue)
            try:
                while True:
                    print(console.prompt(), end="", flush=True)
                    line = await queue.get()
                    if line is None or not await console.handle(line):
                        break
                    # Let the bot answer before the next line (matters when input is piped).
                    with contextlib.suppress(TimeoutError):
                        await double.wait_idle(quiet=0.5, timeout=10)
                    console.flush()
            finally:
                printer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await printer
                await stop_manually(app)
    return 0


def run_console(settings: Settings, *, demo: bool, db_path: str | None) -> int:
    try:
        return asyncio.run(_main(settings, demo, db_path))
    except KeyboardInterrupt:
        return 0


