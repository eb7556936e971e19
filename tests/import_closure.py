"""The repository files a stage's code runs: its module and every `stages.*` module it imports, transitively.

`python -m tests.import_closure` prints each stage's code dependencies, ready for dvc.yaml.
Empty package markers (`__init__.py`) are left out: they run no code (a test checks they stay empty).
The one exception is `stages/__init__.py`, which pins the numerical kernels before numpy loads: it runs
first in every stage, so it is in every stage's closure.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "stages"


def module_file(module: str) -> Path | None:
    """stages.io.paths -> stages/io/paths.py (None for packages and for modules outside the repository)."""
    candidate = ROOT / (module.replace(".", "/") + ".py")
    return candidate if module.split(".")[0] == PACKAGE and candidate.exists() else None


def all_imports(path: Path) -> set[str]:
    """Every module a file imports, by dotted name, at any depth of its syntax tree (lazy imports included)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = absolute(path, node.module, node.level)
            modules.add(module)
            modules.update(f"{module}.{alias.name}" for alias in node.names)  # from package import module
    return modules


def absolute(path: Path, module: str | None, level: int) -> str:
    """`from ..report import page` in stages/io/x.py -> stages.report (relative imports count like any other)."""
    if not level:
        return module or ""
    package = path.resolve().relative_to(ROOT).with_suffix("").parts[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def imported_modules(path: Path) -> set[str]:
    """Every `stages.*` module a file imports."""
    return {m for m in all_imports(path) if m.split(".")[0] == PACKAGE}


ROOT_PACKAGE = ROOT / PACKAGE / "__init__.py"  # runs before anything else: the kernel pins


def closure(module: str) -> set[str]:
    """Repository-relative paths of the files ``module`` runs."""
    seen: set[Path] = {ROOT_PACKAGE}
    pending = [module_file(module)]
    while pending:
        path = pending.pop()
        if path is None or path in seen:
            continue
        seen.add(path)
        pending.extend(module_file(m) for m in imported_modules(path))
    return {p.relative_to(ROOT).as_posix() for p in seen}


if __name__ == "__main__":
    from stages.io.paths import STAGES

    for stage in STAGES:
        print(f"{stage}:")
        for dep in sorted(closure(f"stages.{stage}")):
            print(f"  - {dep}")
