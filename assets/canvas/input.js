/*
 * Which pointers draw. In stylus-only mode (palm rejection) touches never draw; the
 * first pen event turns that mode on by itself once, until the user sets it by hand.
 * Only the main mouse button draws. And the cursor over the stage.
 */

/** {accept, penModeOn}: whether the event draws, and whether it turns pen mode on. */
export function pointerDecision(evt, { penOnly, autoPenOnly }) {
  const penModeOn = evt.pointerType === "pen" && !penOnly && autoPenOnly;
  const stylusOnly = penOnly || penModeOn;
  if (stylusOnly && evt.pointerType === "touch") return { accept: false, penModeOn };
  if (evt.pointerType === "mouse" && evt.button !== 0) return { accept: false, penModeOn };
  return { accept: true, penModeOn };
}

/** The pointer over the stage: a hand while panning, a crosshair for the drawing tools. */
export function stageCursor({ panning, spaceHeld, interactive, tool }) {
  if (panning) return "grabbing";
  if (spaceHeld) return "grab";
  if (!interactive || tool === "select") return "default";
  return tool === "text" ? "text" : "crosshair";
}
