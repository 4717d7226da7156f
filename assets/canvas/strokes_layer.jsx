/*
 * The document's finished strokes (stroke_cache.js says how they stay fast): the base
 * bitmap, the sharp bitmap of the part in sight once a zoomed view settles, the recent
 * strokes (from a bitmap of their own at fit, as lines otherwise), and the eraser
 * stroke in progress (it cuts this layer, so it is drawn on it). A pen stroke in
 * progress has a layer of its own (LiveLayer), so each pointer move redraws only that.
 */
import React, { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef } from "react";
import { Layer, Line, Shape } from "react-konva";
import { lineBounds } from "./selection.js";
import { CommittedLines } from "./shapes.jsx";
import {
  bitmapPlan,
  bitmapSize,
  blitPlacement,
  cachePixelRatio,
  keptRatio,
  splitLines,
  visibleLines,
  wholeDocument,
} from "./stroke_cache.js";
import { paintLines } from "./stroke_paint.js";
import { sameView, viewport } from "./view.js";

// One array for every render: a new one would be a changed prop to react-konva, which
// would empty the stroke being drawn and redraw its layer each time the canvas renders.
const NO_POINTS = [];

function LiveLine({ lineRef, name, eraser }) {
  return (
    <Line
      ref={lineRef}
      name={name}
      points={NO_POINTS}
      visible={false}
      lineCap="round"
      lineJoin="round"
      globalCompositeOperation={eraser ? "destination-out" : "source-over"}
      listening={false}
      perfectDrawEnabled={false}
    />
  );
}

/** The resolution of the drawing's bitmaps at fit (keptRatio: small resizes keep it). */
export function useBitmapRatio(stageSize, screenRatio) {
  const ref = useRef(0);
  ref.current = keptRatio(ref.current, cachePixelRatio(stageSize, screenRatio));
  return ref.current;
}

/** Paint `lines` on `canvas`, a bitmap of the document rectangle `rect` at `ratio`. */
function paintOn(canvas, lines, rect, ratio) {
  const ctx = canvas.getContext("2d");
  if (!ctx) return false;
  ctx.setTransform(ratio, 0, 0, ratio, -rect.x * ratio, -rect.y * ratio);
  paintLines(ctx, lines);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  return true;
}

function release(bitmap) {
  if (!bitmap) return;
  bitmap.canvas.width = 0; // its memory back at once, not at the next collection
  bitmap.canvas.height = 0;
}

/** The bitmap `bitmapRef` holds the next time `lines` change (bitmapPlan says how). */
function updateBitmap(bitmapRef, lines, rect, ratio) {
  const bitmap = bitmapRef.current;
  const plan = bitmapPlan(bitmap, lines, rect, ratio);
  if (plan === "keep") return false;
  if (plan === "append" && paintOn(bitmap.canvas, lines.slice(bitmap.lines.length), rect, ratio)) {
    bitmapRef.current = { ...bitmap, lines };
    return true;
  }
  release(bitmap);
  bitmapRef.current = null;
  if (plan === "clear") return bitmap !== null;
  const canvas = document.createElement("canvas");
  Object.assign(canvas, bitmapSize(rect, ratio));
  // A canvas the browser cannot give (memory): the lines are drawn as vectors instead.
  if (paintOn(canvas, lines, rect, ratio)) bitmapRef.current = { canvas, lines, rect, ratio };
  return true;
}

function blit(ctx, canvas, place) {
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  if (place.exact) ctx.drawImage(canvas, place.x, place.y);
  else ctx.drawImage(canvas, place.x, place.y, place.width, place.height);
  ctx.restore();
}

/**
 * `lines` over the document rectangle `rect`, drawn from one bitmap at `ratio` device
 * pixels per unit by one Konva Shape; painted on as lines are added, afresh otherwise.
 * `fewLines`: they are few, and drawn as lines whenever the bitmap would be scaled (a
 * scaled copy of a bitmap of the whole stage costs more than a few lines).
 */
export const LinesBitmap = memo(function LinesBitmap({
  lines,
  rect,
  ratio,
  visible,
  opacity = 1,
  fewLines = false,
}) {
  const shapeRef = useRef(null);
  const bitmapRef = useRef(null); // {canvas, lines, rect, ratio}
  const linesRef = useRef(lines);
  linesRef.current = lines;
  useLayoutEffect(() => {
    if (updateBitmap(bitmapRef, lines, rect, ratio)) shapeRef.current?.getLayer()?.batchDraw();
  }, [lines, rect, ratio]);
  useEffect(() => () => release(bitmapRef.current), []);
  // One function for every render: a new one would redraw the layer each time.
  const sceneFunc = useCallback(
    (context) => {
      const ctx = context._context;
      const bitmap = bitmapRef.current;
      const place =
        bitmap && blitPlacement(ctx.getTransform(), bitmap.rect, bitmap.ratio, bitmap.canvas);
      if (place && (place.exact || !fewLines)) blit(ctx, bitmap.canvas, place);
      else paintLines(ctx, linesRef.current);
    },
    [fewLines],
  );
  return (
    <Shape
      ref={shapeRef}
      sceneFunc={sceneFunc}
      visible={visible}
      opacity={opacity}
      listening={false}
      perfectDrawEnabled={false}
    />
  );
});

export function StrokesLayer({ lines, stageSize, fitRatio, scale, dpr, view, settled, eraserRef }) {
  const baseRef = useRef([]);

  const { baseLines, recentLines } = useMemo(() => {
    const split = splitLines(lines, baseRef.current);
    baseRef.current = split.baseLines;
    return split;
  }, [lines]);
  const whole = useMemo(() => wholeDocument(stageSize), [stageSize]);

  // The strokes' bounds are worked out the first time a zoomed view settles, not when
  // the record opens.
  const boxesRef = useRef({ lines: null, boxes: [] });
  const sharpView = useMemo(
    () => (settled.zoom > 1 ? viewport(settled, stageSize) : null),
    [settled, stageSize],
  );
  const sharpLines = useMemo(() => {
    if (!sharpView) return [];
    if (boxesRef.current.lines !== baseLines) {
      boxesRef.current = { lines: baseLines, boxes: baseLines.map(lineBounds) };
    }
    return visibleLines(baseLines, boxesRef.current.boxes, sharpView);
  }, [baseLines, sharpView]);
  const sharpShown = !!sharpView && sameView(view, settled);

  // Hidden with no strokes (MedrecCanvas says why); an eraser then has nothing to cut.
  return (
    <Layer listening={false} visible={lines.length > 0}>
      <LinesBitmap lines={baseLines} rect={whole} ratio={fitRatio} visible={!sharpShown} />
      <LinesBitmap
        lines={sharpLines}
        rect={sharpView || whole}
        ratio={sharpView ? scale * settled.zoom * dpr : 0}
        visible={sharpShown}
      />
      {/* An eraser's stroke cuts what is under it on this layer: painted into a bitmap
          of its own, it would cut only that. */}
      {recentLines.some((line) => line.tool === "eraser") ? (
        <CommittedLines lines={recentLines} />
      ) : (
        <LinesBitmap lines={recentLines} rect={whole} ratio={fitRatio} visible fewLines />
      )}
      <LiveLine lineRef={eraserRef} name="medrec-live-eraser" eraser />
    </Layer>
  );
}

/**
 * The stroke in progress: `showLive(stroke | null)` puts it on the live line of its kind
 * (a pen's on LiveLayer, an eraser's on StrokesLayer) and redraws that layer only, so
 * the finished strokes' bitmap is not redrawn 240 times a second.
 */
export function useLiveStroke() {
  const lineRef = useRef(null);
  const eraserRef = useRef(null);
  const showLive = useCallback((live) => {
    for (const node of [lineRef.current, eraserRef.current]) {
      if (!node) continue;
      const mine = !!live && (live.tool === "eraser") === (node === eraserRef.current);
      if (!mine && !node.visible()) continue;
      node.points(mine ? live.points : []);
      node.visible(mine);
      if (node === lineRef.current) node.getLayer()?.visible(mine);
      if (mine) {
        node.stroke(live.color);
        node.strokeWidth(live.strokeWidth);
      }
      node.getLayer()?.batchDraw();
    }
  }, []);
  return { lineRef, eraserRef, showLive };
}

/** Shown only while a pen stroke is drawn (showLive): each shown layer's canvas is
 * copied at every frame while anything moves. */
export function LiveLayer({ lineRef }) {
  return (
    <Layer listening={false} visible={false}>
      <LiveLine lineRef={lineRef} name="medrec-live" eraser={false} />
    </Layer>
  );
}
