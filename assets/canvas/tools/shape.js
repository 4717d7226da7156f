/*
 * Circle, rectangle and arrow: idle -> dragging (the draft shown) -> idle, the shape
 * made on pointer up. A click without a drag makes a default-sized shape.
 */
import { putShapeChange } from "../changes.js";
import { newElementId, round2 } from "../document.js";

export const MIN_DRAG = 3;

/** The shape a drag from (d.x0, d.y0) to `p` makes; null while too short to show. */
export function shapeFromDrag(d, p, finished) {
  const dx = p.x - d.x0;
  const dy = p.y - d.y0;
  const far = Math.hypot(dx, dy) >= MIN_DRAG;
  if (!far && !finished) return null;
  const base = { id: d.id, color: d.color, strokeWidth: d.strokeWidth };
  if (d.tool === "circle") {
    const radius = far ? round2(Math.hypot(dx, dy)) : 20;
    return { ...base, type: "circle", x: d.x0, y: d.y0, radius };
  }
  if (d.tool === "rect") {
    if (!far) return { ...base, type: "rect", x: d.x0, y: d.y0, width: 60, height: 40 };
    return {
      ...base,
      type: "rect",
      x: round2(Math.min(d.x0, p.x)),
      y: round2(Math.min(d.y0, p.y)),
      width: Math.max(1, round2(Math.abs(dx))),
      height: Math.max(1, round2(Math.abs(dy))),
    };
  }
  const points = far ? [round2(dx), round2(dy)] : [60, 0];
  return { ...base, type: "arrow", x: d.x0, y: d.y0, points };
}

export function createShapeTool(name) {
  let drag = null; // {pointerId, tool, id, x0, y0, color, strokeWidth}

  return {
    name,
    busy: () => drag !== null,
    onPointerDown(ctx, input) {
      if (drag) return;
      drag = {
        pointerId: input.pointerId,
        tool: name,
        id: newElementId("shape"),
        x0: input.point.x,
        y0: input.point.y,
        color: ctx.style.color,
        strokeWidth: ctx.style.strokeWidth,
      };
    },
    onPointerMove(ctx, input) {
      if (!drag || input.pointerId !== drag.pointerId) return;
      const p = input.points[input.points.length - 1];
      if (p) ctx.showDraft(shapeFromDrag(drag, p, false));
    },
    onPointerUp(ctx, input) {
      if (!drag || input.pointerId !== drag.pointerId) return;
      const d = drag;
      drag = null;
      ctx.showDraft(null);
      const shape = shapeFromDrag(d, input.point || { x: d.x0, y: d.y0 }, true);
      const made = putShapeChange(null, shape);
      if (made) ctx.commit(made);
    },
    onCancel(ctx, input) {
      if (drag && input.pointerId === drag.pointerId) this.reset(ctx);
    },
    finish(ctx) {
      this.reset(ctx);
    },
    reset(ctx) {
      drag = null;
      ctx.showDraft(null);
    },
  };
}
