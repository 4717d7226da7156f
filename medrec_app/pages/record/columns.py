"""The record pages' two columns: the form beside the canvas on a wide screen, stacked
(form above, canvas across the full width) on a phone or a tablet in portrait.

Side by side from Radix's ``lg`` breakpoint (64em, 1024 px: an iPad in landscape); an
iPad in portrait (768-834 px) stacks, where a 34 % form column would be too narrow to
type in and the canvas too small to draw on.
"""

from __future__ import annotations

import reflex as rx


def direction() -> rx.Breakpoints:
    return rx.breakpoints(initial="column", lg="row")


def width(share: str) -> rx.Breakpoints:
    """``share`` of the row when side by side, the full width when stacked."""
    return rx.breakpoints(initial="100%", lg=share)
