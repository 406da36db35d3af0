"""Files and folders appear whole or not at all: written under a temporary name in the same
folder, then renamed over the target (a rename within a file system is atomic).

Folders are swapped with Linux ``renameat2(RENAME_EXCHANGE)`` in one step; elsewhere with two
renames, the previous folder parked as ``.old-<name>.<pid>`` in between (a reader may then
miss the folder for a moment, never see half of it; the weekly run's ``recover`` puts a
parked folder back if a run was killed between the two).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Prefix of a previous folder parked during a two-rename swap.
OLD_PREFIX = ".old-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; it becomes ``path`` if the block succeeds
    and is removed if it fails."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8, newlines as given) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux); False where the call does not exist."""
    libc_name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def replace_dir(tmp: Path, target: Path) -> None:
    """Make folder ``tmp`` visible as ``target``, discarding the previous ``target``."""
    if not target.exists():
        os.replace(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous folder
        return
    old = target.with_name(f"{OLD_PREFIX}{target.name}.{os.getpid()}")
    os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def temp_dir(parent: str | Path, *, prefix: str) -> Iterator[Path]:
    """A fresh folder named ``<prefix><random>`` in ``parent`` to fill; removed if the block fails,
    kept if it succeeds (for a caller that renames it into place later, like the weekly run's
    journal)."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def atomic_dir(target: str | Path, *, prefix: str | None = None) -> Iterator[Path]:
    """A fresh hidden folder beside ``target`` to fill; it replaces ``target`` if the block
    succeeds and is removed if it fails. ``prefix``: the folder's name prefix (default
    ``.<target name>.``)."""
    target = Path(target)
    with temp_dir(target.parent, prefix=prefix or f".{target.name}.") as tmp:
        yield tmp
    replace_dir(tmp, target)


__all__ = ["OLD_PREFIX", "atomic_dir", "atomic_path", "replace_dir", "temp_dir", "write_atomic"]
