"""Steps per task, before and after issue #16, and how many texts changed (issue #16's closing note).

    python bench/steps.py                       # before = 1f588b7, after = this checkout
    python bench/steps.py --before REV --json steps.json

Drives the real bot (PTB Application, real SQLite file with the national registry) through the
project's Telegram test double on 127.0.0.1, as a person would: it reads the bot's last message,
answers what it asks (typing or pressing a button) and counts what the USER does: commands sent,
messages typed, buttons pressed, characters typed (commands not counted as characters: they are
picked from the menu), files sent; and what the bot sends that person: new messages and edits.

"Before" runs the same script against a `git worktree` of REV (made under the temp dir if it does
not exist yet) with PYTHONPATH pointing there, so the old code is imported; this venv's packages are
used (the old code's dependencies are a subset). The driver adapts to both versions by reacting to
what the bot says (rules on the text and buttons), never by changing the old code.

Tasks: (1) join — a new village head from /start (invite link) to approved, the koordinator's
approval counted separately; (2) a koordinator schedules a one-off meeting (title, date/time,
place, 2 agenda items); (3) a member answers the invitation "Tidak hadir" with a reason;
(4) a kerja sama antardesa between two villages: the /kerjasama_baru registration form (title, two
villages, no third party, bidang, objective, scope, each village's rights, funding source and amount,
legal basis, start and end, executing body, rhythm, signed document) and, where the code has it,
the new lifecycle /kerjasama_rintis up to the record existing (stage persiapan: kind, title, Musdes
date, partner village).

Texts changed: catalog keys of the Indonesian catalog added / removed / changed between REV and this
checkout, and how often "Anda" and "Bapak/Ibu" occur in it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "1f588b7"
START = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # a Tuesday, 10:00 WIB (as the flow tests)
SIDASARI, CIPARI = "33.01.18.2011", "33.01.18.2005"
QUIET = 0.25  # s without any bot API call after the reply: the bot has settled
MAX_ACTIONS = 60


# ---------------------------------------------------------------------------------------- counting
@dataclass
class Count:
    commands: int = 0
    typed: int = 0
    pressed: int = 0
    chars: int = 0
    files: int = 0
    bot_messages: int = 0
    bot_edits: int = 0
    transcript: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "transcript"}


class Actor:
    """One person talking to the bot in private; every action is counted, then the bot settles."""

    def __init__(self, double: Any, user: Any) -> None:
        self.double, self.user, self.count = double, user, Count()
        self._start_sent = 0
        self._start_edits = 0

    @property
    def id(self) -> int:
        return int(self.user.id)

    def begin(self) -> None:
        self.count = Count()
        self._start_sent = len(self.double.sent(self.id))
        self._start_edits = self._edits()

    def end(self) -> Count:
        self.count.bot_messages = len(self.double.sent(self.id)) - self._start_sent
        self.count.bot_edits = self._edits() - self._start_edits
        return self.count

    def _edits(self) -> int:
        return sum(len(m.edit_history) for m in self.double.sent(self.id))

    def last(self) -> Any:
        return self.double.last(self.id)

    async def _settle(self, before: int, cq: str | None = None) -> None:
        # Wait for the bot's answer (a new message or an edit in this chat), then for quiet.
        try:
            await self.double.wait_for(self.id, after=before, timeout=20)
        except TimeoutError:
            pass  # some presses only answer the callback (a toast)
        if cq is not None and hasattr(self.double, "wait_for_answer"):
            await self.double.wait_for_answer(cq, timeout=20)
        elif cq is not None:  # the old double has no wait_for_answer: watch its answers
            async with asyncio.timeout(20):
                while cq not in self.double.answered_callbacks:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
        await self.double.wait_idle(quiet=QUIET, timeout=30)

    async def type(self, text: str) -> None:
        before = len(self.double.sent(self.id))
        if text.startswith("/"):
            self.count.commands += 1
        else:
            self.count.typed += 1
            self.count.chars += len(text)
        self.count.transcript.append(f"  > {text!r}")
        await self.double.send_message(self.user, text)
        await self._settle(before)

    async def press(self, message: Any, label: str) -> None:
        before = len(self.double.sent(self.id))
        data = next(d for row in message.buttons for text, d in row if label in text and d)
        self.count.pressed += 1
        self.count.transcript.append(f"  [{label}]")
        cq = await self.double.press_button(self.user, message, data)
        await self._settle(before, cq)

    async def send_file(self, name: str) -> None:
        before = len(self.double.sent(self.id))
        self.count.files += 1
        self.count.transcript.append(f"  (file {name})")
        await self.double.send_document(self.user, file_name=name)
        await self._settle(before)


# A rule: when the message's text contains `when` (case-insensitive; all of a tuple) and, if
# given, it has a button containing `button`: type `text` / press `press` / send a file.
@dataclass(frozen=True)
class Rule:
    when: str | tuple[str, ...] = ""
    button: str | None = None
    text: str | None = None
    press: str | None = None
    file: str | None = None
    once: bool = False

    def fits(self, message: Any) -> bool:
        words = (self.when,) if isinstance(self.when, str) else self.when
        body = message.text.lower()
        if not all(w.lower() in body for w in words):
            return False
        labels = message.button_texts()
        return all(any(want in b for b in labels) for want in (self.button, self.press) if want is not None)


async def converse(actor: Actor, rules: list[Rule], done: Callable[[], Awaitable[bool]], task: str) -> None:
    """Answer the bot's latest messages by the first fitting rule until `done`."""
    used: set[int] = set()
    for _ in range(MAX_ACTIONS):
        if await done():
            await actor.double.wait_idle(quiet=QUIET, timeout=30)
            last = actor.last()
            actor.count.transcript.append(f"bot (done): {last.text[:90]!r} {last.button_texts()[:6]}")
            return
        # The latest message first; an earlier one only for its buttons (a note may follow them).
        recent = [m for m in actor.double.sent(actor.id)[-3:] if not m.deleted][::-1]
        choice = next(((m, i, r) for n, m in enumerate(recent) for i, r in enumerate(rules)
                       if r.fits(m) and not (r.once and i in used) and (n == 0 or r.press is not None)), None)
        if choice is None:
            raise RuntimeError(f"{task}: no rule for the bot's message:\n{recent[0].text if recent else '-'}\n"
                               f"buttons {recent[0].button_texts() if recent else []}\n"
                               + "\n".join(actor.count.transcript))
        message, index, rule = choice
        used.add(index)
        actor.count.transcript.append(f"bot: {message.text[:90]!r} {message.button_texts()[:6]}")
        if rule.press is not None:
            await actor.press(message, rule.press)
        elif rule.file is not None:
            await actor.send_file(rule.file)
        else:
            assert rule.text is not None
            await actor.type(rule.text)
    raise RuntimeError(f"{task}: not done after {MAX_ACTIONS} actions\n" + "\n".join(actor.count.transcript))


# ---------------------------------------------------------------------------------------- the tasks
def join_rules(village: str, first_try: str | None = None) -> list[Rule]:
    """The join form; `first_try` is how the person first spells the village (then the exact name)."""
    tries = [Rule("desa", text=first_try, once=True)] if first_try else []
    return [
        Rule(press="Kirim permintaan"),
        Rule(press=f"{village} — Kec. Cipari"),
        Rule(press="Kepala Desa"),
        Rule("nama lengkap", text="Sri Wahyuni"),
        *tries,
        Rule("desa", text=village.lower()),
    ]

MEETING_RULES = [
    Rule(press="Simpan dan umumkan"),
    Rule("judul", text="Rapat koordinasi Desember"),
    Rule("sudah benar", press="Benar"),
    Rule("kapan", text="12/12/2026 09.00"),
    Rule("berapa lama", press="2 jam"),
    Rule("di mana", text="Balai Desa Sidasari"),
    Rule("agenda", text="Laporan BUMDes\nRencana kerja 2027", once=True),
    Rule("agenda", press="Selesai"),
    Rule("dokumen", press="Selesai"),
    Rule("berulang", press="Sekali saja"),
]

# Type the reason where the bot invites typing it ("ketik alasan..."); where it only offers a
# button ("Boleh tulis alasannya"), press "Tulis alasan" first, as a person who knows the old bot
# would (typing straight away there got "tidak mengerti": the naive path is longer still).
RSVP_RULES = [
    Rule("ketik alasan", text="Ada musdes di desa", once=True),
    Rule(press="Tulis alasan", once=True),
    Rule(press="Tidak hadir", once=True),
]
# The same person who types the reason right after "Tidak hadir" whatever the prompt says; when the
# bot does not take it, she presses "Tulis alasan" and types it again.
RSVP_TYPING_RULES = [
    Rule("alasan", text="Ada musdes di desa", once=True),
    Rule("ketik alasan", text="Ada musdes di desa", once=True),
    Rule(press="Tulis alasan", once=True),
    Rule(press="Tidak hadir", once=True),
]

KERJASAMA_RULES = [
    Rule("mau mulai dari mana", press="Catat kerja sama"),  # /kerjasama_baru's choice (after d359cca)
    Rule("periksa data kerja sama", press="Simpan"),
    Rule("judul kerja sama", text="Pengelolaan Air Bersih"),
    Rule("desa mana saja", button="Selesai (2", press="Selesai"),
    Rule("desa mana saja", press="Sidasari", once=True),
    Rule("desa mana saja", press="Cipari", once=True),
    Rule("pihak ketiga", press="Lewati"),
    Rule("pihak ketiga", text="-"),
    Rule("bidang kerja sama", press="Air bersih"),
    Rule("tujuan", text="Air bersih untuk warga dua desa"),
    Rule("ruang lingkup", text="Sumber air, pipa dan bak penampung"),
    Rule("sidasari (1/", text="Menyediakan lahan sumber air"),
    Rule("cipari (2/", text="Membangun jaringan pipa"),
    Rule("sumber dana", text="APBDes"),
    Rule("jumlah dana", text="150 juta"),
    Rule("dasar hukum", text="Peraturan Bersama Kepala Desa Nomor 1 Tahun 2026"),
    Rule("mulai berlaku", text="1 Desember 2026"),
    Rule("berakhir", text="30 November 2028"),
    Rule("pelaksana", text="BKAD Kecamatan Cipari"),
    Rule("seberapa sering", press="Semester"),
    Rule("ditandatangani", file="perber.pdf"),
]

RINTIS_RULES = [
    Rule("periksa sebelum", press="Simpan"),
    Rule("rintis?", press="antardesa"),
    Rule("kapan musyawarah desa", text="20 November 2026"),
    Rule("catatan singkat", press="Lewati"),
    Rule("terpilih: cipari", press="Selesai"),
    Rule(press="Cipari — Kec. Cipari"),
    Rule("desa mitra", text="Cipari", once=True),
    Rule("judul", text="Pengelolaan Air Bersih"),
]


@dataclass
class Harness:
    double: Any
    services: Any
    db_path: Path

    async def scalar(self, sql: str, *params: Any) -> Any:
        return await self.services.db.fetchval(sql, params)


async def seed(h: Harness, members: dict[int, tuple[str, str]]) -> int:
    seed_forum = sys.modules["tests.conftest"].seed_forum
    for user_id, (name, _) in members.items():
        h.double.user(user_id, name)
    return int(await seed_forum(h.services, koordinator=1001, members=members))


async def task_join(h: Harness) -> dict[str, Count]:
    return await join_as(h, "Sidasari", None, "")


async def task_join_spelling(h: Harness) -> dict[str, Count]:
    # The example: "karang reja" for Karangreja in Kec. Cipari, then "karangreja".
    return await join_as(h, "Karangreja", "karang reja", " (types 'karang reja' first)")


async def join_as(h: Harness, village: str, first_try: str | None, label: str) -> dict[str, Count]:
    forum_id = await seed(h, {1001: ("Budi Santoso", CIPARI)})
    budi = Actor(h.double, h.double.user(1001, "Budi Santoso"))
    sri = Actor(h.double, h.double.user(2002, "Sri Wahyuni"))
    await budi.type("/undang")  # the invitation link (the koordinator's, before the task)
    link = next(m for m in reversed(h.double.sent(budi.id)) if "?start=" in m.text)
    code = re.search(r"\?start=([A-Za-z0-9_-]+)", link.text)
    assert code, link.text

    async def requested() -> bool:
        return bool(await h.scalar("SELECT count(*) FROM memberships WHERE user_id = ? AND forum_id = ?",
                                   sri.id, forum_id))

    sri.begin()
    budi.begin()
    await sri.type(f"/start {code.group(1)}")
    await converse(sri, join_rules(village, first_try), requested, "join")

    async def approved() -> bool:
        return await h.scalar("SELECT status FROM memberships WHERE user_id = ? AND forum_id = ?",
                              sri.id, forum_id) == "active"

    await h.double.wait_idle(quiet=QUIET)
    await converse(budi, [Rule("permintaan bergabung", press="Setujui")], approved, "approve")
    await h.double.wait_idle(quiet=QUIET)
    counts = {f"join: the new kades{label}": sri.end()}
    if not first_try:
        counts["join: the koordinator approves"] = budi.end()
    return counts


MEETING_MEMBERS = {1001: ("Budi Santoso", SIDASARI), 2001: ("Sri Wahyuni", CIPARI)}


async def schedule(h: Harness, budi: Actor) -> None:
    async def saved() -> bool:
        return bool(await h.scalar("SELECT count(*) FROM meetings"))

    await budi.type("/pertemuan_baru")
    await converse(budi, MEETING_RULES, saved, "meeting")
    await h.double.wait_idle(quiet=QUIET)


async def task_meeting(h: Harness) -> dict[str, Count]:
    await seed(h, MEETING_MEMBERS)
    budi = Actor(h.double, h.double.user(1001, "Budi Santoso"))
    budi.begin()
    await schedule(h, budi)
    return {"meeting (one-off, 2 agenda items)": budi.end()}


async def task_rsvp(h: Harness) -> dict[str, Count]:
    return await rsvp_with(h, RSVP_RULES, "RSVP tidak hadir + reason")


async def task_rsvp_typing(h: Harness) -> dict[str, Count]:
    return await rsvp_with(h, RSVP_TYPING_RULES, "RSVP tidak hadir + reason (types it straight away)")


async def rsvp_with(h: Harness, rules: list[Rule], label: str) -> dict[str, Count]:
    await seed(h, MEETING_MEMBERS)
    budi = Actor(h.double, h.double.user(1001, "Budi Santoso"))
    sri = Actor(h.double, h.double.user(2001, "Sri Wahyuni"))
    await schedule(h, budi)
    await h.services.delivery.run_due()  # the invitation goes out through the outbox
    await h.double.wait_for(sri.id, lambda m: "Tidak hadir" in " ".join(m.button_texts()), timeout=20)
    await h.double.wait_idle(quiet=QUIET)
    sri.begin()  # from the invitation on: only what answers her

    async def answered() -> bool:
        return bool(await h.scalar("SELECT reason FROM meeting_rsvps WHERE user_id = ?", sri.id))

    await converse(sri, rules, answered, "rsvp")
    await h.double.wait_idle(quiet=QUIET)
    return {label: sri.end()}


KS_MEMBERS = {1001: ("Budi Santoso", SIDASARI), 1002: ("Sri Wahyuni", CIPARI)}


async def task_kerjasama(h: Harness) -> dict[str, Count]:
    await seed(h, KS_MEMBERS)
    budi = Actor(h.double, h.double.user(1001, "Budi Santoso"))

    async def recorded() -> bool:
        return bool(await h.scalar("SELECT count(*) FROM agreements"))

    budi.begin()
    await budi.type("/kerjasama_baru")
    await converse(budi, KERJASAMA_RULES, recorded, "kerjasama_baru")
    await h.double.wait_idle(quiet=QUIET)
    return {"kerja sama: /kerjasama_baru form": budi.end()}


async def task_rintis(h: Harness) -> dict[str, Count]:
    await seed(h, KS_MEMBERS)
    budi = Actor(h.double, h.double.user(1001, "Budi Santoso"))

    async def recorded() -> bool:
        return bool(await h.scalar("SELECT count(*) FROM agreements"))

    budi.begin()
    await budi.type("/kerjasama_rintis")
    await converse(budi, RINTIS_RULES, recorded, "kerjasama_rintis")
    await h.double.wait_idle(quiet=QUIET)
    return {"kerja sama: /kerjasama_rintis to persiapan": budi.end()}


# The whole lifecycle to pelaksanaan, the same information as /kerjasama_baru records (the funding
# split per village: 100 juta + 50 juta; no evaluation rhythm step) plus what the stages add.
LIFECYCLE_RULES = [
    Rule("periksa sebelum", press="Kirim penawaran"),
    Rule("periksa sebelum", press="Simpan"),
    Rule("tahap: persiapan", press="Kirim penawaran"),
    Rule("tahap: penawaran", press="Mulai perumusan"),
    Rule("tahap: perumusan", press="Isi pasal-pasal", once=True),
    Rule("tahap: perumusan", press="Catat hasil perumusan"),
    Rule("tahap: penandatanganan", press="Catat penandatanganan"),
    Rule(press="Lihat tahapan"),
    Rule("maksud dan tujuan", text="Air bersih untuk warga dua desa"),
    Rule("menurut uu desa", press="Pelayanan"),
    Rule("bidang kegiatannya", press="Air bersih"),
    Rule("ruang lingkup", text="Sumber air, pipa dan bak penampung"),
    Rule("tata cara dan ketentuan", text="Rapat bulanan BKAD"),
    Rule("tanggal mulai", text="1 Desember 2026"),
    Rule("tanggal berakhir", text="30 November 2028"),
    Rule("hak dan kewajiban sidasari", text="Menyediakan lahan sumber air"),
    Rule("hak dan kewajiban cipari", text="Membangun jaringan pipa"),
    Rule("pendanaan dari sidasari", text="100 juta"),
    Rule("pendanaan dari cipari", text="50 juta"),
    Rule("perubahan, penundaan dan pembatalan", text="Dengan kesepakatan para pihak"),
    Rule("perselisihan", text="Musyawarah"),
    Rule("siapa pelaksana", press="BKAD"),
    Rule("nama bkad", text="BKAD Kecamatan Cipari"),
    Rule("anggota pelaksana", press="Selesai"),
    Rule("perumusan diadakan", text="24 November 2026"),
    Rule("catatan hasil perumusan", press="Lewati"),
    Rule("tanggal penandatanganan", text="24 November 2026"),
    Rule("nomor dokumennya", text="Peraturan Bersama Kepala Desa Nomor 1 Tahun 2026"),
    Rule("penanda tangan untuk sidasari", text="Budi Santoso, Kepala Desa Sidasari"),
    Rule("penanda tangan untuk cipari", text="Sri Wahyuni, Kepala Desa Cipari"),
    Rule("kirim dokumen yang sudah", file="perber.pdf"),
    Rule("daftar kerja sama", press="Pengelolaan Air Bersih"),
    Rule(button="Pengelolaan Air Bersih", press="Pengelolaan Air Bersih"),
    Rule("menerima penawaran", text="/kerjasama"),
    *RINTIS_RULES,
]


async def task_lifecycle(h: Harness) -> dict[str, Count]:
    await seed(h, KS_MEMBERS)
    budi = Actor(h.double, h.double.user(1001, "Budi Santoso"))
    sri = Actor(h.double, h.double.user(1002, "Sri Wahyuni"))

    async def stage(*names: str) -> bool:
        return await h.scalar("SELECT stage FROM agreements") in names

    async def offered() -> bool:
        return bool(await h.scalar("SELECT count(*) FROM agreement_offers")) and await stage("penawaran")

    async def accepted() -> bool:
        return await h.scalar("SELECT answer FROM agreement_offers") == "terima"

    budi.begin()
    sri.begin()
    await budi.type("/kerjasama_rintis")
    await converse(budi, LIFECYCLE_RULES, offered, "lifecycle: offer")
    await h.double.wait_for(sri.id, lambda m: "Terima" in " ".join(m.button_texts()), timeout=20)
    await converse(sri, [Rule(press="Terima")], accepted, "lifecycle: partner")
    await h.double.wait_idle(quiet=QUIET)
    await converse(budi, LIFECYCLE_RULES, lambda: stage("pelaksanaan"), "lifecycle: to pelaksanaan")
    return {"kerja sama: lifecycle to pelaksanaan (initiator)": budi.end(),
            "kerja sama: lifecycle, the partner accepts": sri.end()}


TASKS: list[tuple[str, Callable[[Harness], Awaitable[dict[str, Count]]], str | None]] = [
    ("join", task_join, None),
    ("join_spelling", task_join_spelling, None),
    ("meeting", task_meeting, None),
    ("rsvp", task_rsvp, None),
    ("rsvp_typing", task_rsvp_typing, None),
    ("kerjasama_baru", task_kerjasama, "kerjasama_baru"),
    ("kerjasama_rintis", task_rintis, "kerjasama_rintis"),
    ("kerjasama_lifecycle", task_lifecycle, "kerjasama_rintis"),
]


# ---------------------------------------------------------------------------------------- one run
async def measure(root: Path, only: list[str] | None = None) -> dict[str, Any]:
    """Run every task against the code at `root` (already first on sys.path)."""
    # Imported here, not at the top: which tree they come from is chosen at run time (--measure).
    import tests.conftest as conftest
    from bot.clock import FixedClock
    from bot.telegram_double import TelegramDouble
    from bot.texts import _load
    from storage.database import Database
    from storage.regions import RegionRepo

    work = Path(tempfile.mkdtemp(prefix="steps-"))
    template = work / "template.sqlite3"
    db = Database(template)
    await db.open()
    await RegionRepo(db).ensure_loaded()
    await db.writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.close()
    commands = _commands(root)
    results: dict[str, Any] = {}
    for name, task, needs in TASKS:
        if (needs is not None and needs not in commands) or (only and name not in only):
            continue
        db_path = work / f"{name}.sqlite3"
        shutil.copyfile(template, db_path)
        async with TelegramDouble(token=conftest.TOKEN, bot_username="kades_test_bot",
                                  enforce_limits=False) as double:
            settings = conftest.settings_for(double, db_path)
            app = await conftest.start_bot(double, settings, FixedClock(START))
            try:
                counts = await task(Harness(double, app.bot_data["services"], db_path))
            finally:
                await conftest.stop_bot(app)
        for label, count in counts.items():
            results[label] = {"counts": count.summary(), "transcript": count.transcript}
    shutil.rmtree(work, ignore_errors=True)
    return {"commit": _rev(root), "tasks": results, "catalog_id": _load()["id"]}


def _commands(root: Path) -> set[str]:
    found: set[str] = set()
    for path in (root / "handlers").glob("*.py"):
        found.update(re.findall(r'CommandHandler\(\s*"([a-z_]+)"', path.read_text()))
    return found


def _rev(root: Path) -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True, cwd=root).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_at(root: Path) -> dict[str, Any]:
    """This script in a fresh interpreter with `root` first on the path; its JSON result."""
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", str(root), "--out", str(out)],
                   cwd=root, env=env, check=True)
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


def worktree_of(rev: str) -> Path:
    path = Path(tempfile.gettempdir()) / f"kades-steps-{rev}"
    if not (path / "bot").is_dir():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), rev], cwd=ROOT, check=True,
                       capture_output=True)
    return path


# ---------------------------------------------------------------------------------------- report
def texts_changed(old: dict[str, str], new: dict[str, str]) -> dict[str, int]:
    def count(catalog: dict[str, str], word: str) -> int:
        return sum(len(re.findall(rf"\b{re.escape(word)}\b", text)) for text in catalog.values())

    def addressed(text: str) -> str:  # the old text with only the form of address changed
        return re.sub(r"\bAnda\b", "Bapak/Ibu", text)

    both = old.keys() & new.keys()
    return {
        "keys_before": len(old), "keys_after": len(new),
        "changed_address_only": sum(1 for k in both if old[k] != new[k] and addressed(old[k]) == new[k]),
        "anda_texts_before": sum(1 for v in old.values() if re.search(r"\bAnda\b", v)),
        "anda_texts_after": sum(1 for v in new.values() if re.search(r"\bAnda\b", v)),
        "added": len(new.keys() - old.keys()), "removed": len(old.keys() - new.keys()),
        "changed": sum(1 for k in old.keys() & new.keys() if old[k] != new[k]),
        "unchanged": sum(1 for k in old.keys() & new.keys() if old[k] == new[k]),
        "anda_before": count(old, "Anda"), "anda_after": count(new, "Anda"),
        "bapak_ibu_before": count(old, "Bapak/Ibu"), "bapak_ibu_after": count(new, "Bapak/Ibu"),
    }


def steps(c: dict[str, int]) -> str:
    extra = f" +{c['files']} file" if c["files"] else ""
    return f"{c['commands']} cmd + {c['typed']} typed / {c['pressed']} pressed / {c['chars']} chars{extra}"


def table(before: dict[str, Any], after: dict[str, Any]) -> str:
    labels = list(dict.fromkeys([*before["tasks"], *after["tasks"]]))
    lines = [f"| task | before ({before['commit']}) | after ({after['commit']}) | bot messages (+edits) before / after |",
             "|---|---|---|---|"]
    for label in labels:
        b = before["tasks"].get(label, {}).get("counts")
        a = after["tasks"].get(label, {}).get("counts")
        msgs = " / ".join(f"{c['bot_messages']} (+{c['bot_edits']})" if c else "—" for c in (b, a))
        lines.append(f"| {label} | {steps(b) if b else '— (no such flow)'} | {steps(a) if a else '—'} | {msgs} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=BEFORE, help="the commit before the issue work (default 1f588b7)")
    parser.add_argument("--json", type=Path, help="also write both runs (with transcripts) here")
    parser.add_argument("--transcripts", action="store_true", help="print what each person did")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        sys.path.insert(0, str(args.measure))
        import bot

        # The code measured must be the tree asked for, not this venv's editable install.
        assert Path(bot.__file__).resolve().is_relative_to(args.measure.resolve()), bot.__file__
        args.out.write_text(json.dumps(asyncio.run(measure(args.measure, args.only)), ensure_ascii=False))
        return
    before = run_at(worktree_of(args.before))
    after = run_at(ROOT)
    if args.transcripts:
        for run in (before, after):
            for label, task in run["tasks"].items():
                print(f"## {run['commit']} {label}\n" + "\n".join(task["transcript"]))
    print(table(before, after))
    changed = texts_changed(before["catalog_id"], after["catalog_id"])
    print(f"\nId catalog {before['commit']} -> {after['commit']}: {changed['keys_before']} -> {changed['keys_after']}"
          f" keys; added {changed['added']}, removed {changed['removed']}, changed {changed['changed']},"
          f" unchanged {changed['unchanged']}; of the changed, {changed['changed_address_only']} only in the form of"
          f" address (Anda -> Bapak/Ibu). \"Anda\" {changed['anda_before']} -> {changed['anda_after']} times"
          f" (in {changed['anda_texts_before']} -> {changed['anda_texts_after']} texts);"
          f" \"Bapak/Ibu\" {changed['bapak_ibu_before']} -> {changed['bapak_ibu_after']}.")
    if args.json:
        args.json.write_text(json.dumps({"before": before, "after": after, "texts": changed}, ensure_ascii=False,
                                        indent=1))


if __name__ == "__main__":
    main()
