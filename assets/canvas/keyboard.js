/*
 * The canvas's keys: Ctrl/Cmd+Z undo, Ctrl/Cmd+Shift+Z or Ctrl/Cmd+Y redo, Delete or
 * Backspace deletes the selection, Ctrl/Cmd+D duplicates it, the arrow keys nudge it (1
 * px, 10 with Shift), Escape lets it go, Ctrl/Cmd+A selects everything; a tool's letter
 * picks it, + (or =) and - zoom, 0 fits the whole drawing. Keys typed into a field of the
 * page are never taken; the canvas says which of the others it takes (listenForKeys).
 */
import { TOOLS } from "./tools/index.js";

export function isTypingTarget(el) {
  if (!el) return false;
  const tag = (el.tagName || "").toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable === true;
}

const ZOOM_KEYS = { "+": "zoomIn", "=": "zoomIn", "-": "zoomOut", 0: "fit" };
const ARROWS = { arrowleft: [-1, 0], arrowright: [1, 0], arrowup: [0, -1], arrowdown: [0, 1] };
export const NUDGE_PX = 1;
export const BIG_NUDGE_PX = 10;

/**
 * {action, tool?, dx?, dy?} for a keydown, or null. Actions: undo, redo, delete,
 * duplicate, selectAll, deselect, nudge (dx, dy), tool (tool), zoomIn, zoomOut, fit.
 */
export function keyAction(evt) {
  if (evt.defaultPrevented || isTypingTarget(evt.target)) return null;
  const key = (evt.key || "").toLowerCase();
  const mod = evt.ctrlKey || evt.metaKey;
  if (mod && !evt.altKey) {
    if (key === "z" && !evt.shiftKey) return { action: "undo" };
    if ((key === "z" && evt.shiftKey) || key === "y") return { action: "redo" };
    if (key === "d" && !evt.shiftKey) return { action: "duplicate" };
    if (key === "a" && !evt.shiftKey) return { action: "selectAll" };
    return null;
  }
  if (evt.altKey || mod) return null;
  if (ARROWS[key]) {
    const step = evt.shiftKey ? BIG_NUDGE_PX : NUDGE_PX;
    return { action: "nudge", dx: ARROWS[key][0] * step, dy: ARROWS[key][1] * step };
  }
  if (key === "escape") return { action: "deselect" };
  if (key === "delete" || key === "backspace") return { action: "delete" };
  if (ZOOM_KEYS[key]) return { action: ZOOM_KEYS[key] };
  const tool = TOOLS.find((t) => t.key === key);
  return tool && !evt.repeat ? { action: "tool", tool: tool.name } : null;
}

/** Listen on `target` (the window); `perform(action)` runs each action. Returns the undo. */
export function listenForKeys(target, perform) {
  const onKey = (evt) => {
    const action = keyAction(evt);
    if (action && perform(action) && action.action !== "tool") evt.preventDefault();
  };
  target.addEventListener("keydown", onKey);
  return () => target.removeEventListener("keydown", onKey);
}

const ON_SELECTION = ["nudge", "duplicate", "deselect", "delete"];

/**
 * Whether the canvas takes `action` in `state` {interactive, editingText, hasSelection,
 * tool}: never while it cannot change or a text is typed; keys that act on a selection
 * are the page's own when there is none; Ctrl/Cmd+A selects only with the select tool.
 */
export function takesKey(action, state) {
  if (!state.interactive || state.editingText) return false;
  if (ON_SELECTION.includes(action) && !state.hasSelection) return false;
  return action !== "selectAll" || state.tool === "select";
}
