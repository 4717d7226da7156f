"""Work each server process does on its own while it runs, beside requests and events."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from medrec_app.services import unit_of_work
from medrec_app.services.records.tail import fold_idle_tails

log = logging.getLogger(__name__)

FOLD_EVERY_S = 30


async def fold_idle_drawings() -> None:
    """Every ``FOLD_EVERY_S``, fold the tails of drawings left alone
    (``services/records/tail.py``); a failed round is logged and the next one tries
    again."""
    while True:
        await asyncio.sleep(FOLD_EVERY_S)
        try:
            await asyncio.to_thread(unit_of_work.run, fold_idle_tails)
        except Exception as exc:  # a database error's text may quote a row: its type only
            log.error(
                "folding idle drawings failed (%s); next try in %s s",
                type(exc).__name__,
                FOLD_EVERY_S,
            )


def start_upkeep(app: rx.App) -> None:
    app.register_lifespan_task(fold_idle_drawings)
