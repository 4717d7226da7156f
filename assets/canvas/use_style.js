/*
 * useStyle: the colour, stroke width and font size new marks get (session state), and
 * the toolbar's colour and width pickers, which restyle a selection instead when there
 * is one (one change, one undo). An amendment draws in its own colour only
 * (`lockedColor`).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { FONT_SIZES, STROKE_WIDTHS } from "./palette.js";
import { isEmpty, recolourSelectionChange, resizeSelectionChange } from "./selection.js";

export function useStyle({ lockedColor, tool, selected, selectionRef, docRef, commit }) {
  const [color, setColor] = useState("#000000");
  const [strokeWidth, setStrokeWidth] = useState(3);
  const [fontSize, setFontSize] = useState(24);
  const colorInputRef = useRef(null);
  const toolRef = useRef(tool);
  toolRef.current = tool;

  useEffect(() => {
    if (lockedColor) setColor(lockedColor);
  }, [lockedColor]);

  const pickColour = useCallback(
    (hex) => {
      setColor(hex);
      commit(recolourSelectionChange(docRef.current, selectionRef.current, hex));
    },
    [docRef, selectionRef, commit],
  );

  // The native colour picker fires `input` continuously; recolour a selection only on
  // its final `change`.
  const pickColourRef = useRef(pickColour);
  pickColourRef.current = pickColour;
  useEffect(() => {
    const el = colorInputRef.current;
    if (!el || lockedColor) return undefined; // no input while an amendment locks the colour
    const onChange = () => pickColourRef.current(el.value);
    el.addEventListener("change", onChange);
    return () => el.removeEventListener("change", onChange);
  }, [lockedColor]);

  const pickWidth = useCallback(
    (value) => {
      const n = Number(value);
      if (!(n > 0)) return;
      const sel = selectionRef.current;
      if (!isEmpty(sel)) commit(resizeSelectionChange(docRef.current, sel, n));
      else if (toolRef.current === "text") setFontSize(n);
      else setStrokeWidth(n);
    },
    [docRef, selectionRef, commit],
  );

  // The width shown is the first selected element's (a text's font size), else the tool's.
  const first = selected.lines[0] || selected.shapes[0] || null;
  const isText = first ? first.type === "text" : tool === "text";
  const widthValue = first ? first.fontSize || first.strokeWidth : isText ? fontSize : strokeWidth;

  return {
    style: { color, strokeWidth, fontSize },
    setColor,
    pickColour,
    colorInputRef,
    pickWidth,
    isText,
    widthValue,
    widthOptions: isText ? FONT_SIZES : STROKE_WIDTHS,
  };
}
