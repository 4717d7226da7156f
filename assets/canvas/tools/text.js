/*
 * Text: idle -> pointing -> idle, the editor opened where the pointer went down. It
 * opens on pointer up, so the click's own focus change cannot close it again.
 */
import { newElementId } from "../document.js";

export function createTextTool() {
  let pointing = null; // {pointerId, x0, y0}

  return {
    name: "text",
    busy: () => pointing !== null,
    onPointerDown(_ctx, input) {
      if (!pointing) pointing = { pointerId: input.pointerId, ...input.point };
    },
    onPointerMove() {},
    onPointerUp(ctx, input) {
      if (!pointing || input.pointerId !== pointing.pointerId) return;
      const { x, y } = pointing;
      pointing = null;
      ctx.startTextEdit({
        id: newElementId("shape"),
        type: "text",
        x,
        y,
        text: "",
        color: ctx.style.color,
        strokeWidth: ctx.style.fontSize,
      });
    },
    onCancel(_ctx, input) {
      if (pointing && input.pointerId === pointing.pointerId) pointing = null;
    },
    finish() {
      pointing = null;
    },
    reset() {
      pointing = null;
    },
  };
}
