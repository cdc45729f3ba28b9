"""The shipped detector kept ready-built on disk, so a process starts without building it again.

Building the detector from its rules and nets takes about half a second of CPU; reading it back
from a pickle takes under a tenth. The file's name carries a hash of everything the detector is
built from (this package's code, rules and nets, and the Python version), so a changed rule or a
new release builds afresh. The folder is the user's cache (`$XDG_CACHE_HOME/remap-mentorbot`, or
`MENTORBOT_CACHE_DIR`), created 0700; a file is read only when it and its folder belong to this
user and nobody else may write them (a pickle runs code when read). Anything odd: build instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).parent
PREFIX = "crisis-detector-"
T = TypeVar("T")


def cache_dir() -> Path:
    """Where the built detector is kept."""
    own = os.environ.get("MENTORBOT_CACHE_DIR")
    if own:
        return Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "remap-mentorbot"


def source_key() -> str:
    """A hash of every file the detector is built from, and of the Python version."""
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".gz", ".txt"):
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def load_or_build(build: Callable[[], T]) -> T:
    """The detector from the cache when it is there and safe to read, else built (and kept)."""
    try:
        folder = cache_dir()
        path = folder / f"{PREFIX}{source_key()}.pickle"
        kept = _read(folder, path)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to find
        return build()
    if kept is not None:
        return kept
    built = build()
    try:
        _write(folder, path, built)
    except (OSError, pickle.PicklingError) as exc:
        log.debug("crisis detector not kept in %s: %s", folder, exc)
    return built


def _private(path: Path) -> bool:
    """Owned by this user, and nobody else may write it."""
    info = path.lstat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(folder: Path, path: Path):
    if not path.is_file() or not _private(folder) or not _private(path):
        return None
    try:
        with path.open("rb") as file:
            return pickle.load(file)
    except Exception as exc:  # noqa: BLE001 - a broken file is built again, never fatal
        log.warning("crisis detector cache unreadable (%s): building it", type(exc).__name__)
        return None


def _write(folder: Path, path: Path, built: object) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _private(folder):
        return
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(built, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # whole or not at all, also with processes side by side
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for old in folder.glob(f"{PREFIX}*.pickle"):
        if old != path:
            old.unlink(missing_ok=True)  # built from other sources: never read again
