"""The bot process never loads the heavy rendering libraries: they live in the render worker."""

from __future__ import annotations

import subprocess
import sys


def test_bot_process_does_not_import_matplotlib_numpy_openpyxl_or_docx() -> None:
    code = (
        "import sys\n"
        "import bot.app, bot.cli, handlers.reports, handlers.musyawarah, bot.agreements.documents, bot.reports.worker\n"
        "heavy = [m for m in ('matplotlib', 'numpy', 'openpyxl', 'PIL', 'docx', 'lxml') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_worker_jobs_module_is_the_one_that_loads_them() -> None:
    code = ("import sys, bot.reports.jobs\n"
            "print('matplotlib' in sys.modules and 'openpyxl' in sys.modules and 'docx' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
