/*
 * The canvas's keys: Ctrl/Cmd+Z undo, Ctrl/Cmd+Shift+Z or Ctrl/Cmd+Y redo, Delete or
 * Backspace deletes the selection, a tool's letter picks it. Keys typed into a field of
 * the page are never taken.
 */
import { TOOLS } from "./tools/index.js";

export function isTypingTarget(el) {
  if (!el) return false;
  const tag = (el.tagName || "").toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable === true;
}

/** {action: "undo" | "redo" | "delete" | "tool", tool?} for a keydown, or null. */
export function keyAction(evt) {
  if (evt.defaultPrevented || isTypingTarget(evt.target)) return null;
  const key = (evt.key || "").toLowerCase();
  const mod = evt.ctrlKey || evt.metaKey;
  if (mod && !evt.altKey) {
    if (key === "z" && !evt.shiftKey) return { action: "undo" };
    if ((key === "z" && evt.shiftKey) || key === "y") return { action: "redo" };
    return null;
  }
  if (evt.altKey || mod) return null;
  if (key === "delete" || key === "backspace") return { action: "delete" };
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
