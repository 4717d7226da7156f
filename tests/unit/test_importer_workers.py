"""How many processes a folder import uses when the command is not told."""

from __future__ import annotations

import os

import pytest

from medrec_app.importer import MAX_DEFAULT_WORKERS, PARALLEL_FROM, default_workers


@pytest.mark.parametrize(
    ("cores", "exports", "workers"),
    [
        ({0, 1}, 1, 1),
        ({0, 1}, PARALLEL_FROM - 1, 1),
        ({0, 1}, PARALLEL_FROM, 2),
        ({0}, 1_000, 1),
        (set(range(32)), 1_000, MAX_DEFAULT_WORKERS),
    ],
)
def test_a_large_folder_uses_the_cores_a_small_one_does_not(
    monkeypatch: pytest.MonkeyPatch, cores: set[int], exports: int, workers: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: cores)
    assert default_workers(exports) == workers
