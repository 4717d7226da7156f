/*
 * The last visit as a guide: its drawing faded under this one (GhostLayer), the bar
 * that shows it, picks from it and carries what was picked forward (PreviousVisitBar),
 * and the "from 12 Nov" labels of carried elements not yet confirmed (CarriedLabels).
 * Nothing here is ever part of this record's document except what is carried, as
 * copies (carry.js).
 */
import React, { memo, useMemo } from "react";
import { Group, Layer, Line, Text } from "react-konva";
import { visitLabel } from "./carry.js";
import { SELECTION_COLOUR } from "./selection_marks.jsx";
import { ShapeNode } from "./shapes.jsx";
import { wholeDocument } from "./stroke_cache.js";
import { LinesBitmap } from "./strokes_layer.jsx";
import { S } from "./styles.js";
import { ActionButton } from "./toolbar.jsx";

export const GHOST_OPACITY = 0.35;
const CARRIED_COLOUR = "#0f766e";

/**
 * The last visit's drawing, faded: its strokes from one bitmap at the screen's
 * resolution at fit (soft when zoomed in: it is a guide), its shapes over them; picked
 * elements haloed.
 */
export const GhostLayer = memo(function GhostLayer({
  doc,
  picked,
  stageSize,
  pixelRatio,
  zoomScale,
}) {
  const whole = useMemo(() => wholeDocument(stageSize), [stageSize]);
  const pickedLines = useMemo(() => {
    const ids = new Set(picked.lines);
    return doc.lines.filter((l) => ids.has(l.id));
  }, [doc, picked]);
  const pickedShapes = useMemo(() => {
    const ids = new Set(picked.shapes);
    return doc.shapes.filter((s) => ids.has(s.id));
  }, [doc, picked]);
  const halo = 6 / (zoomScale || 1);
  return (
    <Layer listening={false}>
      <LinesBitmap
        lines={doc.lines}
        rect={whole}
        ratio={pixelRatio}
        visible
        opacity={GHOST_OPACITY}
      />
      <Group opacity={GHOST_OPACITY}>
        {doc.shapes.map((shape) => (
          <ShapeNode key={shape.id} shape={shape} />
        ))}
      </Group>
      {pickedLines.map((line) => (
        <Line
          key={`picked-${line.id}`}
          points={line.points}
          stroke={SELECTION_COLOUR}
          strokeWidth={line.strokeWidth + halo}
          opacity={0.5}
          lineCap="round"
          lineJoin="round"
        />
      ))}
      {pickedShapes.map((shape) => (
        <ShapeNode key={`picked-${shape.id}`} shape={{ ...shape, color: SELECTION_COLOUR }} />
      ))}
    </Layer>
  );
});

/** "from 12 Nov" over each mark of unconfirmedMarks (carry.js) (on the canvas's overlay layer). */
export function CarriedLabels({ marks, zoomScale }) {
  const size = 11 / (zoomScale || 1);
  return marks.map(({ id, box, visitDate }) => (
    <Text
      key={`from-${id}`}
      x={box.x}
      y={box.y - size * 1.3}
      text={`from ${visitLabel(visitDate)}`}
      fontSize={size}
      fontStyle="italic"
      fill={CARRIED_COLOUR}
    />
  ));
}

/** Show the last visit; pick from it and carry forward (editors only). */
export function PreviousVisitBar({
  visit,
  shown,
  onToggle,
  editable,
  picking,
  onPick,
  pickedCount,
  onCarry,
  big,
}) {
  const label =
    visit.status === "ready"
      ? `Visit of ${visitLabel(visit.visitDate)} shown faded`
      : visit.status === "none"
        ? "No earlier visit with this template"
        : visit.status === "error"
          ? `The last visit could not be loaded (${visit.error})`
          : visit.status === "loading"
            ? "Loading the last visit…"
            : "";
  return (
    <fieldset
      style={{ ...S.toolbar, ...S.group }}
      aria-label="Last visit"
      data-testid="previous-visit"
    >
      <ActionButton
        big={big}
        testId="previous-toggle"
        pressed={shown}
        title="Show the patient's last visit with this template, faded under this drawing"
        onClick={onToggle}
      >
        Last visit
      </ActionButton>
      {shown && label && (
        <span data-testid="previous-status" role="status" style={S.note}>
          {label}
        </span>
      )}
      {shown && editable && visit.status === "ready" && (
        <>
          <ActionButton
            big={big}
            testId="previous-pick"
            pressed={picking}
            title="Pick strokes and shapes of the last visit: click them, or draw round them"
            onClick={onPick}
          >
            Pick from it
          </ActionButton>
          <ActionButton
            big={big}
            testId="carry-forward"
            disabled={pickedCount === 0}
            title="Copy what was picked into this record, marked until you confirm it"
            onClick={onCarry}
          >
            {pickedCount === 1 ? "Carry 1 forward" : `Carry ${pickedCount} forward`}
          </ActionButton>
        </>
      )}
    </fieldset>
  );
}
