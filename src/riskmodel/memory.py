"""Handing freed memory back to the operating system between the large steps of a province's run.

A county-by-county pass allocates and frees hundreds of megabytes per county. Freed blocks
stay in the process — Arrow's pool keeps its pages, and glibc's heap keeps freed chunks that
are not at its top — so the resident set grows as if the counties were still held
(docs/evaluation.md has the figures). ``release_memory`` returns both.

Returning pages has a price: the next allocation faults them in again, page by page. In the
weekly county pass that was ~10 % of a county's CPU while the process never held more than one
county anyway (67 counties of the 1M panel: 31.5 s with a release after every county, 28.6 s
without; peaks 669 and 693 MB; with no release at all, 713, 731, 731 MB after one, two and three
passes of the 67). So a loop over same-sized pieces passes
``above``: it hands memory back only once the process has grown past that much.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

import pyarrow as pa


def release_arrow_memory() -> None:
    """Hand the memory Arrow has freed back to the OS.

    Arrow's allocator (mimalloc) keeps freed pages for reuse. At 1M households that was 0.4–0.6 GB
    resident after reading the Parquet tables and 0.5 GB after the features' large ``take``s,
    used by nothing. The call costs about a microsecond when nothing was freed, but tens of
    microseconds after many small frees: call it after large work, not on the API's path.
    """
    pa.default_memory_pool().release_unused()


@cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (another C library or platform)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None


def release_memory(above: int | None = None) -> bool:
    """Return Arrow's and the C heap's free pages to the OS (milliseconds: after large steps only).

    ``above``: only when the process's resident set is larger than this many bytes (freed pages
    below it are kept for the next piece of a loop to reuse). True when memory was released.
    """
    if above is not None:
        import psutil  # here: the logged model imports this module and does not list psutil (training.lifecycle)

        if psutil.Process().memory_info().rss <= above:
            return False
    release_arrow_memory()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    return True


__all__ = ["release_arrow_memory", "release_memory"]
