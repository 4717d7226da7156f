/*
 * The document's finished strokes (stroke_cache.js says how they stay fast): the base
 * bitmap, the sharp bitmap of the part in sight once a zoomed view settles, the recent
 * strokes as vectors, and the eraser stroke in progress (it cuts this layer, so it is
 * drawn on it). A pen stroke in progress has a layer of its own (LiveLayer), so each
 * pointer move redraws only that.
 */
import React, { useCallback, useLayoutEffect, useMemo, useRef } from "react";
import { Group, Layer, Line } from "react-konva";
import { lineBounds } from "./selection.js";
import { CommittedLines } from "./shapes.jsx";
import {
  cachePixelRatio,
  keptRatio,
  rebuildCache,
  splitLines,
  visibleLines,
  wholeDocument,
} from "./stroke_cache.js";
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

export function StrokesLayer({ lines, stageSize, fitRatio, scale, dpr, view, settled, eraserRef }) {
  const baseRef = useRef([]);
  const baseGroupRef = useRef(null);
  const sharpGroupRef = useRef(null);

  const { baseLines, recentLines } = useMemo(() => {
    const split = splitLines(lines, baseRef.current);
    baseRef.current = split.baseLines;
    return split;
  }, [lines]);

  useLayoutEffect(() => {
    const group = baseGroupRef.current;
    if (group && fitRatio > 0) {
      rebuildCache(group, wholeDocument(stageSize), fitRatio, baseLines.length > 0);
    }
  }, [baseLines, fitRatio, stageSize]);

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
  useLayoutEffect(() => {
    const group = sharpGroupRef.current;
    if (group && scale && sharpView) {
      rebuildCache(group, sharpView, scale * settled.zoom * dpr, sharpLines.length > 0);
    }
  }, [sharpLines, sharpView, scale, settled.zoom, dpr]);

  return (
    <Layer listening={false}>
      <Group ref={baseGroupRef} visible={!sharpShown}>
        <CommittedLines lines={baseLines} />
      </Group>
      <Group ref={sharpGroupRef} visible={sharpShown}>
        <CommittedLines lines={sharpLines} />
      </Group>
      <CommittedLines lines={recentLines} />
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
