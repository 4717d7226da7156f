/*
 * What the select tool shows over the drawing: a halo on each selected stroke, the
 * selection's dashed box, the selection following the pointer while it is dragged
 * (its strokes stay drawn in place underneath until the move is made: they are part of
 * the cached bitmap) and the lasso being drawn. Drawn on the canvas's overlay layer,
 * which never listens: the tool hit-tests.
 */
import React from "react";
import { Group, Line, Rect } from "react-konva";
import { CommittedLines, ShapeNode } from "./shapes.jsx";

export const SELECTION_COLOUR = "#0d9488";

export function SelectionMarks({ selected, box, moveOffset, lasso, zoomScale }) {
  const px = (n) => n / (zoomScale || 1); // n screen pixels in document units
  const dx = moveOffset ? moveOffset.dx : 0;
  const dy = moveOffset ? moveOffset.dy : 0;
  return (
    <>
      <Group x={dx} y={dy}>
        {selected.lines.map((line) => (
          <Line
            key={`halo-${line.id}`}
            points={line.points}
            stroke={SELECTION_COLOUR}
            strokeWidth={line.strokeWidth + px(6)}
            opacity={0.35}
            lineCap="round"
            lineJoin="round"
            perfectDrawEnabled={false}
          />
        ))}
        {moveOffset && <CommittedLines lines={selected.lines} />}
        {moveOffset && selected.shapes.map((shape) => <ShapeNode key={shape.id} shape={shape} />)}
        {box && (
          <Rect
            x={box.x - px(4)}
            y={box.y - px(4)}
            width={box.width + px(8)}
            height={box.height + px(8)}
            stroke={SELECTION_COLOUR}
            strokeWidth={px(1)}
            dash={[px(6), px(4)]}
          />
        )}
      </Group>
      {lasso && (
        <Line
          points={lasso}
          closed
          stroke={SELECTION_COLOUR}
          strokeWidth={px(1.5)}
          dash={[px(5), px(4)]}
          fill="rgba(13,148,136,0.08)"
        />
      )}
    </>
  );
}
