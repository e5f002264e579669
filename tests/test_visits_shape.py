"""The visits slice keeps the target shape (issue #12): handlers only talk, storage does not reach up,
views are pure, nothing reaches the posts feature through its handlers."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = [ROOT / "handlers" / "visits.py", ROOT / "handlers" / "visits_form.py"]
SLICE = sorted((ROOT / "bot" / "visits").glob("*.py"))


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_handlers_open_no_transaction_and_write_no_push() -> None:
    for path in HANDLERS:
        assert "storage.outbox" not in _imports(path) and "storage.outbox" not in _text(path), path
        assert ".transaction()" not in _text(path) and ".write()" not in _text(path), path
        assert "fetch" not in _text(path) and "execute(" not in _text(path), path


def test_storage_does_not_import_bot_and_has_no_in_twins() -> None:
    storage = ROOT / "storage" / "visits.py"
    assert not any(name == "bot" or name.startswith("bot.") for name in _imports(storage))
    assert "def get_in" not in _text(storage)


def test_views_are_pure_and_no_module_imports_importlib_or_posts_handlers() -> None:
    views = _imports(ROOT / "bot" / "visits" / "views.py")
    assert not any(name.startswith(("storage.database", "storage.outbox", "bot.services", "aiosqlite"))
                   for name in views)
    for path in [*HANDLERS, *SLICE]:
        names = _imports(path)
        assert "importlib" not in names and not any(n.startswith("handlers.posts") for n in names), path


def test_modules_stay_small() -> None:
    for path in [*HANDLERS, *SLICE, ROOT / "storage" / "visits.py"]:
        assert len(_text(path).splitlines()) <= 600, path
