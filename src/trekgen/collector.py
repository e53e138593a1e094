"""Python's cycle collector kept off objects that live as long as the process or the build.

Reading a large site makes millions of objects and no garbage cycles, and every full
collection walked them all: 4 of the 10,000-page build's 50 seconds (issue 6).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No collection while the body runs, for a body that makes many objects and no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def frozen() -> Iterator[None]:
    """Every object alive now left out of collections (`gc.freeze`) while the body runs.

    Objects a caller froze before stay frozen after: `gc.unfreeze` cannot thaw only some.
    """
    already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not already:
            gc.unfreeze()
