"""Publishing a week's output folder: one run at a time, all or nothing.

A run writes everything into a hidden staging folder next to ``OUT_DIR/<as_of>`` and swaps it
in with one rename (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames with recovery
on the next run). Readers therefore see the old week or the new week, never a mix. A lock
file in ``OUT_DIR`` serialises runs; staging folders left by a killed run are removed by the
next one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".weekly.lock"
_STAGING = ".staging-"
_OLD = ".old-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class RunLocked(RuntimeError):
    """Another weekly run holds the output folder's lock."""


@contextmanager
def run_lock(out_dir: Path, timeout: float | None = None):
    """Hold ``OUT_DIR/.weekly.lock`` (blocking; ``timeout`` seconds then ``RunLocked``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise RunLocked(f"{out_dir}: another weekly run is writing here (lock {LOCK_NAME})") from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def recover(out_dir: Path) -> None:
    """Undo what a killed run left behind (call under the lock)."""
    if not out_dir.is_dir():
        return
    for p in out_dir.iterdir():
        if p.name.startswith(_STAGING):
            shutil.rmtree(p, ignore_errors=True)
    for p in out_dir.iterdir():
        if p.name.startswith(_OLD):
            target = out_dir / p.name[len(_OLD):].rsplit(".", 1)[0]
            if not target.exists():
                os.replace(p, target)  # killed between the two renames of the fallback swap
            else:
                shutil.rmtree(p, ignore_errors=True)


@contextmanager
def staging(out_dir: Path, name: str):
    """A fresh hidden folder in ``out_dir``; removed if the block fails."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{name}.", dir=out_dir))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _exchange(a: Path, b: Path) -> bool:
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


def publish(tmp: Path, target: Path) -> None:
    """Make ``tmp`` visible as ``target`` in one step, discarding the previous ``target``."""
    if not target.exists():
        os.replace(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous week's files
        return
    old = target.with_name(f"{_OLD}{target.name}.{os.getpid()}")
    os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a single file via a temp file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
