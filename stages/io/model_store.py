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

from stages.io.files import atomic_write
from stages.lib.errors import DataError

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


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
    fixed timestamp and zero the padding."""
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
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in [("schema.json", json.dumps(schema, indent=1).encode()), *sorted(files.items())]:
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, compress_type=zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def save_model(pipeline, path: Path | str) -> None:
    """A fitted pipeline (or a list of them) as a canonical skops archive."""
    data = canonical_skops(sio.dumps(pipeline))
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def load_model(path: Path | str):
    path = Path(path)
    if not path.exists():
        raise DataError(str(path), None, "the model file is missing", hint="Run `dvc repro train` or `dvc pull`.")
    untrusted = sio.get_untrusted_types(file=path)
    foreign = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if foreign:
        raise DataError(
            str(path),
            None,
            f"the model file holds types outside scikit-learn/numpy/scipy: {foreign}",
            hint="Refusing to load it; rebuild the model with `dvc repro train`.",
        )
    return sio.load(path, trusted=untrusted)
