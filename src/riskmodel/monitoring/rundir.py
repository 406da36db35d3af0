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

import os
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
import re
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import BaseModel, ConfigDict

from riskmodel.atomic import OLD_PREFIX as _OLD
from riskmodel.atomic import replace_dir, temp_dir, write_atomic

LOCK_NAME = ".weekly.lock"
_STAGING = ".staging-"
_JOURNAL = ".publish-"


class RunLocked(RuntimeError):
    """Another weekly run holds the output folder's lock."""


@contextmanager
def run_lock(out_dir: Path, timeout: float | None = None):
    """Hold ``OUT_DIR/.weekly.lock`` (blocking; ``timeout`` seconds then ``RunLocked``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out_dir / LOCK_NAME, timeout=-1 if timeout is None else timeout, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise RunLocked(f"{out_dir}: another weekly run is writing here (lock {LOCK_NAME})") from None
    try:
        yield
    finally:
        lock.release()


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


def staging(out_dir: Path, name: str) -> AbstractContextManager[Path]:
    """A fresh hidden folder in ``out_dir``, removed if the block fails; the journal swaps it in
    (``riskmodel.atomic.temp_dir``)."""
    return temp_dir(out_dir, prefix=f"{_STAGING}{name}.")


def scratch_prefix(name: str) -> str:
    """Name prefix of a run's scratch folder in ``out_dir``: ``recover`` drops it if the run was killed."""
    return f"{_STAGING}{name}."


#: Make a staged folder visible as the week's folder in one step (``riskmodel.atomic``).
publish = replace_dir


__all__ = ["LOCK_NAME", "Journal", "RunLocked", "publish", "recover", "run_lock", "scratch_prefix", "staging", "write_atomic"]


_WEEK = re.compile(r"\d{4}-\d{2}-\d{2}")


def published_weeks(out_dir: Path) -> list[str]:
    """The weeks published under ``out_dir`` (folders named by date holding a list), oldest first."""
    if not out_dir.is_dir():
        return []
    return sorted(p.name for p in out_dir.iterdir() if _WEEK.fullmatch(p.name) and (p / "risk_list.json").exists())
