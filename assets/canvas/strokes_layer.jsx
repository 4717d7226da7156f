/*
 * The document's finished strokes (stroke_cache.js says how they stay fast): the base
 * bitmap, the sharp bitmap of the part in sight once a zoomed view settles, the recent
 * strokes as vectors, and the eraser stroke in progress (it cuts this layer, so it is
 * drawn on it). A pen stroke in progress has a layer of its own (LiveLayer), so each
 * pointer move redraws only that.
 */
import React, { useLayoutEffect, useMemo, useRef } from "react";
import { Group, Layer, Line } from "react-konva";
import { lineBounds } from "./selection.js";
import { CommittedLines } from "./shapes.jsx";
import {
  cachePixelRatio,
  rebuildCache,
  splitLines,
  visibleLines,
  wholeDocument,
} from "./stroke_cache.js";
import { sameView, viewport } from "./view.js";

function LiveLine({ lineRef, name, eraser }) {
  return (
    <Line
      ref={lineRef}
      name={name}
      points={[]}
      visible={false}
      lineCap="round"
      lineJoin="round"
      globalCompositeOperation={eraser ? "destination-out" : "source-over"}
      listening={false}
      perfectDrawEnabled={false}
    />
  );
}

export function StrokesLayer({ lines, stageSize, scale, dpr, view, settled, eraserRef }) {
  const baseRef = useRef([]);
  const baseGroupRef = useRef(null);
  const sharpGroupRef = useRef(null);

  const { baseLines, recentLines } = useMemo(() => {
    const split = splitLines(lines, baseRef.current);
    baseRef.current = split.baseLines;
    return split;
  }, [lines]);

  const fitRatio = cachePixelRatio(stageSize, scale * dpr);
  useLayoutEffect(() => {
    const group = baseGroupRef.current;
    if (group && scale) {
      rebuildCache(group, wholeDocument(stageSize), fitRatio, baseLines.length > 0);
    }
  }, [baseLines, scale, fitRatio, stageSize]);

  const baseBoxes = useMemo(() => baseLines.map(lineBounds), [baseLines]);
  const sharpView = useMemo(
    () => (settled.zoom > 1 ? viewport(settled, stageSize) : null),
    [settled, stageSize],
  );
  const sharpLines = useMemo(
    () => (sharpView ? visibleLines(baseLines, baseBoxes, sharpView) : []),
    [baseLines, baseBoxes, sharpView],
  );
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

export function LiveLayer({ lineRef }) {
  return (
    <Layer listening={false}>
      <LiveLine lineRef={lineRef} name="medrec-live" eraser={false} />
    </Layer>
  );
}
