"""The arithmetic of sign-in throttling: how long a source waits after its failures."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

# The wait after the first failure past the free ones; each further failure doubles it.
FIRST_DELAY = timedelta(seconds=1)


def pair_delay(failures: int, free: int, max_delay: timedelta) -> timedelta:
    """The wait imposed by an (account, source) pair's ``failures``-th failure in a row.

    None for the first ``free``; then 1 s, 2 s, 4 s ... up to ``max_delay``.
    """
    extra = failures - free
    if extra <= 0:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** min(extra - 1, 40), max_delay)  # 2**40 s: past any cap


def wait_seconds(until: datetime, current: datetime) -> int:
    """Whole seconds from ``current`` until ``until``, rounded up, at least 1."""
    return max(1, math.ceil((until - current).total_seconds()))
