"""Files the project writes that hold health data or secrets (the SQLite database, var/*.secret,
exports, service logs) are readable by their owner only: 0600 files in 0700 folders, whatever the
process's umask. Folders this creates are 0700; a folder that already exists keeps its mode unless
`tighten` says it is ours (var/), so pointing an export at a shared folder never locks others out."""
from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path, tighten: bool = False) -> Path:
    """Create `path` and any missing parents 0700; with `tighten`, make an existing one 0700 too."""
    path = Path(path)
    for folder in reversed([path, *path.parents]):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        folder.chmod(DIR_MODE)  # mkdir's mode is masked by the umask
    if tighten:
        path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists and is 0600 (an empty file when new, before anyone writes to it)."""
    path = Path(path)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    path.chmod(FILE_MODE)
    return path


def open_private(path: Path, mode: str = "w", **kwargs):
    """`open(path, mode)` for writing, the file 0600 before the first byte is written."""
    path = Path(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC), FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return os.fdopen(descriptor, mode, **kwargs)


def write_private(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) to a 0600 file."""
    with open_private(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return Path(path)
