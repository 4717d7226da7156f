/*
 * A selection of strokes and shapes, and what can be done to it: find what a pointer
 * or a lasso touches, bounds, and the changes (changes.js's {doOps, undoOps}) that move,
 * delete, duplicate, nudge or restyle it. Pure.
 *
 * A selection is {lines: [id], shapes: [id]}. Only elements an operation can name are
 * selectable: lines with an id (older documents have strokes without), and never eraser
 * strokes, which are cuts rather than marks. A moved or restyled stroke is put again
 * under its own id (addLine replaces in place), so it keeps its place in the drawing.
 */
import { newElementId, round2 } from "./document.js";

export const EMPTY_SELECTION = Object.freeze({ lines: [], shapes: [] });
export const HIT_TOLERANCE = 6;
export const DUPLICATE_OFFSET = 20;

const change = (doOps, undoOps) => (doOps.length ? { doOps, undoOps } : null);

export const isEmpty = (sel) => sel.lines.length === 0 && sel.shapes.length === 0;
export const size = (sel) => sel.lines.length + sel.shapes.length;

const selectable = (line) => typeof line?.id === "string" && line.tool !== "eraser";

/** The selected elements that are in `doc`, in drawing order. */
export function selectedElements(doc, sel) {
  if (isEmpty(sel)) return { lines: [], shapes: [] }; // the usual case: no walk
  const lineIds = new Set(sel.lines);
  const shapeIds = new Set(sel.shapes);
  return {
    lines: doc.lines.filter((l) => selectable(l) && lineIds.has(l.id)),
    shapes: doc.shapes.filter((s) => shapeIds.has(s.id)),
  };
}

/** The selection less what `doc` no longer has; the same object when nothing went. */
export function pruned(doc, sel) {
  const { lines, shapes } = selectedElements(doc, sel);
  if (lines.length === sel.lines.length && shapes.length === sel.shapes.length) return sel;
  return { lines: lines.map((l) => l.id), shapes: shapes.map((s) => s.id) };
}

/** `sel` with the element added, or taken out when it was in (shift+click). */
export function toggled(sel, kind, id) {
  const ids = sel[kind];
  const next = ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id];
  return { ...sel, [kind]: next };
}

export function union(a, b) {
  return {
    lines: [...new Set([...a.lines, ...b.lines])],
    shapes: [...new Set([...a.shapes, ...b.shapes])],
  };
}

export const includes = (sel, kind, id) => sel[kind].includes(id);

/* ------------------------------------------------------------- geometry */

function boxOf(xs, ys, pad = 0) {
  if (!xs.length) return null;
  const x = Math.min(...xs) - pad;
  const y = Math.min(...ys) - pad;
  return { x, y, width: Math.max(...xs) + pad - x, height: Math.max(...ys) + pad - y };
}

/** A stroke's bounds, with half its width around (one pass: it runs over every stroke). */
export function lineBounds(line) {
  const pts = line.points;
  if (pts.length < 2) return null;
  let minX = pts[0];
  let maxX = pts[0];
  let minY = pts[1];
  let maxY = pts[1];
  for (let i = 2; i + 1 < pts.length; i += 2) {
    const x = pts[i];
    const y = pts[i + 1];
    if (x < minX) minX = x;
    else if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    else if (y > maxY) maxY = y;
  }
  const pad = (line.strokeWidth || 0) / 2;
  return {
    x: minX - pad,
    y: minY - pad,
    width: maxX - minX + 2 * pad,
    height: maxY - minY + 2 * pad,
  };
}

/** The shape's own corners (before rotation), relative to its (x, y). */
function shapeCorners(shape) {
  if (shape.type === "rect") {
    return [
      [0, 0],
      [shape.width, 0],
      [0, shape.height],
      [shape.width, shape.height],
    ];
  }
  if (shape.type === "arrow") {
    const pts = [[0, 0]];
    for (let i = 0; i + 1 < (shape.points || []).length; i += 2) {
      pts.push([shape.points[i], shape.points[i + 1]]);
    }
    return pts;
  }
  // Text: Konva's measure is not at hand in pure code; 0.6 em a character is close.
  const size = shape.fontSize || shape.strokeWidth || 12;
  const rows = String(shape.text || "").split("\n");
  const width = Math.max(1, ...rows.map((r) => r.length)) * size * 0.6;
  return [
    [0, 0],
    [width, 0],
    [0, rows.length * size],
    [width, rows.length * size],
  ];
}

export function shapeBounds(shape) {
  if (shape.type === "circle") {
    const r = shape.radius + (shape.strokeWidth || 0) / 2;
    return { x: shape.x - r, y: shape.y - r, width: 2 * r, height: 2 * r };
  }
  const a = ((shape.rotation || 0) * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const xs = [];
  const ys = [];
  for (const [px, py] of shapeCorners(shape)) {
    xs.push(shape.x + px * cos - py * sin);
    ys.push(shape.y + px * sin + py * cos);
  }
  return boxOf(xs, ys, (shape.strokeWidth || 0) / 2);
}

/** The box around every selected element, or null for none. */
export function selectionBounds(doc, sel) {
  const { lines, shapes } = selectedElements(doc, sel);
  const boxes = [...lines.map(lineBounds), ...shapes.map(shapeBounds)].filter(Boolean);
  if (!boxes.length) return null;
  const xs = boxes.flatMap((b) => [b.x, b.x + b.width]);
  const ys = boxes.flatMap((b) => [b.y, b.y + b.height]);
  return boxOf(xs, ys);
}

export const insideBox = (box, p) =>
  !!box && p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height;

function segmentDistance(p, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p.x - ax) * dx + (p.y - ay) * dy) / len)) : 0;
  return Math.hypot(p.x - (ax + t * dx), p.y - (ay + t * dy));
}

/** The id of the topmost selectable stroke under `p`, or null. */
export function strokeAt(doc, p, tolerance = HIT_TOLERANCE) {
  for (let k = doc.lines.length - 1; k >= 0; k--) {
    const line = doc.lines[k];
    if (!selectable(line)) continue;
    const reach = (line.strokeWidth || 0) / 2 + tolerance;
    const box = lineBounds(line);
    if (
      !box ||
      !insideBox(
        {
          x: box.x - reach,
          y: box.y - reach,
          width: box.width + 2 * reach,
          height: box.height + 2 * reach,
        },
        p,
      )
    ) {
      continue;
    }
    const pts = line.points;
    for (let i = 0; i + 3 < pts.length; i += 2) {
      if (segmentDistance(p, pts[i], pts[i + 1], pts[i + 2], pts[i + 3]) <= reach) return line.id;
    }
  }
  return null;
}

/** The id of the topmost shape whose bounds hold `p`, or null. */
export function shapeAt(doc, p) {
  for (let k = doc.shapes.length - 1; k >= 0; k--) {
    if (insideBox(shapeBounds(doc.shapes[k]), p)) return doc.shapes[k].id;
  }
  return null;
}

/** Whether `p` is inside the closed polygon [x0, y0, x1, y1, ...] (even-odd rule). */
export function insidePolygon(polygon, p) {
  let inside = false;
  const n = polygon.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = polygon[2 * i];
    const yi = polygon[2 * i + 1];
    const xj = polygon[2 * j];
    const yj = polygon[2 * j + 1];
    if (yi > p.y !== yj > p.y && p.x < ((xj - xi) * (p.y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const centre = (box) => ({ x: box.x + box.width / 2, y: box.y + box.height / 2 });

/** What a lasso drawn around [x0, y0, ...] takes: the elements whose middle it holds. */
export function lassoed(doc, polygon) {
  if (polygon.length < 6) return EMPTY_SELECTION;
  const holds = (box) => !!box && insidePolygon(polygon, centre(box));
  return {
    lines: doc.lines.filter((l) => selectable(l) && holds(lineBounds(l))).map((l) => l.id),
    shapes: doc.shapes.filter((s) => holds(shapeBounds(s))).map((s) => s.id),
  };
}

/* -------------------------------------------------------------- changes */

export function movedLine(line, dx, dy) {
  return { ...line, points: line.points.map((v, i) => round2(v + (i % 2 ? dy : dx))) };
}

export const movedShapeBy = (shape, dx, dy) => ({
  ...shape,
  x: round2(shape.x + dx),
  y: round2(shape.y + dy),
});

/** Every selected element put again as `remake` makes it; undone by putting it back. */
function remade(doc, sel, remakeLine, remakeShape) {
  const { lines, shapes } = selectedElements(doc, sel);
  const doOps = [];
  const undoOps = [];
  for (const line of lines) {
    const next = remakeLine(line);
    if (!next || JSON.stringify(next) === JSON.stringify(line)) continue;
    doOps.push({ op: "addLine", line: next });
    undoOps.push({ op: "addLine", line });
  }
  for (const shape of shapes) {
    const next = remakeShape(shape);
    if (!next || JSON.stringify(next) === JSON.stringify(shape)) continue;
    doOps.push({ op: "putShape", shape: next });
    undoOps.push({ op: "putShape", shape });
  }
  return change(doOps, undoOps);
}

/** The selection moved by (dx, dy): a drag, or a nudge of the arrow keys. */
export function moveChange(doc, sel, dx, dy) {
  if (!dx && !dy) return null;
  return remade(
    doc,
    sel,
    (l) => movedLine(l, dx, dy),
    (s) => movedShapeBy(s, dx, dy),
  );
}

export function deleteChange(doc, sel) {
  const { lines, shapes } = selectedElements(doc, sel);
  if (!lines.length && !shapes.length) return null;
  return change(
    [{ op: "deleteElements", lineIds: lines.map((l) => l.id), shapeIds: shapes.map((s) => s.id) }],
    [
      ...lines.map((line) => ({ op: "addLine", line })),
      ...shapes.map((shape) => ({ op: "putShape", shape })),
    ],
  );
}

/** Copies of the selection, a little down and right; {change, selection: the copies}. */
export function duplicateChange(doc, sel, offset = DUPLICATE_OFFSET) {
  const { lines, shapes } = selectedElements(doc, sel);
  const newLines = lines.map((l) => ({
    ...movedLine(l, offset, offset),
    id: newElementId("line"),
  }));
  const newShapes = shapes.map((s) => ({
    ...movedShapeBy(s, offset, offset),
    id: newElementId("shape"),
  }));
  const selection = { lines: newLines.map((l) => l.id), shapes: newShapes.map((s) => s.id) };
  return {
    change: change(
      [
        ...newLines.map((line) => ({ op: "addLine", line })),
        ...newShapes.map((shape) => ({ op: "putShape", shape })),
      ],
      [{ op: "deleteElements", lineIds: selection.lines, shapeIds: selection.shapes }],
    ),
    selection,
  };
}

/** #RRGGBB in `hex` with the alpha of `was` (a highlighter stroke stays translucent). */
export function keepAlpha(hex, was) {
  const alpha = /^#[0-9a-f]{8}$/i.test(was || "") ? was.slice(7) : "";
  return alpha && /^#[0-9a-f]{6}$/i.test(hex) ? hex + alpha : hex;
}

export function recolourSelectionChange(doc, sel, hex) {
  return remade(
    doc,
    sel,
    (l) => ({ ...l, color: keepAlpha(hex, l.color) }),
    (s) => ({ ...s, color: hex }),
  );
}

/** Strokes and shapes get the width, texts the font size. */
export function resizeSelectionChange(doc, sel, width) {
  return remade(
    doc,
    sel,
    (l) => ({ ...l, strokeWidth: width }),
    (s) =>
      s.type === "text" && s.fontSize ? { ...s, fontSize: width } : { ...s, strokeWidth: width },
  );
}
