/*
 * Undo and redo as operations: each entry holds the ops that made a change and the ops
 * that take it back. Undoing emits fresh copies of the inverse ops (new opIds), so the
 * server sees an ordinary change. Bounded: the oldest entries fall off. `stacks()` and
 * `restore()` let the canvas keep them per record across reloads (local_queues.js).
 */
import { clone } from "./document.js";

export const HISTORY_LIMIT = 500;

export class History {
  constructor(limit = HISTORY_LIMIT) {
    this.limit = limit;
    this.undoStack = [];
    this.redoStack = [];
  }

  /** A new change: it can be undone, and what was undone can no longer be redone. */
  record(doOps, undoOps) {
    this.undoStack.push({ doOps: clone(doOps), undoOps: clone(undoOps) });
    if (this.undoStack.length > this.limit) this.undoStack.shift();
    this.redoStack = [];
  }

  /** The ops that take the last change back, or null; the change moves to redo. */
  undo() {
    const entry = this.undoStack.pop();
    if (!entry) return null;
    this.redoStack.push(entry);
    return clone(entry.undoOps);
  }

  /** The ops that make the last undone change again, or null. */
  redo() {
    const entry = this.redoStack.pop();
    if (!entry) return null;
    this.undoStack.push(entry);
    return clone(entry.doOps);
  }

  /** What undo (or redo, `again`) would give, leaving the stacks as they are; or null. */
  peek(again) {
    const stack = again ? this.redoStack : this.undoStack;
    const entry = stack[stack.length - 1];
    if (!entry) return null;
    return clone(again ? entry.doOps : entry.undoOps);
  }

  clear() {
    this.undoStack = [];
    this.redoStack = [];
  }

  stacks() {
    return { undo: this.undoStack, redo: this.redoStack };
  }

  /** Take up stored stacks ({undo, redo}, or null for none), within the limit. */
  restore(stored) {
    this.undoStack = stored ? stored.undo.slice(-this.limit) : [];
    this.redoStack = stored ? stored.redo.slice(-this.limit) : [];
  }

  sizes() {
    return { undo: this.undoStack.length, redo: this.redoStack.length };
  }
}
