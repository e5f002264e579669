"""The install is rebuildable: requirements.lock matches pyproject.toml, runtime dependencies are
bounded, and no code leans on python-telegram-bot's private modules."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
REFRESH = "uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock"
# Calendar-versioned data with no API (see pyproject.toml).
UNBOUNDED_OK = {"tzdata"}


def _project(text: str | None = None) -> dict:
    return tomllib.loads(text or (ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _top_level(pyproject: str | None = None) -> list[Requirement]:
    project = _project(pyproject)
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def _lock(text: str | None = None) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (text or (ROOT / "requirements.lock").read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", line)
        if match:
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _requires(name: str, extras: set[str]) -> list[Requirement]:
    """What the installed distribution `name` needs with `extras` on (markers evaluated here)."""
    out = []
    for text in metadata.requires(name) or []:
        req = Requirement(text)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras | {""}):
            req.marker = None  # evaluated here, with the parent's extras
            out.append(req)
    return out


def lock_problems(pyproject: str | None = None, lock: str | None = None) -> list[str]:
    """Every package pyproject.toml pulls in (through extras too) is pinned in the lock at a
    version its requirement allows and installed at that version; nothing else is pinned."""
    pins = _lock(lock)
    problems: list[str] = []
    reached: set[str] = set()
    todo = _top_level(pyproject)
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        pinned = pins.get(name)
        if pinned is None:
            problems.append(f"{req} is not pinned in requirements.lock")
            continue
        if not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"requirements.lock pins {name}=={pinned}, outside {req}")
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed")
            continue
        if installed != pinned:
            problems.append(f"{name} {installed} is installed, the lock pins {pinned}")
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in reached:
            continue
        reached.add(key)
        reached.add(name)
        todo.extend(_requires(name, set(req.extras)))
    problems += [f"requirements.lock pins {name}, which nothing requires" for name in sorted(set(pins) - reached)]
    return problems


def test_lock_matches_pyproject() -> None:
    problems = lock_problems()
    assert not problems, (
        "requirements.lock does not match pyproject.toml / this environment:\n  " + "\n  ".join(problems)
        + f"\nRefresh the lock with:\n  {REFRESH}\nthen reinstall: pip install -c requirements.lock -e \".[dev]\""
    )


def test_the_lock_check_finds_each_kind_of_drift() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    # A dependency added to pyproject.toml (e.g. an extra) without refreshing the lock:
    added = pyproject.replace('"python-telegram-bot[rate-limiter]', '"python-telegram-bot[rate-limiter,socks]')
    assert any("socksio" in p and "not pinned" in p for p in lock_problems(added, lock))
    # A pin that is no longer needed, and one outside its range:
    stale = lock + "tornado==6.5\n"
    assert "requirements.lock pins tornado, which nothing requires" in lock_problems(pyproject, stale)
    old = re.sub(r"^aiosqlite==.*$", "aiosqlite==0.19.0", lock, flags=re.M)
    assert any("aiosqlite==0.19.0, outside" in p for p in lock_problems(pyproject, old))


def test_every_runtime_dependency_has_an_upper_bound() -> None:
    unbounded = [r for r in map(Requirement, _project()["dependencies"])
                 if canonicalize_name(r.name) not in UNBOUNDED_OK
                 and not any(s.operator in ("<", "<=", "==", "~=") for s in r.specifier)]
    assert not unbounded, f"add an upper bound (next major; next minor for 0.x): {unbounded}"


def test_lock_records_its_refresh_command() -> None:
    # The README and the failure message above give this command; the lock's header shows it was used.
    assert REFRESH in (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert REFRESH in (ROOT / "README.md").read_text(encoding="utf-8")


def _private_telegram_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "telegram" and any(p.startswith("_") for p in parts[1:]):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{node.lineno} imports {name}")
    return found


def test_no_private_telegram_imports() -> None:
    found = [hit for folder in ("bot", "handlers", "storage", "scheduler", "bench", "tests")
             for path in sorted((ROOT / folder).rglob("*.py")) for hit in _private_telegram_imports(path)]
    assert not found, "python-telegram-bot's private modules move between releases:\n" + "\n".join(found)


def test_the_private_import_check_can_fail(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from telegram._utils.types import ODVInput\nimport telegram.request\n", encoding="utf-8")
    assert _private_telegram_imports(probe) == ["probe.py:1 imports telegram._utils.types"]
