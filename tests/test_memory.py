"""Handing freed memory back: always after a large step, and in a loop only once the process has grown."""

import psutil

from riskmodel import memory


def test_released_without_a_bound(monkeypatch):
    trimmed = []
    monkeypatch.setattr(memory, "_malloc_trim", lambda: trimmed.append)
    assert memory.release_memory() is True
    assert trimmed == [0]


def test_kept_while_the_process_is_below_the_bound(monkeypatch):
    trimmed = []
    monkeypatch.setattr(memory, "_malloc_trim", lambda: trimmed.append)
    rss = psutil.Process().memory_info().rss
    assert memory.release_memory(above=rss * 4) is False
    assert trimmed == []
    assert memory.release_memory(above=rss // 4) is True
    assert trimmed == [0]
