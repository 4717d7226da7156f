/*
 * Select: pressing a shape selects it (Konva then drags or transforms it, and the
 * canvas turns the result into a change with movedShape / transformedShape); pressing
 * anything else but the transformer's handles clears the selection.
 */
import { round2 } from "../document.js";

export function createSelectTool() {
  return {
    name: "select",
    busy: () => false,
    onPointerDown(ctx, input) {
      if (!input.onShape && !input.onTransformer) ctx.select(null);
    },
    onPointerMove() {},
    onPointerUp() {},
    onCancel() {},
    finish() {},
    reset() {},
  };
}

export function movedShape(shape, x, y) {
  return { ...shape, x: round2(x), y: round2(y) };
}

/**
 * The shape after Konva's transformer scaled and rotated its node: the scale is folded
 * into the shape's own sizes (circles and text keep their aspect), sizes stay >= 1 and
 * a text's size within `maxStrokeWidth`.
 */
export function transformedShape(shape, node, maxStrokeWidth) {
  const sx = Math.abs(node.scaleX);
  const sy = Math.abs(node.scaleY);
  const next = movedShape(shape, node.x, node.y);
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
