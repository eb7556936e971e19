"""Saving and loading fitted pipelines with skops: byte-deterministic archives, no foreign code on load.

skops refuses to build any type it is not told to trust, so loading runs no code from the file.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio
from skops.io.exceptions import UntrustedTypesFoundException

from stages.io.files import atomic_write
from stages.lib.errors import refused

# The types a saved pipeline of any registered family needs beyond those skops trusts by default:
# exactly these, nothing by prefix. tests/io/test_model_store.py derives the set from the family registry
# (stages/lib/model/families.py) and fails if the two ever differ.
TRUSTED_TYPES = frozenset(
    {
        "numpy.dtype",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.feature_selection._univariate_selection.f_classif",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.metrics._dist_metrics.ManhattanDistance64",
        "sklearn.metrics._dist_metrics.MinkowskiDistance64",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.tree._tree.Tree",
        "sklearn.utils._bunch.Bunch",
        "stages.lib.model.calibration.CalibratedModel",
        "stages.lib.model.calibration.Calibrator",
    }
)
REBUILD = "Rebuild it with `dvc repro train` or restore it with `dvc pull`"


def zero_padding(npy: bytes) -> bytes:
    """Structured arrays (tree nodes) have padding bytes left uninitialised; copy them into zeros."""
    array = np.load(io.BytesIO(npy), allow_pickle=False)
    if array.dtype.names is None:
        return npy
    clean = np.zeros(array.shape, dtype=array.dtype)
    for name in array.dtype.names:
        clean[name] = array[name]
    out = io.BytesIO()
    np.save(out, clean, allow_pickle=False)
    return out.getvalue()


def canonical_skops(data: bytes) -> bytes:
    """Make a skops archive byte-deterministic: it names objects and files by memory address (id()),
    stamps the current time and copies padding garbage; renumber ids in order of appearance, use a
    fixed timestamp (ZipInfo's default, 1980-01-01) and zero the padding."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
        arrays = {name: archive.read(name) for name in archive.namelist() if name != "schema.json"}
    renumbered: dict[int, int] = {}

    def walk(node):
        if isinstance(node, dict):
            if "__id__" in node:
                node["__id__"] = renumbered.setdefault(node["__id__"], len(renumbered) + 1)
            if isinstance(node.get("file"), str) and node["file"].endswith(".npy"):
                old = int(node["file"].removesuffix(".npy"))
                node["file"] = f"{renumbered.setdefault(old, len(renumbered) + 1)}.npy"
                files[node["file"]] = zero_padding(arrays[f"{old}.npy"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    files: dict[str, bytes] = {}
    walk(schema)
    # compact JSON goes through json's C encoder; indented output takes the pure-Python one, 6x slower
    schema_bytes = json.dumps(schema, separators=(",", ":")).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in [("schema.json", schema_bytes), *sorted(files.items())]:
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def save_model(pipeline, path: Path | str) -> None:
    """A fitted pipeline (or a list of them) as a canonical skops archive."""
    data = canonical_skops(sio.dumps(pipeline))
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def load_model(path: Path | str):
    """A pipeline (or list of them) from a skops archive, refused before any object is built if the
    archive names a type outside skops' defaults and TRUSTED_TYPES, or is not a readable archive."""
    path = Path(path)
    if not path.exists():
        raise refused(str(path), "the model file is missing", "Run `dvc repro train` or `dvc pull`.")
    data = path.read_bytes()
    try:
        # skops audits every type against the trusted list before it builds any object (one read of the
        # archive: asking get_untrusted_types first would parse it a second time)
        return sio.loads(data, trusted=sorted(TRUSTED_TYPES))
    except UntrustedTypesFoundException:
        foreign = sorted(set(sio.get_untrusted_types(data=data)) - TRUSTED_TYPES)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, json.JSONDecodeError) as error:
        problem = f"not a readable model archive ({type(error).__name__}: {error})"
        raise refused(str(path), problem, f"{REBUILD}.") from None
    problem = f"refusing to load: the archive names types no pipeline of this project needs: {foreign}"
    raise refused(str(path), problem, f"{REBUILD}; never load one of unknown origin.")
