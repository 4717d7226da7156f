/* Inline styles of the canvas and its toolbar; `big`: sized for fingers (touch_size.js). */
import { TOUCH_TARGET_PX } from "./touch_size.js";

const target = (big) =>
  big ? { minWidth: `${TOUCH_TARGET_PX}px`, minHeight: `${TOUCH_TARGET_PX}px` } : {};
export const S = {
  root: { display: "flex", flexDirection: "column", gap: "6px", width: "100%" },
  toolbar: {
    display: "flex",
    flexWrap: "wrap",
    alignItems: "center",
    gap: "4px",
    font: "13px system-ui, sans-serif",
  },
  button: (pressed, disabled, big = false) => ({
    ...target(big),
    padding: big ? "4px 12px" : "4px 8px",
    border: `1px solid ${pressed ? "#0d9488" : "#c4c4c4"}`,
    borderRadius: "4px",
    background: pressed ? "#ccfbf1" : "#fff",
    color: disabled ? "#9e9e9e" : "#111",
    cursor: disabled ? "default" : "pointer",
    font: "inherit",
  }),
  swatch: (colour, selected, big = false) => ({
    width: big ? `${TOUCH_TARGET_PX}px` : "22px",
    height: big ? `${TOUCH_TARGET_PX}px` : "22px",
    padding: 0,
    borderRadius: "50%",
    border: selected ? "2px solid #0d9488" : "1px solid #9e9e9e",
    boxShadow: selected ? "0 0 0 2px #fff inset" : "none",
    background: colour,
    cursor: "pointer",
  }),
  group: {
    display: "inline-flex",
    alignItems: "center",
    gap: "4px",
    border: "none",
    margin: 0,
    padding: 0,
  },
  zoomLevel: { minWidth: "3.5em", textAlign: "center", fontVariantNumeric: "tabular-nums" },
  sep: { width: "1px", alignSelf: "stretch", background: "#ddd", margin: "0 4px" },
  stage: (touchAction) => ({
    position: "relative",
    width: "100%",
    border: "1px solid #d4d4d4",
    background: "#fff",
    touchAction,
    lineHeight: 0, // Konva's inline-block content div would leave a descender gap
    userSelect: "none",
    WebkitUserSelect: "none",
  }),
  pending: { font: "12px system-ui, sans-serif", color: "#92400e" },
  note: { font: "12px system-ui, sans-serif", color: "#115e59" },
  error: { font: "13px system-ui, sans-serif", color: "#b91c1c" },
  // On the stage, over whatever part of the background could be drawn: never a silent
  // white page. It lets pointer input through to the drawing.
  notDrawn: {
    position: "absolute",
    top: "8px",
    left: "8px",
    right: "8px",
    zIndex: 1,
    padding: "8px 10px",
    font: "14px/1.4 system-ui, sans-serif",
    color: "#7f1d1d",
    background: "#fef2f2",
    border: "1px solid #fca5a5",
    borderRadius: "4px",
    pointerEvents: "none",
  },
  textarea: {
    position: "absolute",
    margin: 0,
    padding: 0,
    border: "1px dashed #0d9488",
    background: "rgba(255,255,255,0.85)",
    outline: "none",
    resize: "none",
    overflow: "hidden",
    lineHeight: 1,
    fontFamily: "Arial, sans-serif",
    zIndex: 2,
    minWidth: "4em",
  },
};
