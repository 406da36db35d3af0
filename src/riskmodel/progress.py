"""One progress protocol for long work: ``progress(stage, done, total)``.

Library code reports through it and never prints; the CLI turns the calls into Rich bars.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called as work advances: ``done`` of ``total`` units of ``stage``."""

    def __call__(self, stage: str, done: int, total: int, /) -> None: ...


def no_progress(stage: str, done: int, total: int, /) -> None:
    """The default: report nothing."""


__all__ = ["Progress", "no_progress"]
