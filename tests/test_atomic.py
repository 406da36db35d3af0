"""One home for "a temporary path, then a rename": files, folders, and folders renamed later."""

from __future__ import annotations

import pytest

from riskmodel.atomic import atomic_dir, temp_dir
from riskmodel.monitoring.rundir import staging


def test_a_temp_dir_is_kept_when_the_block_succeeds_and_removed_when_it_fails(tmp_path):
    with temp_dir(tmp_path / "out", prefix=".stage-") as kept:
        (kept / "a.txt").write_text("a", "utf-8")
    assert kept.parent == tmp_path / "out" and kept.name.startswith(".stage-")
    assert (kept / "a.txt").read_text("utf-8") == "a"
    with pytest.raises(RuntimeError, match="boom"):
        with temp_dir(tmp_path / "out", prefix=".stage-") as failed:
            (failed / "b.txt").write_text("b", "utf-8")
            raise RuntimeError("boom")
    assert not failed.exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == [kept.name]


def test_atomic_dir_replaces_the_target_whole_or_leaves_it(tmp_path):
    target = tmp_path / "panel"
    with atomic_dir(target) as tmp:
        (tmp / "old.txt").write_text("1", "utf-8")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as tmp:
            (tmp / "new.txt").write_text("2", "utf-8")
            raise RuntimeError("half written")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["panel"]  # no temp folder left beside it


def test_the_weekly_staging_folder_is_a_temp_dir_named_for_recovery(tmp_path):
    with staging(tmp_path, "2024-07-01") as tmp:
        pass
    assert tmp.is_dir() and tmp.name.startswith(".staging-2024-07-01.")
