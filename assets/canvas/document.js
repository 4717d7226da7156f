/*
 * The saved document and the operations that change it: the browser's copy of the
 * server's merge (medrec_app/domain/merge.py). Pure: no React, no storage, no clock.
 *
 *   {op: "addLine", opId, at, line: {id, tool, points, color, strokeWidth}}
 *   {op: "putShape", opId, at, shape: {id, type, x, y, ...}}
 *   {op: "deleteElements", opId, at, lineIds: [...], shapeIds: [...]}
 *   {op: "setStage", opId, at, width, height}
 *   {op: "setBackground", opId, at, backgroundType, backgroundFileId, pdfPageNumber, pdfNumPages}
 *
 * Lines and shapes are addressed by id: putting an id replaces the element in its place,
 * a new id appends. As on the server, an element without an id, or repeating an earlier
 * element's id, can be named by no operation and passes through untouched. A stroke is
 * kept as the server stores it (roundPoints, then simplifyPoints). Which of two tabs'
 * changes wins is the server's edit clock (domain/conflicts.py); this copy applies its
 * own changes, the newest it knows. tests/fixtures/edits/ pins both sides to one result.
 */
import { roundPoints, simplifyPoints } from "./geometry.js";

export const DEFAULT_STAGE = { width: 800, height: 600 };
const BACKGROUND_KEYS = ["backgroundType", "backgroundFileId", "pdfPageNumber", "pdfNumPages"];
const POINT_DECIMALS = 2;
const SIMPLIFY_TOLERANCE = 0.5;

/** A drawing with lines, shapes and stageSize always there (the spec's defaults). */
export function normaliseDocument(raw) {
  const drawing = raw && typeof raw === "object" ? raw : {};
  const stage = drawing.stageSize || {};
  return {
    ...drawing,
    lines: Array.isArray(drawing.lines) ? drawing.lines : [],
    shapes: Array.isArray(drawing.shapes) ? drawing.shapes : [],
    stageSize: {
      width: stage.width > 0 ? stage.width : DEFAULT_STAGE.width,
      height: stage.height > 0 ? stage.height : DEFAULT_STAGE.height,
    },
  };
}

/** The stroke as the server stores it: points to 0.01 px, simplified within 0.5 px. */
export function storedLine(line) {
  const points = simplifyPoints(roundPoints(line.points, POINT_DECIMALS), SIMPLIFY_TOLERANCE);
  return { ...line, points };
}

/** Where each usable id sits: the first element with it; later repeats are not named. */
function firstIndexById(elements) {
  const index = new Map();
  elements.forEach((element, i) => {
    const id = element && typeof element === "object" ? element.id : undefined;
    if (typeof id === "string" && !index.has(id)) index.set(id, i);
  });
  return index;
}

/** The index of the first element with `id` (a string), or -1. No index is built: a
 * drawing can have 10,000 strokes and a pen stroke is put on every commit. */
function firstIndexOf(elements, id) {
  if (typeof id !== "string") return -1;
  return elements.findIndex((e) => e !== null && typeof e === "object" && e.id === id);
}

/**
 * The point values of each list of lines or shapes counted so far. A list made here from
 * a counted one is counted from it, so a stroke put on 10,000 costs no walk of them when
 * its size is checked (sizeProblem), at every commit.
 */
const listPoints = new WeakMap();
const pointsOf = (element) => (Array.isArray(element?.points) ? element.points.length : 0);

function pointsIn(list) {
  let count = listPoints.get(list);
  if (count === undefined) {
    count = 0;
    for (const element of list) count += pointsOf(element);
    listPoints.set(list, count);
  }
  return count;
}

/** Count `next` from `previous`'s count, when it has one: `previous` less `removed` plus `added`. */
function countFrom(previous, next, removed, added) {
  const known = listPoints.get(previous);
  if (known === undefined) return;
  let count = known;
  for (const element of removed) count -= pointsOf(element);
  for (const element of added) count += pointsOf(element);
  listPoints.set(next, count);
}

function putElement(elements, element) {
  const i = firstIndexOf(elements, element.id);
  const next = elements.slice();
  if (i < 0) next.push(element);
  else next[i] = element;
  countFrom(elements, next, i < 0 ? [] : [elements[i]], [element]);
  return next;
}

function removeElements(elements, ids) {
  if (!ids?.length) return elements;
  const index = firstIndexById(elements);
  const gone = new Set(ids.map((id) => index.get(id)).filter((i) => i !== undefined));
  if (!gone.size) return elements;
  const next = elements.filter((_e, i) => !gone.has(i));
  countFrom(
    elements,
    next,
    [...gone].map((i) => elements[i]),
    [],
  );
  return next;
}

/** The setBackground operation that puts `doc`'s background back (for undo). */
export function backgroundOp(doc) {
  const op = { op: "setBackground" };
  for (const key of BACKGROUND_KEYS) op[key] = doc[key] == null ? null : doc[key];
  return op;
}

/** The document after a setBackground operation: the four keys replaced together. */
export function applyBackground(doc, op) {
  const next = { ...doc };
  for (const key of BACKGROUND_KEYS) {
    delete next[key];
    if (op[key] != null) next[key] = op[key];
  }
  return next;
}

/** The document after one operation; an unknown operation changes nothing. */
export function applyOp(doc, op) {
  switch (op.op) {
    case "addLine":
      return { ...doc, lines: putElement(doc.lines, storedLine(op.line)) };
    case "putShape":
      return { ...doc, shapes: putElement(doc.shapes, op.shape) };
    case "deleteElements":
      return {
        ...doc,
        lines: removeElements(doc.lines, op.lineIds),
        shapes: removeElements(doc.shapes, op.shapeIds),
      };
    case "setStage":
      return { ...doc, stageSize: { width: op.width, height: op.height } };
    case "setBackground":
      return applyBackground(doc, op);
    default:
      return doc;
  }
}

export function applyOps(doc, ops) {
  return ops.reduce(applyOp, doc);
}

/** Whether two JSON values are equal (key order aside). */
function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}

function keptList(previous, next) {
  let same = previous.length === next.length;
  const list = next.map((element, i) => {
    if (i < previous.length && sameJson(previous[i], element)) return previous[i];
    same = false;
    return element;
  });
  return same ? previous : list;
}

/**
 * `next`, with each line and shape equal to the one in its place in `previous` taken
 * from `previous` (and a whole list, when all of it is): what is drawn of them is not
 * drawn again when a record is fetched again.
 */
export function keepUnchanged(previous, next) {
  return {
    ...next,
    lines: keptList(previous.lines, next.lines),
    shapes: keptList(previous.shapes, next.shapes),
  };
}

/** `hexBytes` random bytes as hex. */
function randomHex(hexBytes) {
  const bytes = new Uint8Array(hexBytes);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** 32 hex characters: the server's opId rule ([A-Za-z0-9_-]{8,64}). */
export const newOpId = () => randomHex(16);

/** An element id within the server's rule ([A-Za-z0-9_.:-]{1,100}). */
export const newElementId = (prefix) => `${prefix}-${randomHex(16)}`;

export const round2 = (v) => Math.round(v * 100) / 100;

export const clone = (v) => JSON.parse(JSON.stringify(v));

/** Counted as the server counts a drawing against its limits (domain/drawing.py). */
function sizes(doc) {
  const points = pointsIn(doc.lines) + pointsIn(doc.shapes);
  return { lines: doc.lines.length, shapes: doc.shapes.length, points };
}

/**
 * Why a change from `before` to `after` would be refused for the drawing's size, as a
 * sentence for the clinician, or "": it takes the strokes, shapes or point values past
 * the server's limits (`limits`: maxLines, maxShapes, maxTotalPoints). A change that
 * makes nothing bigger is never refused here. tests/fixtures/sizes.json holds it to what
 * the server refuses.
 */
export function sizeProblem(before, after, limits) {
  const was = sizes(before);
  const now = sizes(after);
  const past = (key, limit) => limit > 0 && now[key] > limit && now[key] > was[key];
  const room = "delete some with the select tool to draw more.";
  if (past("lines", limits.maxLines)) {
    return `This drawing holds the most strokes a record can (${limits.maxLines.toLocaleString("en-GB")}): ${room}`;
  }
  if (past("shapes", limits.maxShapes)) {
    return `This drawing holds the most shapes a record can (${limits.maxShapes.toLocaleString("en-GB")}): ${room}`;
  }
  if (past("points", limits.maxTotalPoints)) {
    return `This drawing holds as much ink as a record can: ${room}`;
  }
  return "";
}
