"""`kades-bot console --demo` used the way a person uses it: type a line, read what comes back.

The console runs as a process; the test writes to its standard input and waits for the
expected output before typing the next line, as someone at the keyboard would.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.screen = ""
        self.read_upto = 0

    async def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        await self.proc.stdin.drain()

    async def expect(self, pattern: str, timeout: float = 60.0) -> str:
        """Read output until `pattern` (a regex) appears after what earlier expects consumed."""
        assert self.proc.stdout is not None
        regex = re.compile(pattern)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            match = regex.search(self.screen, self.read_upto)
            if match:
                self.read_upto = match.end()
                return match.group(0)
            remaining = deadline - loop.time()
            assert remaining > 0, f"{pattern!r} never appeared; screen ends with:\n{self.screen[-1500:]}"
            try:
                chunk = await asyncio.wait_for(self.proc.stdout.read(4096), remaining)
            except TimeoutError:
                continue
            assert chunk, f"console exited before {pattern!r}; screen:\n{self.screen[-1500:]}"
            self.screen += ANSI.sub("", chunk.decode(errors="replace"))


async def start_console(tmp_path: Path) -> Terminal:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KADES_", "TELEGRAM_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["TMPDIR"] = str(tmp_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "console", "--demo", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    return Terminal(proc)


async def test_a_whole_forum_in_one_terminal(tmp_path: Path) -> None:
    term = await start_console(tmp_path)
    try:
        await term.expect(r":keluar")
        files_dir = Path((await term.expect(r"disimpan di: \S+")).split(": ", 1)[1])
        await term.expect(r"Budi Santoso \(koordinator\) › ")

        # The koordinator broadcasts; the members receive it while he is at the keyboard.
        await term.type("/siaran")
        await term.expect(r"Tulis pesan siaran")
        await term.type("Rapat rutin Senin pagi di balai desa")
        await term.expect(r"\[\d+\] Lanjut")
        await term.type(":tekan Lanjut")
        preview = (await term.expect(r"#\d+ \[bot → 1001\]\nPratinjau siaran")).split()[0][1:]
        await term.type(":tekan Kirim siaran")
        await term.expect(r"sedang dikirim")
        await term.expect(r"Siaran #1 selesai: 3 terkirim")
        await term.type(":siapa")
        await term.expect(r"Sri Wahyuni \(anggota\) — 1 pesan baru")

        # Switching shows what arrived for her meanwhile.
        await term.type(":as 2")
        await term.expect(r"Sekarang: Sri Wahyuni — 1 pesan baru")
        await term.expect(r"Rapat rutin Senin pagi di balai desa")
        await term.expect(r"Sri Wahyuni \(anggota\) › ")

        # A number with no button to press is sent as text; an old message's button still works.
        await term.type("/profil")
        number = (await term.expect(r"#\d+ \[bot → 1002\]")).split()[0][1:]
        await term.expect(r"\[1\] ")
        await term.type("/bantuan")
        await term.expect(r"/cari")
        await term.type(f"{number}.1")  # "Ubah nama" on the /profil card above /bantuan
        await term.expect(r"nama lengkap")
        await term.type("/batal")
        await term.expect(r"(?i)dibatalkan")

        # A stale button is answered with an alert, printed for the person who pressed it.
        await term.type(":tekan Hentikan")
        await term.expect(r"Tidak ada tombol")
        await term.type(":as 1")
        await term.type(f"{preview}.1")  # "Kirim siaran" again, still on a slow phone's screen
        await term.expect(r"(⚠️ peringatan|💬) \(Budi Santoso\): ")

        # Files the bot sends land in the printed folder.
        await term.type("/laporan")
        saved = await term.expect(r"📎 \S+\.png", timeout=90)
        path = Path(saved.split(" ", 1)[1])
        assert path.parent == files_dir
        assert (await asyncio.to_thread(path.read_bytes)).startswith(b"\x89PNG")

        await term.type(":keluar")
        assert term.proc.stdout is not None
        await asyncio.wait_for(term.proc.stdout.read(), 60)  # drain, so the console can finish printing
        assert await asyncio.wait_for(term.proc.wait(), 60) == 0
    finally:
        if term.proc.returncode is None:
            term.proc.kill()
            await term.proc.wait()
