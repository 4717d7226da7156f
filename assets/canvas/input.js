/*
 * Which pointers draw. In stylus-only mode (palm rejection) touches never draw; the
 * first pen event turns that mode on by itself once, until the user sets it by hand.
 * Only the main mouse button draws.
 */

/** {accept, penModeOn}: whether the event draws, and whether it turns pen mode on. */
export function pointerDecision(evt, { penOnly, autoPenOnly }) {
  const penModeOn = evt.pointerType === "pen" && !penOnly && autoPenOnly;
  const stylusOnly = penOnly || penModeOn;
  if (stylusOnly && evt.pointerType === "touch") return { accept: false, penModeOn };
  if (evt.pointerType === "mouse" && evt.button !== 0) return { accept: false, penModeOn };
  return { accept: true, penModeOn };
}
