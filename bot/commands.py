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
    # The short group /bantuan lists it under (texts "help.group.<group>").
    group: str = "akun"

    @property
    def text_key(self) -> str:
        return f"cmd.{self.name}"


COMMANDS: list[Command] = [
    Command("start", None, in_menu=False),
    Command("bantuan", None, "both"),
    Command("profil", None),
    Command("forum_baru", None),
    Command("anggota", EVERYONE, "both", group="forum"),
    Command("undang", KOORDINATOR, group="forum"),
    Command("forum", EVERYONE, "both", group="forum"),
    Command("peran", STAFF, group="forum"),
    Command("permintaan", STAFF, group="forum"),
    Command("hubungkan", KOORDINATOR, "group", group="forum"),
    Command("topik", KOORDINATOR, "group", group="forum"),
    Command("siaran", KOORDINATOR, group="forum"),
    Command("siaran_riwayat", KOORDINATOR, group="forum"),
    Command("bahasa", None),
    Command("batal", None),
    Command("keluar", EVERYONE, group="forum"),
    Command("hapus_data", None, in_menu=False),
    Command("pertemuan_baru", KOORDINATOR, group="pertemuan"),
    Command("agenda", EVERYONE, "both", group="pertemuan"),
    Command("pertemuan", EVERYONE, "both", group="pertemuan"),
    Command("atur_pengingat", KOORDINATOR, in_menu=False, group="pertemuan"),
    Command("ekspor", STAFF, group="laporan"),
    Command("laporan", STAFF, group="laporan"),
    Command("profil_desa", EVERYONE, group="desa"),
    Command("cari_desa", EVERYONE, group="desa"),
    Command("kunjungan", EVERYONE, group="desa"),
    Command("berbagi", EVERYONE, group="berbagi"),
    Command("cari", EVERYONE, "both", group="berbagi"),
    Command("berbagi_terbaru", EVERYONE, "both", group="berbagi"),
    Command("baca", EVERYONE, "both", in_menu=False, group="berbagi"),
    Command("tersimpan", EVERYONE, group="berbagi"),
    Command("ringkasan", EVERYONE, group="berbagi"),
    Command("kerjasama_baru", EVERYONE, group="kerjasama"),
    Command("kerjasama", EVERYONE, group="kerjasama"),
    Command("kerjasama_rintis", EVERYONE, group="kerjasama"),
]



HELP_GROUPS = ("pertemuan", "berbagi", "desa", "kerjasama", "forum", "laporan", "akun")


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
