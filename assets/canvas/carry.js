/*
 * Elements carried forward from the patient's last visit (the server's twin is
 * medrec_app/domain/carry_forward.py, which says why). A carried element's id names
 * where it came from and whether it is confirmed:
 *
 *   carried.<recordId>.<YYYYMMDD>.<suffix>   carried, not yet confirmed (drawn dashed)
 *   from.<recordId>.<YYYYMMDD>.<suffix>      confirmed
 *
 * Pure: what carrying and confirming change, as changes.js's {doOps, undoOps}.
 */
import { newElementId } from "./document.js";
import { lineBounds, selectedElements, shapeBounds } from "./selection.js";

const ID = /^(carried|from)\.([1-9][0-9]{0,17})\.([0-9]{8})\.([A-Za-z0-9_-]{4,64})$/;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** {recordId, visitDate: "YYYY-MM-DD", confirmed} of a carried element's id, or null. */
export function carriedMark(id) {
  const m = typeof id === "string" ? ID.exec(id) : null;
  if (!m) return null;
  const [, kind, recordId, day] = m;
  const visitDate = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
  const parsed = new Date(`${visitDate}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== visitDate) {
    return null;
  }
  return { recordId: Number(recordId), visitDate, confirmed: kind === "from" };
}

// Checked for every stroke on every change: the prefix first, the full rule only then.
export const isUnconfirmed = (element) =>
  typeof element?.id === "string" &&
  element.id.startsWith("carried.") &&
  carriedMark(element.id)?.confirmed === false;

/** "12 Nov" for "2026-11-12": how the marks name the visit. */
export function visitLabel(visitDate) {
  const [, month, day] = String(visitDate).split("-").map(Number);
  return month >= 1 && month <= 12 && day ? `${day} ${MONTHS[month - 1]}` : String(visitDate);
}

/** A fresh id for an element carried from `source` ({recordId, visitDate}). */
export function carriedId(source, kind) {
  const day = source.visitDate.replaceAll("-", "");
  return `carried.${source.recordId}.${day}.${newElementId(kind)}`;
}

const confirmedId = (id) => id.replace(/^carried\./, "from.");

/**
 * Copies of the last visit's selected elements, marked as carried from it; the copies
 * are {change, selection}. The last visit itself is never changed.
 */
export function carryChange(previousDoc, sel, source) {
  const { lines, shapes } = selectedElements(previousDoc, sel);
  const newLines = lines.map((l) => ({ ...l, id: carriedId(source, "line") }));
  const newShapes = shapes.map((s) => ({ ...s, id: carriedId(source, "shape") }));
  const selection = { lines: newLines.map((l) => l.id), shapes: newShapes.map((s) => s.id) };
  if (!newLines.length && !newShapes.length) return { change: null, selection };
  return {
    change: {
      doOps: [
        ...newLines.map((line) => ({ op: "addLine", line })),
        ...newShapes.map((shape) => ({ op: "putShape", shape })),
      ],
      undoOps: [{ op: "deleteElements", lineIds: selection.lines, shapeIds: selection.shapes }],
    },
    selection,
  };
}

/** The selection's unconfirmed carried elements confirmed (they keep their source). */
export function confirmChange(doc, sel) {
  const { lines, shapes } = selectedElements(doc, sel);
  const pendingLines = lines.filter(isUnconfirmed);
  const pendingShapes = shapes.filter(isUnconfirmed);
  if (!pendingLines.length && !pendingShapes.length) return null;
  const ids = (list) => list.map((e) => e.id);
  const renamed = (list) => list.map((e) => ({ ...e, id: confirmedId(e.id) }));
  const put = (list, kind) =>
    list.map((e) => (kind === "lines" ? { op: "addLine", line: e } : { op: "putShape", shape: e }));
  const newLines = renamed(pendingLines);
  const newShapes = renamed(pendingShapes);
  return {
    doOps: [
      { op: "deleteElements", lineIds: ids(pendingLines), shapeIds: ids(pendingShapes) },
      ...put(newLines, "lines"),
      ...put(newShapes, "shapes"),
    ],
    undoOps: [
      { op: "deleteElements", lineIds: ids(newLines), shapeIds: ids(newShapes) },
      ...put(pendingLines, "lines"),
      ...put(pendingShapes, "shapes"),
    ],
  };
}

/** How many of the selection's elements are carried and not yet confirmed. */
export function unconfirmedCount(doc, sel) {
  const { lines, shapes } = selectedElements(doc, sel);
  return lines.filter(isUnconfirmed).length + shapes.filter(isUnconfirmed).length;
}

/** The carried elements not yet confirmed, with their bounds: [{id, box, visitDate}]. */
export function unconfirmedMarks(doc) {
  const marks = [];
  for (const [list, bounds] of [
    [doc.lines, lineBounds],
    [doc.shapes, shapeBounds],
  ]) {
    for (const element of list) {
      if (!isUnconfirmed(element)) continue;
      const box = bounds(element);
      if (box) marks.push({ id: element.id, box, visitDate: carriedMark(element.id).visitDate });
    }
  }
  return marks;
}
