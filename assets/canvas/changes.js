/*
 * What each user action changes, as {doOps, undoOps}: the operations to emit and the
 * ones that take it back (for History). Pure; opIds and times are added on emit.
 */
import { backgroundOp } from "./document.js";

const change = (doOps, undoOps) => ({ doOps, undoOps });

export function addLineChange(line) {
  return change(
    [{ op: "addLine", line }],
    [{ op: "deleteElements", lineIds: [line.id], shapeIds: [] }],
  );
}

/** A shape made (`oldShape` null) or changed; null when nothing changed. */
export function putShapeChange(oldShape, newShape) {
  if (JSON.stringify(oldShape) === JSON.stringify(newShape)) return null;
  return change(
    [{ op: "putShape", shape: newShape }],
    oldShape
      ? [{ op: "putShape", shape: oldShape }]
      : [{ op: "deleteElements", lineIds: [], shapeIds: [newShape.id] }],
  );
}

export function deleteShapeChange(shape) {
  return change(
    [{ op: "deleteElements", lineIds: [], shapeIds: [shape.id] }],
    [{ op: "putShape", shape }],
  );
}

/**
 * Everything this tab shows removed, by id: strokes another tab adds meanwhile survive.
 * Lines without an id (older documents) cannot be named and stay. Null when empty.
 */
export function clearChange(doc) {
  const lines = doc.lines.filter((l) => l.id != null);
  if (!lines.length && !doc.shapes.length) return null;
  return change(
    [
      {
        op: "deleteElements",
        lineIds: lines.map((l) => l.id),
        shapeIds: doc.shapes.map((s) => s.id),
      },
    ],
    [
      ...lines.map((line) => ({ op: "addLine", line })),
      ...doc.shapes.map((shape) => ({ op: "putShape", shape })),
    ],
  );
}

/** The text editor closed: the text made, changed or (emptied) removed; null for none. */
export function textEditChange(edit, maxChars) {
  const text = edit.value.slice(0, maxChars);
  const empty = text.trim() === "";
  if (!edit.old) return empty ? null : putShapeChange(null, { ...edit.shape, text });
  if (empty) return deleteShapeChange(edit.old);
  return putShapeChange(edit.old, { ...edit.old, text });
}

/** Another page of the drawing's PDF background; null when there is no such page. */
export function pageChange(doc, page, numPages) {
  if (doc.backgroundType !== "pdf" || !doc.backgroundFileId) return null;
  if (page < 1 || page > numPages) return null;
  return change(
    [
      {
        op: "setBackground",
        backgroundType: "pdf",
        backgroundFileId: doc.backgroundFileId,
        pdfPageNumber: page,
        pdfNumPages: numPages,
      },
    ],
    [backgroundOp(doc)],
  );
}

/** A background chosen on the page (its op may carry an opId: a fresh one is made). */
export function backgroundChange(doc, requestedOp) {
  const { opId: _ignored, ...op } = requestedOp;
  return change([{ ...op, op: "setBackground" }], [backgroundOp(doc)]);
}
