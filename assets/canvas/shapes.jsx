/*
 * The drawing's elements as Konva nodes: shapes, finished strokes, and read-only layers
 * (the signed record under an amendment, signed amendments in their tints).
 */
import React, { forwardRef, memo } from "react";
import { Arrow, Circle, Layer, Rect, Shape, Text, Transformer } from "react-konva";
import { isUnconfirmed } from "./carry.js";
import { normaliseDocument } from "./document.js";
import { tinted } from "./palette.js";
import { CARRIED_DASH, paintLines } from "./stroke_paint.js";

// Unfilled circles and rects still take clicks inside them (select tool).
const CLEAR_FILL = "rgba(0,0,0,0)";
const arrowHead = (w) => Math.max(8, w * 3);

/** One shape; `name` "medrec-shape" marks the document's own (the select tool hits them). */
export function ShapeNode({ shape, hidden = false, name, onTransformEnd, onEditText }) {
  const common = {
    id: shape.id,
    name,
    x: shape.x,
    y: shape.y,
    rotation: shape.rotation || 0,
    visible: !hidden,
    dash: isUnconfirmed(shape) ? CARRIED_DASH : undefined,
    onTransformEnd,
    hitStrokeWidth: Math.max(12, shape.strokeWidth || 0),
  };
  switch (shape.type) {
    case "circle":
      return (
        <Circle
          {...common}
          radius={shape.radius}
          stroke={shape.color}
          strokeWidth={shape.strokeWidth}
          fill={shape.fill || CLEAR_FILL}
        />
      );
    case "rect":
      return (
        <Rect
          {...common}
          width={shape.width}
          height={shape.height}
          stroke={shape.color}
          strokeWidth={shape.strokeWidth}
          fill={shape.fill || CLEAR_FILL}
        />
      );
    case "arrow":
      return (
        <Arrow
          {...common}
          points={[0, 0, ...(shape.points || [])]}
          stroke={shape.color}
          fill={shape.color}
          strokeWidth={shape.strokeWidth}
          pointerLength={arrowHead(shape.strokeWidth)}
          pointerWidth={arrowHead(shape.strokeWidth)}
          lineCap="round"
          lineJoin="round"
        />
      );
    case "text":
      return (
        <Text
          {...common}
          text={shape.text}
          fontSize={shape.fontSize || shape.strokeWidth}
          fill={shape.color}
          onDblClick={onEditText}
          onDblTap={onEditText}
        />
      );
    default:
      return null;
  }
}

/**
 * A drawing shown but never changed here: the signed record under an amendment, or a
 * signed amendment's layer (in its tint). Its eraser strokes cut only its own strokes.
 */
export function ReadOnlyLayer({ drawing, tint }) {
  const doc = normaliseDocument(drawing);
  const lines = tint ? doc.lines.map((l) => ({ ...l, color: tinted(l.color, tint) })) : doc.lines;
  const shapes = tint
    ? doc.shapes.map((s) => ({ ...s, color: tinted(s.color, tint), fill: tinted(s.fill, tint) }))
    : doc.shapes;
  return (
    <>
      <Layer listening={false} name="medrec-read-only">
        <CommittedLines lines={lines} />
      </Layer>
      <Layer listening={false}>
        {shapes.map((shape) => (
          <ShapeNode key={shape.id} shape={shape} />
        ))}
      </Layer>
    </>
  );
}

/** Finished strokes, painted by one Konva Shape (stroke_paint.js). Memoised: redrawn
 * only when the lines array changes. */
export const CommittedLines = memo(function CommittedLines({ lines }) {
  return (
    <Shape
      sceneFunc={(context) => paintLines(context._context, lines)}
      listening={false}
      perfectDrawEnabled={false}
    />
  );
});

/** The document's shapes; those in `hiddenIds` (a Set: edited or being moved) not shown. */
export const ShapesList = memo(function ShapesList({
  shapes,
  hiddenIds,
  onTransformEnd,
  onEditText,
}) {
  return shapes.map((shape) => (
    <ShapeNode
      key={shape.id}
      shape={shape}
      name="medrec-shape"
      hidden={hiddenIds.has(shape.id)}
      onTransformEnd={onTransformEnd}
      onEditText={onEditText}
    />
  ));
});

const ALL_ANCHORS = [
  "top-left",
  "top-center",
  "top-right",
  "middle-right",
  "middle-left",
  "bottom-left",
  "bottom-center",
  "bottom-right",
];
const CORNER_ANCHORS = ["top-left", "top-right", "bottom-left", "bottom-right"];
// Module-level, as a new function each render would be a changed prop to react-konva,
// which redraws the shapes' layer for it.
const atLeast5px = (oldBox, newBox) =>
  Math.abs(newBox.width) < 5 || Math.abs(newBox.height) < 5 ? oldBox : newBox;
const keepsAspect = (shape) => !!shape && (shape.type === "circle" || shape.type === "text");

/** The handles of the shape selected alone (`shape`; use_shape_edits.js attaches them). */
export const ShapeTransformer = forwardRef(function ShapeTransformer({ shape }, ref) {
  const aspect = keepsAspect(shape);
  return (
    <Transformer
      ref={ref}
      flipEnabled={false}
      ignoreStroke
      keepRatio={aspect}
      rotateEnabled={!!shape && shape.type !== "circle"}
      enabledAnchors={aspect ? CORNER_ANCHORS : ALL_ANCHORS}
      boundBoxFunc={atLeast5px}
    />
  );
});
