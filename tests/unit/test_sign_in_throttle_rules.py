"""The throttle's arithmetic and what a waiting person is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from medrec_app.domain.throttle import pair_delay, wait_seconds
from medrec_app.services.errors import SignInDelayed

CAP = timedelta(minutes=15)


def test_free_failures_cost_nothing_then_each_doubles_up_to_the_cap():
    delays = [pair_delay(n, 3, CAP).total_seconds() for n in range(1, 17)]
    assert delays == [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    assert pair_delay(10_000, 3, CAP) == CAP


def test_waits_round_up_to_whole_seconds_and_never_say_zero():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert wait_seconds(now + timedelta(milliseconds=1), now) == 1
    assert wait_seconds(now + timedelta(seconds=2.2), now) == 3
    assert wait_seconds(now - timedelta(seconds=5), now) == 1


@pytest.mark.parametrize(
    "seconds,told",
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (119, "119 seconds"),
        (120, "2 minutes"),
        (121, "3 minutes"),
        (900, "15 minutes"),
    ],
)
def test_the_wait_is_told_in_words(seconds, told):
    message = str(SignInDelayed(seconds))
    assert message == f"Too many failed sign-in attempts from this device. Try again in {told}."
