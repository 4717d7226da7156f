/*
 * The gestures that move the view or stand for a command, before any tool sees the
 * pointer (tldraw's rules for touch and stylus):
 *
 * - two fingers pinch and pan; a quick two-finger tap is undo;
 * - space + drag, or the middle mouse button, pans; in stylus-only mode one finger pans;
 * - a stylus touching down while a finger is drawing discards the finger's stroke (a
 *   palm that landed first), and fingers are ignored while the stylus or mouse draws.
 *
 * A small state machine, pure: `handle(event, env)` takes a pointer event
 * {type: "down" | "move" | "up" | "cancel", pointerId, pointerType, button, x, y, time}
 * (x, y: screen px on the stage) and env {view, scale, size, spaceHeld, penOnly,
 * drawingWith: the pointerType the active tool is drawing with, or null}, and answers
 * {take, view?, cancelTool?, undo?}: `take` means the tools never see this event.
 */
import { panBy, pinchView } from "./view.js";

export const TAP_MS = 300;
export const TAP_SLOP_PX = 10;

export function createGestures() {
  const touches = new Map(); // pointerId -> {x, y}
  const ignored = new Set(); // pointers swallowed until they lift
  let mode = null; // {kind: "pan", pointerId, last, view} | {kind: "pinch", ...}

  const point = (e) => ({ x: e.x, y: e.y });

  function down(e, env) {
    const isTouch = e.pointerType === "touch";
    if (isTouch) touches.set(e.pointerId, point(e));
    if (e.pointerType === "pen" && env.drawingWith === "touch") {
      for (const id of touches.keys()) ignored.add(id);
      return { take: false, cancelTool: true };
    }
    // During a pan or pinch nothing else starts; a finger landing beside swallowed ones
    // (a resting palm), or while the stylus or mouse draws, is swallowed too.
    const swallowedTouch =
      isTouch && (ignored.size > 0 || (env.drawingWith && env.drawingWith !== "touch"));
    if (mode || swallowedTouch) {
      ignored.add(e.pointerId);
      return { take: true };
    }
    if (isTouch && touches.size === 2) {
      const ids = Array.from(touches.keys());
      mode = {
        kind: "pinch",
        ids,
        from: ids.map((id) => touches.get(id)),
        view: env.view,
        startTime: e.time,
        moved: false,
      };
      return { take: true, cancelTool: true };
    }
    const panWithFinger = isTouch && env.penOnly && touches.size === 1;
    const panWithPointer = !isTouch && ((env.spaceHeld && e.button === 0) || e.button === 1);
    if (panWithFinger || panWithPointer) {
      mode = { kind: "pan", pointerId: e.pointerId, last: point(e), view: env.view };
      return { take: true };
    }
    return { take: false };
  }

  function move(e, env) {
    if (touches.has(e.pointerId)) touches.set(e.pointerId, point(e));
    if (mode?.kind === "pinch" && mode.ids.includes(e.pointerId)) {
      const to = mode.ids.map((id) => touches.get(id));
      const i = mode.ids.indexOf(e.pointerId);
      const far = Math.hypot(e.x - mode.from[i].x, e.y - mode.from[i].y) > TAP_SLOP_PX;
      mode.moved = mode.moved || far;
      return { take: true, view: pinchView(mode.view, mode.from, to, env.scale, env.size) };
    }
    if (mode?.kind === "pan" && mode.pointerId === e.pointerId) {
      const view = panBy(env.view, e.x - mode.last.x, e.y - mode.last.y, env.scale, env.size);
      mode.last = point(e);
      return { take: true, view };
    }
    return { take: ignored.has(e.pointerId) };
  }

  function up(e) {
    touches.delete(e.pointerId);
    if (mode?.kind === "pinch" && mode.ids.includes(e.pointerId)) {
      const tap = e.type === "up" && !mode.moved && e.time - mode.startTime <= TAP_MS;
      for (const id of mode.ids) if (id !== e.pointerId) ignored.add(id);
      mode = null;
      return tap ? { take: true, undo: true } : { take: true };
    }
    if (mode?.kind === "pan" && mode.pointerId === e.pointerId) {
      mode = null;
      return { take: true };
    }
    return { take: ignored.delete(e.pointerId) };
  }

  return {
    handle(e, env) {
      if (e.type === "down") return down(e, env);
      if (e.type === "move") return move(e, env);
      return up(e);
    },
    /** Whether a pan or pinch is going on (the cursor shows it). */
    active: () => mode !== null,
    reset() {
      touches.clear();
      ignored.clear();
      mode = null;
    },
  };
}
