/*
 * Painting finished strokes straight onto a 2D context: one Konva Shape draws them all,
 * instead of one Konva node per stroke. Opening a 10,000-stroke record made 10,000 nodes
 * (React elements, Konva objects, attributes) before; now it makes one, and the stroke
 * cache (stroke_cache.js) paints it into its bitmap once.
 */
import { isUnconfirmed } from "./carry.js";

// Carried from the last visit and not confirmed yet (carry.js): drawn dashed.
export const CARRIED_DASH = [10, 6];
const NO_DASH = [];

/** Stroke `lines` on `ctx` (a CanvasRenderingContext2D, already transformed). */
export function paintLines(ctx, lines) {
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const line of lines) {
    const pts = line.points;
    if (!pts || pts.length < 2) continue;
    ctx.beginPath();
    ctx.moveTo(pts[0], pts[1]);
    for (let i = 2; i + 1 < pts.length; i += 2) ctx.lineTo(pts[i], pts[i + 1]);
    if (pts.length === 2) ctx.lineTo(pts[0], pts[1]);
    ctx.globalCompositeOperation = line.tool === "eraser" ? "destination-out" : "source-over";
    ctx.setLineDash(isUnconfirmed(line) ? CARRIED_DASH : NO_DASH);
    ctx.strokeStyle = line.color;
    ctx.lineWidth = line.strokeWidth;
    ctx.stroke();
  }
  ctx.globalCompositeOperation = "source-over";
  ctx.setLineDash(NO_DASH);
}
