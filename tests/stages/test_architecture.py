"""The shape of the code and of the DVC graph: three floors, one catalog, true and narrow dependencies.

- Each stage's `deps` in dvc.yaml are exactly the code it runs (its import closure inside the
  repository) plus the data the catalog says it reads; its outs are exactly what the catalog says it
  writes, and the stage writes nothing else (checked on the synthetic pipeline run).
- Stage files are wiring: short, no drawing. Computation (`stages/lib`) does no I/O and no drawing.
  Presentation (`stages/report`) is the only floor that draws, and it writes nothing.
- Floors: no import loop anywhere in `stages/`; lib imports only lib; io and report never import
  each other; no module grows past 350 lines. Every check walks the sub-packages too.
"""

from __future__ import annotations

import ast
import functools
import json
import re

import pytest
import yaml

from stages.io import paths
from tests.import_closure import ROOT, ROOT_PACKAGE, all_imports, closure, imported_modules, module_file
from tests.pipeline_run import STAGE_ORDER, written_record

DVC = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))
STAGE_FILES = sorted((ROOT / "stages").glob("*.py"))  # the stages themselves: the package's top level
LIB_FILES = sorted((ROOT / "stages/lib").rglob("*.py"))
IO_FILES = sorted((ROOT / "stages/io").rglob("*.py"))
REPORT_FILES = sorted((ROOT / "stages/report").rglob("*.py"))
ALL_FILES = sorted((ROOT / "stages").rglob("*.py"))
DRAWING = ("matplotlib", "shap.plots", "seaborn")
EXECUTORS = ("joblib", "multiprocessing", "concurrent.futures", "threading", "dask", "distributed")
MAX_STAGE_LINES, MAX_FUNCTION_LINES, MAX_MODULE_LINES = 120, 60, 350

# What reads or writes files, by the name called (``x.to_csv(...)``, ``open(...)``) or by the prefix.
FILE_CALLS = {
    "open", "read_text", "write_text", "read_bytes", "write_bytes", "to_csv", "to_parquet", "to_excel",
    "to_pickle", "to_feather", "to_hdf", "savefig", "imsave", "mkdir", "makedirs", "touch", "unlink", "rmdir",
    "rmtree", "dump", "load", "write", "ParquetFile", "ParquetWriter", "write_table", "iterdir", "glob", "rglob",
}  # fmt: skip
FILE_CALL_PREFIXES = ("read_", "write_", "save_")
FILE_MODULES = (
    "os", "io", "pathlib", "shutil", "tempfile", "glob", "pickle", "skops", "pyarrow.parquet", "pyarrow.csv",
    "pyarrow.dataset", "pyarrow.feather", "pyarrow.fs", "stages.io",
)  # fmt: skip
# A parameter named like a file must be its name (a str), never a file, a path or an object that reads one.
FILE_PARAMETERS = {"path", "paths", "file", "files", "folder", "directory", "export", "source", "stream", "handle"}
FILE_TYPES = re.compile(r"\b(Path|PathLike|IO|TextIO|BinaryIO|TextIOWrapper|BufferedReader)\b")
CATALOG = {"stages.io", "stages.io.paths"}  # `from stages.io import paths`: presentation links to the catalog's paths


def relative(path) -> str:
    return path.relative_to(ROOT).as_posix()


def each(paths: list) -> list:
    """``paths`` as test parameters named by their path in the repository."""
    return [pytest.param(p, id=relative(p)) for p in paths]


def called_names(tree: ast.AST) -> set[str]:
    """The names every call in ``tree`` calls: ``f(...)`` gives f, ``x.y.f(...)`` gives f."""
    return {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }


def file_calls(path) -> set[str]:
    names = called_names(ast.parse(path.read_text(encoding="utf-8")))
    return {n for n in names if n in FILE_CALLS or n.startswith(FILE_CALL_PREFIXES)}


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Each module of stages/ -> the modules of stages/ it imports, at any depth (lazy imports included)."""
    graph = {}
    for path in ALL_FILES:
        targets = {module_file(m) for m in imported_modules(path)} - {None}
        graph[relative(path)] = {relative(t) for t in targets}
    return graph


def loop_through(graph: dict[str, set[str]], start: str) -> list[str]:
    """A shortest chain of imports from ``start`` back to itself ([] if ``start`` is in no loop)."""
    paths, seen = [[start]], set()
    while paths:
        chain = paths.pop(0)
        for target in sorted(graph[chain[-1]]):
            if target == start:
                return [*chain, start]
            if target not in seen:
                seen.add(target)
                paths.append([*chain, target])
    return []


def declared_outputs(stage: dict) -> set[str]:
    entries = [*stage.get("outs", []), *stage.get("metrics", []), *stage.get("plots", [])]
    return {next(iter(e)) if isinstance(e, dict) else e for e in entries}


def code_constants(tree: ast.Module) -> list[ast.Constant]:
    """String and number literals of the code, docstrings left out (they may describe paths)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in docstrings]


def test_the_catalog_names_the_same_stages_as_dvc_yaml():
    assert list(DVC["stages"]) == list(paths.STAGES) == list(STAGE_ORDER)


@pytest.mark.parametrize("stage", STAGE_ORDER)
def test_stage_deps_are_exactly_its_code_and_its_declared_inputs(stage):
    assert DVC["stages"][stage]["cmd"] == f"python -m stages.{stage}"
    code = closure(f"stages.{stage}")
    data = {p.as_posix() for p in paths.STAGES[stage].reads}
    assert set(DVC["stages"][stage]["deps"]) == code | data


@pytest.mark.parametrize("stage", STAGE_ORDER)
def test_stage_outs_are_exactly_what_the_catalog_declares(stage):
    assert declared_outputs(DVC["stages"][stage]) == {p.as_posix() for p in paths.STAGES[stage].writes}


def test_each_stage_writes_only_and_all_of_its_declared_outputs(workspace):
    root, _ = workspace
    written = json.loads(written_record(root).read_text())
    for stage in STAGE_ORDER:
        declared = [p.as_posix() for p in paths.STAGES[stage].writes]
        strays = [f for f in written[stage] if not any(f == d or f.startswith(f"{d}/") for d in declared)]
        assert not strays, f"{stage} wrote files it does not declare: {strays}"
        for output in declared:
            assert (root / output).exists(), f"{stage} did not write its declared output {output}"


def test_package_markers_run_no_code_so_they_are_no_dependency():
    """Except the root package's, which pins the numerical kernels and is in every stage's deps."""
    for marker in (ROOT / "stages").rglob("__init__.py"):
        if marker == ROOT_PACKAGE:
            continue
        body = ast.parse(marker.read_text(encoding="utf-8")).body
        docstring_only = len(body) <= 1 and all(isinstance(getattr(n, "value", None), ast.Constant) for n in body)
        assert docstring_only, f"{marker} must hold a docstring at most (it is left out of dvc.yaml deps)"


@pytest.mark.parametrize("path", STAGE_FILES, ids=lambda p: p.name)
def test_stage_files_are_wiring(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_STAGE_LINES, f"{path.name}: {lines} lines; move computation to stages/lib"
    drawing = [m for m in all_imports(path) if m.startswith(DRAWING)]
    assert not drawing, f"{path.name} draws ({drawing}); drawing belongs in stages/report"


def imports_any(path, prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        m for m in all_imports(path) if m == prefixes or any(m == p or m.startswith(f"{p}.") for p in prefixes)
    )


@pytest.mark.parametrize("path", LIB_FILES, ids=relative)
def test_computation_does_no_io_and_no_drawing(path):
    forbidden = [m for m in all_imports(path) if m.startswith((*DRAWING, "stages.io", "stages.report"))]
    assert not forbidden, f"{relative(path)} imports {forbidden}"
    io_calls = file_calls(path)
    assert not io_calls, f"{relative(path)} reads or writes files ({io_calls}); that is stages/io's job"
    file_modules = imports_any(path, FILE_MODULES)
    assert not file_modules, f"{relative(path)} imports {file_modules}: reading and writing is stages/io's job"


@pytest.mark.parametrize("path", LIB_FILES, ids=relative)
def test_computation_starts_no_process(path):
    """Executors are stages/io's (stages/io/process_pool.py, stages/io/executor.py): a stage hands the
    library a pool's ``map``, so the library's results never depend on where they were computed."""
    started = imports_any(path, EXECUTORS)
    assert not started, f"{relative(path)} imports {started}: take a map from the stage instead"


@pytest.mark.parametrize("path", each(LIB_FILES))
def test_computation_is_handed_data_not_files(path):
    """No parameter typed as a file or a path, and one named like a file is a name (str): whatever reads
    a file is stages/io's, so lib never reads through an object it is handed."""
    handed = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for argument in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            annotation = ast.unparse(argument.annotation) if argument.annotation is not None else ""
            named_like_a_file = argument.arg in FILE_PARAMETERS and annotation != "str"
            if FILE_TYPES.search(annotation) or named_like_a_file:
                handed.append(f"{getattr(node, 'name', 'lambda')}({argument.arg}: {annotation or '?'})")
    assert not handed, f"{relative(path)} is handed files: {handed}; hand it the data stages/io read"


@pytest.mark.parametrize("path", REPORT_FILES, ids=relative)
def test_presentation_returns_figures_and_text_and_writes_nothing(path):
    io_calls = file_calls(path)
    assert not io_calls, f"{relative(path)} reads or writes ({io_calls}); return it and let stages/io write it"
    disk = [m for m in imports_any(path, ("stages.io",)) if m not in CATALOG]
    assert not disk, f"{relative(path)} imports {disk}: presentation reads and writes nothing"


@pytest.mark.parametrize("path", IO_FILES, ids=relative)
def test_disk_never_imports_presentation(path):
    upward = imports_any(path, ("stages.report",))
    assert not upward, f"{relative(path)} imports {upward}: move what both need to stages/lib"


@pytest.mark.parametrize("path", each(ALL_FILES))
def test_no_module_is_in_an_import_loop(path):
    loop = loop_through(import_graph(), relative(path))
    assert not loop, "import loop: " + " -> ".join(loop)


@pytest.mark.parametrize("path", ALL_FILES, ids=relative)
def test_modules_are_short(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{relative(path)}: {lines} lines; split it by concern"


def test_only_presentation_draws():
    drawing = [p for p in [*STAGE_FILES, *LIB_FILES] if any(m.startswith(DRAWING) for m in all_imports(p))]
    assert not drawing
    assert any(any(m.startswith("matplotlib") for m in all_imports(p)) for p in REPORT_FILES)


def test_train_and_evaluate_do_not_depend_on_presentation():
    for stage in ("prepare", "train", "band", "evaluate", "drift_reference"):
        assert not [f for f in closure(f"stages.{stage}") if f.startswith("stages/report/")], stage


@pytest.mark.parametrize("path", sorted((ROOT / "stages").rglob("*.py")), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_functions_are_short(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.name}: split {long}"


def spells(text: str, path: str) -> bool:
    """Does ``text`` name ``path`` or a file under it? (`--models` does not name `models`, nor `raw.dvc` `raw`.)"""
    return re.search(rf"(?<![\w./-]){re.escape(path)}(?![\w.-])", text) is not None


def test_paths_are_written_only_in_the_catalog():
    """No module other than the catalog spells a path of the pipeline's inputs or outputs."""
    spelled = {p.as_posix() for stage in paths.STAGES.values() for p in (*stage.reads, *stage.writes)}
    spelled |= {paths.MODEL.as_posix(), paths.OOF.as_posix(), paths.SHAP_VALUES.as_posix()}
    offenders = []
    for path in (ROOT / "stages").rglob("*.py"):
        if path.name == "paths.py":
            continue
        strings = {n.value for n in code_constants(ast.parse(path.read_text()))}
        found = {s for s in strings if isinstance(s, str) and any(spells(s, p) for p in spelled)}
        offenders += [f"{path.relative_to(ROOT)}: {s!r}" for s in found]
    assert not offenders


def test_import_closure_follows_from_imports():
    # `from stages.io import paths` names the module stages/io/paths.py
    assert "stages.io.paths" in imported_modules(ROOT / "stages/prepare.py")
