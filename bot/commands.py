"""The commands the bot offers: one list, used for setMyCommands and /bantuan.

Each feature adds its commands here with the roles that may use them (None: anyone,
including people who are not members yet) and where they work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.permissions import EVERYONE, KOORDINATOR, STAFF, Role

Where = Literal["private", "group", "both"]


@dataclass(frozen=True)
class Command:
    name: str
    roles: frozenset[Role] | None  # None: also for non-members
    where: Where = "private"
    # Shown in Telegram's command menu (setMyCommands); otherwise only in /bantuan.
    in_menu: bool = True

    @property
    def text_key(self) -> str:
        return f"cmd.{self.name}"


COMMANDS: list[Command] = [
    Command("start", None, in_menu=False),
    Command("bantuan", None, "both"),
    Command("profil", None),
    Command("forum_baru", None),
    Command("anggota", EVERYONE, "both"),
    Command("undang", KOORDINATOR),
    Command("forum", EVERYONE, "both"),
    Command("peran", STAFF),
    Command("permintaan", STAFF),
    Command("hubungkan", KOORDINATOR, "group"),
    Command("topik", KOORDINATOR, "group"),
    Command("siaran", KOORDINATOR),
    Command("siaran_riwayat", KOORDINATOR),
    Command("bahasa", None),
    Command("batal", None),
    Command("keluar", EVERYONE),
    Command("hapus_data", None, in_menu=False),
    Command("pertemuan_baru", KOORDINATOR),
    Command("agenda", EVERYONE, "both"),
    Command("pertemuan", EVERYONE, "both"),
    Command("atur_pengingat", KOORDINATOR, in_menu=False),
    Command("ekspor", STAFF),
    Command("laporan", STAFF),
    Command("profil_desa", EVERYONE),
    Command("cari_desa", EVERYONE),
    Command("kunjungan", EVERYONE),
    Command("berbagi", EVERYONE),
    Command("cari", EVERYONE, "both"),
    Command("berbagi_terbaru", EVERYONE, "both"),
    Command("baca", EVERYONE, "both", in_menu=False),
    Command("tersimpan", EVERYONE),
    Command("ringkasan", EVERYONE),
    Command("kerjasama_baru", EVERYONE),
    Command("kerjasama", EVERYONE),
]



def visible_to(roles: set[Role], *, is_member: bool, chat: Where) -> list[Command]:
    """Commands a user with these roles can use in this kind of chat (for /bantuan)."""
    out = []
    for command in COMMANDS:
        if command.name == "start":
            continue
        if command.where not in (chat, "both"):
            continue
        if command.roles is None or (is_member and roles & command.roles):
            out.append(command)
    return out
