/*
 * The pen, the highlighter and the eraser: idle -> drawing (one pointer) -> idle. An
 * eraser stroke is a line drawn with "destination-out", cutting the strokes under it.
 * A highlighter stroke is a pen stroke in a translucent colour (#RRGGBBAA, which the spec's
 * colours allow) four times as wide: the spec knows only "pen" and "eraser" strokes, and
 * strokes lie under the shapes.
 *
 * Points closer than MIN_POINT_DISTANCE to the last one are skipped; a stroke that
 * reaches the server's per-line limit is finished and drawing goes on in a new one.
 */
import { addLineChange } from "../changes.js";
import { newElementId } from "../document.js";

export const MIN_POINT_DISTANCE = 0.5;
const ERASER_COLOUR = "#ffffff";
export const HIGHLIGHTER_ALPHA = "66"; // 40 %
const HIGHLIGHTER_WIDTH_FACTOR = 4;

/** #RRGGBB of a #RGB, #RRGGBB or #RRGGBBAA colour, or null. */
export function opaqueHex(colour) {
  const c = String(colour || "");
  if (/^#[0-9a-f]{3}$/i.test(c)) return `#${[...c.slice(1)].map((h) => h + h).join("")}`;
  return /^#[0-9a-f]{6}([0-9a-f]{2})?$/i.test(c) ? c.slice(0, 7) : null;
}

/** {tool, color, strokeWidth} of a stroke the `name` tool draws in `style`. */
export function strokeStyle(name, style, maxStrokeWidth) {
  if (name === "eraser")
    return { tool: "eraser", color: ERASER_COLOUR, strokeWidth: style.strokeWidth };
  if (name === "highlighter") {
    const opaque = opaqueHex(style.color) || "#ffeb3b";
    return {
      tool: "pen",
      color: opaque + HIGHLIGHTER_ALPHA,
      strokeWidth: Math.min(maxStrokeWidth, style.strokeWidth * HIGHLIGHTER_WIDTH_FACTOR),
    };
  }
  return { tool: "pen", color: style.color, strokeWidth: style.strokeWidth };
}

/** The line a finished live stroke makes, or null for none (no point at all). */
export function finishedLine(live) {
  if (!live || live.points.length < 2) return null;
  const points = live.points.length === 2 ? [...live.points, ...live.points] : live.points;
  return {
    id: newElementId("line"),
    tool: live.tool,
    points,
    color: live.color,
    strokeWidth: live.strokeWidth,
  };
}

/**
 * Add `p` to the live stroke (mutated); returns the line finished on the way when the
 * stroke reached `maxPoints` values, the live stroke then going on from its last point.
 */
export function addPoint(live, p, maxPoints) {
  const pts = live.points;
  const n = pts.length;
  if (n >= 2) {
    const dx = p.x - pts[n - 2];
    const dy = p.y - pts[n - 1];
    if (dx * dx + dy * dy < MIN_POINT_DISTANCE * MIN_POINT_DISTANCE) return null;
  }
  let finished = null;
  if (n + 2 > maxPoints) {
    finished = finishedLine(live);
    live.points = [pts[n - 2], pts[n - 1]];
  }
  live.points.push(p.x, p.y);
  return finished;
}

export function createPenTool(name) {
  let live = null; // {pointerId, tool, color, strokeWidth, points}

  const commitLine = (ctx, line) => {
    if (line) ctx.commit(addLineChange(line));
  };

  const finish = (ctx) => {
    const done = live;
    live = null;
    ctx.showLive(null);
    commitLine(ctx, finishedLine(done));
  };

  const add = (ctx, p) => commitLine(ctx, addPoint(live, p, ctx.limits.maxPointsPerLine));

  return {
    name,
    busy: () => live !== null,
    onPointerDown(ctx, input) {
      if (live) return;
      live = {
        pointerId: input.pointerId,
        ...strokeStyle(name, ctx.style, ctx.limits.maxStrokeWidth),
        points: [input.point.x, input.point.y],
      };
      ctx.showLive(live);
    },
    onPointerMove(ctx, input) {
      if (!live || input.pointerId !== live.pointerId) return;
      for (const p of input.points) add(ctx, p);
      ctx.showLive(live);
    },
    onPointerUp(ctx, input) {
      if (!live || input.pointerId !== live.pointerId) return;
      if (input.point) add(ctx, input.point);
      finish(ctx);
    },
    /** The pointer was taken away (the browser cancelled it): keep what was drawn. */
    onCancel(ctx, input) {
      if (live && input.pointerId === live.pointerId) finish(ctx);
    },
    finish(ctx) {
      if (live) finish(ctx);
    },
    reset(ctx) {
      live = null;
      ctx.showLive(null);
    },
  };
}
