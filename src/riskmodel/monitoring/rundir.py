"""Publishing a week's output folder: one run at a time, all or nothing.

A run writes everything into a hidden staging folder next to ``OUT_DIR/<as_of>`` and swaps it
in with one rename (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames with recovery
on the next run). Readers therefore see the old week or the new week, never a mix. A lock
file in ``OUT_DIR`` serialises runs; staging folders left by a killed run are removed by the
next one.

A week is more than its folder: the store's rows and the copies beside it
(``drift/summary.json``, ``drift/<week>.json``, ``performance/<week>.json``) belong to it too.
``Journal`` makes the whole publish one decision: once the staging folder is complete a
journal file names it, the copies and an id that the store commits with the week's rows;
a run killed after that point is finished by the next run (``recover``) when the store holds
the id (or no store takes part), and undone when it does not. So readers see the previous
week or the new one, and a rerun repairs whatever a kill interrupted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

LOCK_NAME = ".weekly.lock"
_STAGING = ".staging-"
_OLD = ".old-"
_JOURNAL = ".publish-"
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


class Journal(BaseModel):
    """What one publish does, written before the first visible change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    week: str
    staging: str
    """Name of the complete staging folder in ``OUT_DIR``."""
    publish_id: str
    """Committed with the week's store rows; None of them: the store took no part."""
    store: bool
    copies: tuple[tuple[str, str], ...] = ()
    """(path inside the week folder, path inside ``OUT_DIR``) copied after the swap."""

    def path(self, out_dir: Path) -> Path:
        return out_dir / f"{_JOURNAL}{self.week}.json"

    def begin(self, out_dir: Path) -> None:
        write_atomic(self.path(out_dir), self.model_dump_json())

    def finish(self, out_dir: Path, step: Callable[[str], None] = lambda _point: None) -> None:
        """Swap the staging folder in (if not done yet), make the copies, close the journal."""
        staged, target = out_dir / self.staging, out_dir / self.week
        if staged.exists():
            publish(staged, target)
        step("swapped")
        for src, dst in self.copies:
            write_atomic(out_dir / dst, (target / src).read_bytes())
        step("copied")
        self.path(out_dir).unlink(missing_ok=True)


def recover(out_dir: Path, committed: Callable[[Journal], bool | None] | None = None) -> list[str]:
    """Finish or undo what a killed run left behind (call under the lock); returns what it did.

    ``committed(journal)``: whether the store holds the journal's publish id (None: cannot
    tell, no store here). A journal whose store part committed, or that had no store part,
    is finished; otherwise its staging folder is dropped and the previous week stays.
    """
    done: list[str] = []
    if not out_dir.is_dir():
        return done
    for path in sorted(out_dir.glob(f"{_JOURNAL}*.json")):
        journal = Journal.model_validate_json(path.read_text("utf-8"))
        state = committed(journal) if (journal.store and committed is not None) else None
        if not journal.store or state:
            journal.finish(out_dir)
            done.append(f"finished {journal.week}")
        else:  # the store did not commit (or cannot be asked): the week was not published
            path.unlink()
            done.append(f"undid {journal.week}")
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
    return done


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
