/*
 * The canvas's tools, one small state machine each. Every tool takes the same inputs
 * from the canvas, in stage coordinates:
 *
 *   onPointerDown(ctx, {pointerId, point, onShape, onTransformer})
 *   onPointerMove(ctx, {pointerId, points})      (coalesced events, oldest first)
 *   onPointerUp(ctx, {pointerId, point})         (point null when off the stage)
 *   onCancel(ctx, {pointerId})
 *   finish(ctx): end a gesture in progress, keeping what it made; reset(ctx): drop it
 *
 * and acts only through `ctx`: style {color, strokeWidth, fontSize}, limits, commit(change),
 * showLive(stroke | null), showDraft(shape | null), startTextEdit(shape), select(id | null).
 */
import { createPenTool } from "./pen.js";
import { createSelectTool } from "./select.js";
import { createShapeTool } from "./shape.js";
import { createTextTool } from "./text.js";

export const TOOLS = [
  { name: "select", label: "Select", key: "v" },
  { name: "pen", label: "Pen", key: "p" },
  { name: "highlighter", label: "Highlighter", key: "h" },
  { name: "eraser", label: "Eraser", key: "e" },
  { name: "circle", label: "Circle", key: "c" },
  { name: "rect", label: "Rect", key: "r" },
  { name: "arrow", label: "Arrow", key: "a" },
  { name: "text", label: "Text", key: "t" },
];

/** A fresh set of tools, by name: each canvas has its own gestures in progress. */
export function createTools() {
  return {
    select: createSelectTool(),
    pen: createPenTool("pen"),
    highlighter: createPenTool("highlighter"),
    eraser: createPenTool("eraser"),
    circle: createShapeTool("circle"),
    rect: createShapeTool("rect"),
    arrow: createShapeTool("arrow"),
    text: createTextTool(),
  };
}
