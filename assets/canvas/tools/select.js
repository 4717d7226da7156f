/*
 * Select: idle -> moving | lassoing -> idle.
 *
 * Pressing a stroke or a shape selects it (Shift adds it or takes it out) and a drag
 * moves the selection; pressing inside the selection's box moves it too; pressing
 * anything else draws a lasso that selects what it goes round (Shift adds to the
 * selection). The transformer's handles (one shape selected) are Konva's own: the
 * canvas turns their result into a change with transformedShape.
 *
 * Inputs add {shapeId, onTransformer, shift} to the common ones (tools/index.js); ctx
 * adds doc(), selection(), select(selection), showMove({dx, dy} | null) and
 * showLasso(points | null). With ctx.pickOnly the tool only picks (the last visit's
 * elements, which never move): a click adds or takes out, a lasso adds; shapes are then
 * hit by their bounds (ctx.hitShapes), as they are not Konva's to hit.
 */
import { round2 } from "../document.js";
import {
  EMPTY_SELECTION,
  includes,
  insideBox,
  isEmpty,
  lassoed,
  moveChange,
  selectionBounds,
  shapeAt,
  strokeAt,
  toggled,
  union,
} from "../selection.js";

/** Points closer than this to the lasso's last one are skipped. */
const LASSO_STEP = 2;

/** {kind, id} of the element under the pointer: a shape Konva hit, else a stroke. */
function elementHit(ctx, input) {
  if (input.shapeId) return { kind: "shapes", id: input.shapeId };
  const doc = ctx.doc();
  const shapeId = ctx.hitShapes ? shapeAt(doc, input.point) : null;
  if (shapeId) return { kind: "shapes", id: shapeId };
  const lineId = strokeAt(doc, input.point);
  return lineId ? { kind: "lines", id: lineId } : null;
}

export function createSelectTool() {
  let gesture = null; // {kind: "move", pointerId, from, d} | {kind: "lasso", pointerId, points, add}

  const moveBy = (from, p) => ({ dx: round2(p.x - from.x), dy: round2(p.y - from.y) });

  function end(ctx, keep) {
    const g = gesture;
    gesture = null;
    if (!g) return;
    if (g.kind === "move") {
      ctx.showMove(null);
      if (keep && g.d) ctx.commit(moveChange(ctx.doc(), ctx.selection(), g.d.dx, g.d.dy));
    } else {
      ctx.showLasso(null);
      if (!keep) return;
      const taken = lassoed(ctx.doc(), g.points);
      ctx.select(g.add ? union(ctx.selection(), taken) : taken);
    }
  }

  return {
    name: "select",
    busy: () => gesture !== null,
    onPointerDown(ctx, input) {
      if (gesture || input.onTransformer) return;
      const { point } = input;
      const pick = ctx.pickOnly === true;
      const shift = input.shift || pick;
      const hit = elementHit(ctx, input);
      const sel = ctx.selection();
      if (hit && shift) {
        ctx.select(toggled(sel, hit.kind, hit.id));
        return;
      }
      if (hit && !includes(sel, hit.kind, hit.id)) {
        ctx.select({ ...EMPTY_SELECTION, [hit.kind]: [hit.id] });
      }
      const inBox =
        !hit && !shift && !isEmpty(sel) && insideBox(selectionBounds(ctx.doc(), sel), point);
      if (hit || inBox) {
        gesture = { kind: "move", pointerId: input.pointerId, from: point, d: null };
        return;
      }
      if (!shift) ctx.select(EMPTY_SELECTION);
      gesture = {
        kind: "lasso",
        pointerId: input.pointerId,
        points: [point.x, point.y],
        add: shift,
      };
      ctx.showLasso(gesture.points);
    },
    onPointerMove(ctx, input) {
      if (!gesture || input.pointerId !== gesture.pointerId) return;
      const last = input.points[input.points.length - 1];
      if (!last) return;
      if (gesture.kind === "move") {
        gesture.d = moveBy(gesture.from, last);
        ctx.showMove(gesture.d);
        return;
      }
      const pts = gesture.points;
      for (const p of input.points) {
        const n = pts.length;
        if (Math.hypot(p.x - pts[n - 2], p.y - pts[n - 1]) >= LASSO_STEP) pts.push(p.x, p.y);
      }
      ctx.showLasso(pts.slice());
    },
    onPointerUp(ctx, input) {
      if (!gesture || input.pointerId !== gesture.pointerId) return;
      if (gesture.kind === "move" && input.point) gesture.d = moveBy(gesture.from, input.point);
      end(ctx, true);
    },
    onCancel(ctx, input) {
      if (gesture && input.pointerId === gesture.pointerId) end(ctx, false);
    },
    finish(ctx) {
      end(ctx, true);
    },
    reset(ctx) {
      end(ctx, false);
    },
  };
}

/**
 * The shape after Konva's transformer scaled and rotated its node: the scale is folded
 * into the shape's own sizes (circles and text keep their aspect), sizes stay >= 1 and
 * a text's size within `maxStrokeWidth`.
 */
export function transformedShape(shape, node, maxStrokeWidth) {
  const sx = Math.abs(node.scaleX);
  const sy = Math.abs(node.scaleY);
  const next = { ...shape, x: round2(node.x), y: round2(node.y) };
  const rotation = round2(node.rotation);
  if (rotation) next.rotation = rotation;
  else delete next.rotation;
  const positive = (v) => Math.max(1, round2(v));
  if (shape.type === "circle") {
    next.radius = positive(shape.radius * Math.max(sx, sy));
  } else if (shape.type === "rect") {
    next.width = positive(shape.width * sx);
    next.height = positive(shape.height * sy);
  } else if (shape.type === "arrow") {
    next.points = (shape.points || []).map((v, i) => round2(v * (i % 2 ? sy : sx)));
  } else if (shape.type === "text") {
    const size = (v) => Math.min(maxStrokeWidth, positive(v * Math.max(sx, sy)));
    if (shape.fontSize) next.fontSize = size(shape.fontSize);
    else next.strokeWidth = size(shape.strokeWidth);
  }
  return next;
}
