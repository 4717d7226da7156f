/*
 * The text being typed on the canvas: a textarea over the stage where the text goes,
 * in its colour and size. Enter (without Shift) or leaving the field keeps it, Escape
 * drops it; `onFinish(cancel)` is called once either way.
 */
import React, { useEffect, useRef } from "react";
import { S } from "./styles.js";

export function TextEditor({ edit, toScreen, scale, maxChars, onChange, onFinish }) {
  const ref = useRef(null);

  useEffect(() => {
    const timer = window.setTimeout(() => {
      const ta = ref.current;
      if (!ta) return;
      ta.focus();
      ta.setSelectionRange(ta.value.length, ta.value.length);
    }, 0);
    return () => window.clearTimeout(timer);
  }, [edit.id]);

  const shape = { ...edit.shape, ...(edit.old || {}) };
  const font = (shape.fontSize || shape.strokeWidth) * scale;
  const at = toScreen({ x: edit.x, y: edit.y });
  return (
    <textarea
      ref={ref}
      data-testid="canvas-text-input"
      aria-label="Text"
      value={edit.value}
      maxLength={maxChars}
      rows={Math.max(1, edit.value.split("\n").length)}
      onChange={(e) => onChange(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onFinish(true);
        } else if (e.key === "Enter" && !e.shiftKey) {
          e.preventDefault();
          onFinish(false);
        }
      }}
      onBlur={() => onFinish(false)}
      style={{
        ...S.textarea,
        left: `${at.x}px`,
        top: `${at.y}px`,
        fontSize: `${font}px`,
        color: shape.color,
        width: `${Math.max(120, Math.min(600, (edit.value.length + 2) * font * 0.6))}px`,
      }}
    />
  );
}
