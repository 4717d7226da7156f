/*
 * MedrecCanvas: the drawing canvas of a medical record (react-konva).
 *
 * This component renders and handles pointers only; it never decides what is saved.
 * Every change becomes an *operation* handed to the server through `onOps`:
 *
 *   {op: "addLine", opId, line: {id, tool, points, color, strokeWidth}}
 *   {op: "putShape", opId, shape: {id, type, x, y, ...}}
 *   {op: "deleteElements", opId, lineIds: [...], shapeIds: [...]}
 *   {op: "setStage", opId, width, height}          (never emitted by this version)
 *   {op: "setBackground", opId, backgroundType, backgroundFileId, pdfPageNumber, pdfNumPages}
 *       (PDF page turns, and background choices the page hands over in backgroundRequest)
 *
 * Every op also carries `at`, when the change was made (ms since the epoch).
 *
 * Each op is written to localStorage["medrec:pending:" + recordKey] *before* it is
 * emitted, and stays there until its opId shows up in `ackedOpIds`. Unacknowledged ops
 * are re-emitted (with back-off) and, after a reload, re-applied on top of the fetched
 * document and re-emitted, so work survives a lost socket, a backend restart or a crash.
 * The server must therefore treat ops idempotently (remember the opIds it committed).
 *
 * Coordinates are always the document's stage coordinates (stageSize, default 800x600);
 * the stage is only scaled for display.
 *
 * Props: recordKey, documentUrl, backgroundUrl (the template's image, shown when the
 * drawing names no file), fileBackgroundId + fileBackgroundType + fileBackgroundUrl (a
 * short-lived link the page holds for that file, "image" or "pdf"), backgroundRequest (JSON {nonce, op}: a setBackground op
 * chosen on the page, emitted once per nonce), readOnly, ackedOpIds, reloadRequest (a new
 * value reloads the stored drawing: the page had changes refused), maxBatchOps (the most
 * ops the server takes in one batch), onOps, onBackgroundNeeded(fileId) (asks the page
 * for a link), onPendingChange(count) (how many changes are not yet acknowledged: the page
 * will not sign while any are). See background.jsx.
 */
import React, {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import {
  Arrow,
  Circle,
  Group,
  Image as KonvaImage,
  Layer,
  Line,
  Rect,
  Stage,
  Text,
  Transformer,
} from "react-konva";
import { PdfPager, applyBackground, backgroundOp, useBackground } from "./background.jsx";

const DEFAULT_STAGE = { width: 800, height: 600 };
const PALETTE = [
  "#000000",
  "#e53935",
  "#1e88e5",
  "#43a047",
  "#fb8c00",
  "#8e24aa",
  "#fdd835",
  "#ffffff",
];
const STROKE_WIDTHS = [1, 2, 3, 5, 8, 12, 20, 30, 50];
const FONT_SIZES = [12, 16, 20, 24, 32, 48, 64, 96];
const TOOLS = [
  { name: "select", label: "Select", key: "v" },
  { name: "pen", label: "Pen", key: "p" },
  { name: "eraser", label: "Eraser", key: "e" },
  { name: "circle", label: "Circle", key: "c" },
  { name: "rect", label: "Rect", key: "r" },
  { name: "arrow", label: "Arrow", key: "a" },
  { name: "text", label: "Text", key: "t" },
];
const ALL_ANCHORS = [
  "top-left",
  "top-center",
  "top-right",
  "middle-right",
  "middle-left",
  "bottom-left",
  "bottom-center",
  "bottom-right",
];
const SHAPE_TOOLS = new Set(["circle", "rect", "arrow"]);
// Server limits (medrec_app/domain/drawing.py).
const MAX_POINTS_PER_LINE = 20000;
const MAX_TEXT_CHARS = 5000;
const MAX_STROKE_WIDTH = 1000;
// Re-send an unacknowledged op after 3 s, then 6, 12, 24, 30, 30 ... Reflex queues
// events while its socket is down, so a fixed 3 s period would pile up copies.
const RESEND_FIRST_MS = 3000;
const RESEND_MAX_MS = 30000;
const RESEND_TICK_MS = 1000;
// One websocket message is at most 1 MB: emit big batches in chunks.
const MAX_BATCH_CHARS = 400000;
const MIN_POINT_DISTANCE = 0.5;
// Finished strokes are drawn from one bitmap (the "base") plus, on top, up to this many
// recent strokes drawn as vectors; the bitmap is rebuilt only when the tail is full or
// an older stroke changes, so finishing a stroke stays cheap on a 5,000-stroke drawing.
const RECENT_MAX = 64;
const MIN_DRAG = 3;

/* ---------------------------------------------------------------- helpers */

function randomHex(bytes) {
  const c = typeof crypto !== "undefined" ? crypto : null;
  if (c && typeof c.randomUUID === "function" && bytes === 16) {
    return c.randomUUID().replace(/-/g, "");
  }
  const arr = new Uint8Array(bytes);
  if (c && typeof c.getRandomValues === "function") {
    c.getRandomValues(arr);
  } else {
    for (let i = 0; i < bytes; i++) arr[i] = Math.floor(Math.random() * 256);
  }
  return Array.from(arr, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** 32 hex characters: satisfies the opId rule (16-32 of [A-Za-z0-9_-]). */
const newOpId = () => randomHex(16);

/** An element id: satisfies [A-Za-z0-9_.:-]{1,100}. */
function newElementId(prefix) {
  const c = typeof crypto !== "undefined" ? crypto : null;
  const uuid =
    c && typeof c.randomUUID === "function" ? c.randomUUID() : randomHex(16);
  return `${prefix}-${uuid}`;
}

const round2 = (v) => Math.round(v * 100) / 100;

const clone = (v) => JSON.parse(JSON.stringify(v));

function isTypingTarget(el) {
  if (!el) return false;
  const tag = (el.tagName || "").toLowerCase();
  return (
    tag === "input" ||
    tag === "textarea" ||
    tag === "select" ||
    el.isContentEditable === true
  );
}

function normaliseDocument(raw) {
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

/** The document after one operation: the same rules the server applies. */
function applyOp(doc, op) {
  switch (op.op) {
    case "addLine": {
      const line = op.line;
      const i = line.id == null ? -1 : doc.lines.findIndex((l) => l.id === line.id);
      const lines = doc.lines.slice();
      if (i >= 0) lines[i] = line;
      else lines.push(line);
      return { ...doc, lines };
    }
    case "putShape": {
      const shape = op.shape;
      const i = doc.shapes.findIndex((s) => s.id === shape.id);
      const shapes = doc.shapes.slice();
      if (i >= 0) shapes[i] = shape;
      else shapes.push(shape);
      return { ...doc, shapes };
    }
    case "deleteElements": {
      const lineIds = new Set(op.lineIds || []);
      const shapeIds = new Set(op.shapeIds || []);
      return {
        ...doc,
        lines: lineIds.size ? doc.lines.filter((l) => !lineIds.has(l.id)) : doc.lines,
        shapes: shapeIds.size
          ? doc.shapes.filter((s) => !shapeIds.has(s.id))
          : doc.shapes,
      };
    }
    case "setStage":
      return { ...doc, stageSize: { width: op.width, height: op.height } };
    case "setBackground":
      return applyBackground(doc, op);
    default:
      return doc;
  }
}

/* ------------------------------------------------------- pending op queue */

const pendingKey = (recordKey) => "medrec:pending:" + (recordKey || "default");

/** Entries {op, sentAt, tries}, oldest first. Never throws. */
function readPending(recordKey) {
  try {
    const raw = window.localStorage.getItem(pendingKey(recordKey));
    const list = raw ? JSON.parse(raw) : [];
    return Array.isArray(list)
      ? list.filter((e) => e && e.op && typeof e.op.opId === "string")
      : [];
  } catch (_err) {
    return [];
  }
}

function writePending(recordKey, list) {
  try {
    if (list.length) {
      window.localStorage.setItem(pendingKey(recordKey), JSON.stringify(list));
    } else {
      window.localStorage.removeItem(pendingKey(recordKey));
    }
    return true;
  } catch (_err) {
    return false; // quota exceeded or storage disabled: the in-memory copy remains
  }
}

/* ----------------------------------------------------------- shape pieces */

// Unfilled circles and rects still take clicks inside them (select tool).
const CLEAR_FILL = "rgba(0,0,0,0)";
const arrowHead = (w) => Math.max(8, w * 3);

function ShapeNode({ shape, draggable, hidden, onSelect, onDragEnd, onTransformEnd, onEditText }) {
  const common = {
    id: shape.id,
    name: "medrec-shape",
    x: shape.x,
    y: shape.y,
    rotation: shape.rotation || 0,
    draggable,
    visible: !hidden,
    onPointerDown: onSelect,
    onDragStart: onSelect,
    onDragEnd,
    onTransformEnd,
    hitStrokeWidth: Math.max(12, shape.strokeWidth || 0),
  };
  switch (shape.type) {
    case "circle":
      return (
        <Circle
          {...common}
          radius={shape.radius}
          stroke={shape.color}
          strokeWidth={shape.strokeWidth}
          fill={shape.fill || CLEAR_FILL}
        />
      );
    case "rect":
      return (
        <Rect
          {...common}
          width={shape.width}
          height={shape.height}
          stroke={shape.color}
          strokeWidth={shape.strokeWidth}
          fill={shape.fill || CLEAR_FILL}
        />
      );
    case "arrow":
      return (
        <Arrow
          {...common}
          points={[0, 0, ...(shape.points || [])]}
          stroke={shape.color}
          fill={shape.color}
          strokeWidth={shape.strokeWidth}
          pointerLength={arrowHead(shape.strokeWidth)}
          pointerWidth={arrowHead(shape.strokeWidth)}
          lineCap="round"
          lineJoin="round"
        />
      );
    case "text":
      return (
        <Text
          {...common}
          text={shape.text}
          fontSize={shape.fontSize || shape.strokeWidth}
          fill={shape.color}
          onDblClick={onEditText}
          onDblTap={onEditText}
        />
      );
    default:
      return null;
  }
}

/** `value` in `tint`'s colour, keeping its own opacity (an amendment's layer). */
function tinted(value, tint) {
  if (!tint || !value || value === "transparent") return value;
  const m = /^#(?:[0-9a-f]{3}([0-9a-f])|[0-9a-f]{6}([0-9a-f]{2}))$/i.exec(value);
  const alpha = m ? (m[1] ? m[1] + m[1] : m[2]) : "";
  return tint + (alpha || "");
}

/**
 * A drawing shown but never changed here: the signed record under an amendment, or a
 * signed amendment's layer (in its tint). Its eraser strokes cut only its own strokes.
 */
function ReadOnlyLayer({ drawing, tint }) {
  const doc = normaliseDocument(drawing);
  const lines = tint ? doc.lines.map((l) => ({ ...l, color: tinted(l.color, tint) })) : doc.lines;
  const shapes = tint
    ? doc.shapes.map((s) => ({ ...s, color: tinted(s.color, tint), fill: tinted(s.fill, tint) }))
    : doc.shapes;
  return (
    <>
      <Layer listening={false}>
        <CommittedLines lines={lines} />
      </Layer>
      <Layer listening={false}>
        {shapes.map((shape) => (
          <ShapeNode key={shape.id} shape={shape} draggable={false} hidden={false} />
        ))}
      </Layer>
    </>
  );
}

/** Finished strokes. Memoised: re-renders only when the lines array changes. */
const CommittedLines = memo(function CommittedLines({ lines }) {
  return lines.map((line, i) => (
    <Line
      key={line.id || "i" + i}
      points={line.points}
      stroke={line.color}
      strokeWidth={line.strokeWidth}
      lineCap="round"
      lineJoin="round"
      listening={false}
      perfectDrawEnabled={false}
      globalCompositeOperation={line.tool === "eraser" ? "destination-out" : "source-over"}
    />
  ));
});

const ShapesList = memo(function ShapesList({
  shapes,
  draggable,
  editingId,
  onSelect,
  onDragEnd,
  onTransformEnd,
  onEditText,
}) {
  return shapes.map((shape) => (
    <ShapeNode
      key={shape.id}
      shape={shape}
      draggable={draggable}
      hidden={shape.id === editingId}
      onSelect={onSelect}
      onDragEnd={onDragEnd}
      onTransformEnd={onTransformEnd}
      onEditText={onEditText}
    />
  ));
});

/* Background requests already emitted, per record: a reload must not emit one again. */
const requestKey = (recordKey) => "medrec:background-request:" + (recordKey || "default");

function requestDone(recordKey, nonce) {
  try {
    return window.localStorage.getItem(requestKey(recordKey)) === nonce;
  } catch (_err) {
    return false;
  }
}

function markRequestDone(recordKey, nonce) {
  try {
    window.localStorage.setItem(requestKey(recordKey), nonce);
  } catch (_err) {
    /* storage full or disabled: the in-memory guard still holds for this page */
  }
}

/* ---------------------------------------------------------------- styles */

const S = {
  root: { display: "flex", flexDirection: "column", gap: "6px", width: "100%" },
  toolbar: {
    display: "flex",
    flexWrap: "wrap",
    alignItems: "center",
    gap: "4px",
    font: "13px system-ui, sans-serif",
  },
  button: (pressed, disabled) => ({
    padding: "4px 8px",
    border: "1px solid " + (pressed ? "#0d9488" : "#c4c4c4"),
    borderRadius: "4px",
    background: pressed ? "#ccfbf1" : "#fff",
    color: disabled ? "#9e9e9e" : "#111",
    cursor: disabled ? "default" : "pointer",
    font: "inherit",
  }),
  swatch: (colour, selected) => ({
    width: "22px",
    height: "22px",
    padding: 0,
    borderRadius: "50%",
    border: selected ? "2px solid #0d9488" : "1px solid #9e9e9e",
    boxShadow: selected ? "0 0 0 2px #fff inset" : "none",
    background: colour,
    cursor: "pointer",
  }),
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

/* ------------------------------------------------------------- component */

export function MedrecCanvas({
  recordKey = "",
  documentUrl = "",
  backgroundUrl = "",
  fileBackgroundId = 0,
  fileBackgroundType = "",
  fileBackgroundUrl = "",
  backgroundRequest = "",
  readOnly = false,
  ackedOpIds = [],
  reloadRequest = "",
  maxBatchOps = 0,
  layersUrl = "",
  lockedColor = "",
  backgroundLocked = false,
  onOps,
  onBackgroundNeeded,
  onPendingChange,
}) {
  const [doc, setDoc] = useState(() => normaliseDocument(null));
  const [loadState, setLoadState] = useState("loading"); // loading | ready | error
  const [loadError, setLoadError] = useState("");
  const [reloadToken, setReloadToken] = useState(0);
  const [tool, setTool] = useState("pen");
  const [color, setColor] = useState("#000000");
  const [strokeWidth, setStrokeWidth] = useState(3);
  const [fontSize, setFontSize] = useState(24);
  const [penOnly, setPenOnly] = useState(false);
  const [selectedId, setSelectedId] = useState(null);
  const [draft, setDraft] = useState(null); // shape being dragged out
  const [textEdit, setTextEdit] = useState(null); // {id, x, y, value, old}
  const [confirmClear, setConfirmClear] = useState(false);
  const [pendingCount, setPendingCount] = useState(0);
  const [historySizes, setHistorySizes] = useState({ undo: 0, redo: 0 });
  const [containerWidth, setContainerWidth] = useState(0);

  const docRef = useRef(doc);
  docRef.current = doc;
  const revisionRef = useRef(null);
  const pendingRef = useRef([]); // in-memory mirror of the localStorage queue
  const undoRef = useRef([]);
  const redoRef = useRef([]);
  const containerRef = useRef(null);
  const stageRef = useRef(null);
  const strokesGroupRef = useRef(null);
  const liveLineRef = useRef(null);
  const baseLinesRef = useRef([]);
  const transformerRef = useRef(null);
  const liveRef = useRef(null); // {pointerId, tool, points, color, strokeWidth}
  const dragRef = useRef(null); // {pointerId, tool, x0, y0}
  const textareaRef = useRef(null);
  const colorInputRef = useRef(null);
  const autoPenOnlyRef = useRef(true); // the first stylus event turns pen-only mode on

  // Latest props for handlers that outlive a render.
  const propsRef = useRef({});
  propsRef.current = { recordKey, onOps, readOnly, maxBatchOps, onPendingChange };

  const stageSize = doc.stageSize;
  const scale = containerWidth > 0 ? containerWidth / stageSize.width : 0;
  const interactive = !readOnly && loadState === "ready";

  /* ------------------------------------------------ pending queue + emit */

  // The handler's identity changes with every render: only a new count is reported.
  useEffect(() => {
    const handler = propsRef.current.onPendingChange;
    if (typeof handler === "function") handler(pendingCount);
  }, [pendingCount]);

  const refreshPendingCount = useCallback(() => {
    setPendingCount(pendingRef.current.length);
  }, []);

  const sendOps = useCallback((ops) => {
    const { onOps: handler, maxBatchOps: maxOps } = propsRef.current;
    if (typeof handler !== "function" || !ops.length) return;
    let batch = [];
    let size = 0;
    for (const op of ops) {
      const n = JSON.stringify(op).length;
      const full = size + n > MAX_BATCH_CHARS || (maxOps > 0 && batch.length >= maxOps);
      if (batch.length && full) {
        handler(batch);
        batch = [];
        size = 0;
      }
      batch.push(op);
      size += n;
    }
    if (batch.length) handler(batch);
  }, []);

  /** Merge our queue with what other tabs wrote, then store it. */
  const persistPending = useCallback((added, removedIds) => {
    const key = propsRef.current.recordKey;
    const stored = readPending(key);
    const byId = new Map();
    for (const e of stored) byId.set(e.op.opId, e);
    for (const e of pendingRef.current) byId.set(e.op.opId, e);
    for (const e of added) byId.set(e.op.opId, e);
    if (removedIds) for (const id of removedIds) byId.delete(id);
    const merged = Array.from(byId.values()).sort((a, b) => (a.seq || 0) - (b.seq || 0));
    pendingRef.current = merged;
    writePending(key, merged);
  }, []);

  /** Queue (persist first), apply locally, emit. `templates` lack opIds. */
  const emit = useCallback(
    (templates) => {
      if (propsRef.current.readOnly || !templates.length) return;
      const now = Date.now();
      // `at` lets the server keep the newer of two changes to one element.
      const ops = templates.map((t) => ({ ...t, opId: newOpId(), at: now }));
      const entries = ops.map((op, i) => ({ op, sentAt: now, tries: 0, seq: now + i / 1000 }));
      persistPending(entries, null);
      let next = docRef.current;
      for (const op of ops) next = applyOp(next, op);
      docRef.current = next;
      setDoc(next);
      refreshPendingCount();
      sendOps(ops);
    },
    [persistPending, refreshPendingCount, sendOps],
  );

  /** Record a change for undo and emit it. */
  const commit = useCallback(
    (doOps, undoOps) => {
      if (!doOps.length) return;
      undoRef.current.push({ doOps: clone(doOps), undoOps: clone(undoOps) });
      if (undoRef.current.length > 500) undoRef.current.shift();
      redoRef.current = [];
      setHistorySizes({ undo: undoRef.current.length, redo: 0 });
      emit(doOps);
    },
    [emit],
  );

  const undo = useCallback(() => {
    const entry = undoRef.current.pop();
    if (!entry) return;
    redoRef.current.push(entry);
    setHistorySizes({ undo: undoRef.current.length, redo: redoRef.current.length });
    setSelectedId(null);
    emit(clone(entry.undoOps));
  }, [emit]);

  const redo = useCallback(() => {
    const entry = redoRef.current.pop();
    if (!entry) return;
    undoRef.current.push(entry);
    setHistorySizes({ undo: undoRef.current.length, redo: redoRef.current.length });
    setSelectedId(null);
    emit(clone(entry.doOps));
  }, [emit]);

  // Acknowledged ops leave the queue.
  useEffect(() => {
    if (!Array.isArray(ackedOpIds) || !ackedOpIds.length) return;
    const acked = new Set(ackedOpIds);
    const stored = readPending(recordKey);
    const hit =
      pendingRef.current.some((e) => acked.has(e.op.opId)) ||
      stored.some((e) => acked.has(e.op.opId));
    if (!hit) return;
    persistPending([], acked);
    refreshPendingCount();
  }, [ackedOpIds, recordKey, persistPending, refreshPendingCount]);

  // Re-send ops that stay unacknowledged, with back-off, oldest first.
  useEffect(() => {
    if (readOnly || loadState !== "ready") return undefined;
    const timer = window.setInterval(() => {
      const now = Date.now();
      const due = [];
      for (const e of pendingRef.current) {
        const wait = Math.min(RESEND_FIRST_MS * 2 ** (e.tries || 0), RESEND_MAX_MS);
        if (now - e.sentAt >= wait) {
          e.sentAt = now;
          e.tries = (e.tries || 0) + 1;
          due.push(e.op);
        }
      }
      if (due.length) {
        persistPending([], null);
        sendOps(due);
      }
    }, RESEND_TICK_MS);
    return () => window.clearInterval(timer);
  }, [readOnly, loadState, sendOps, persistPending]);

  /* -------------------------------------------------------- loading */

  useEffect(() => {
    let cancelled = false;
    // Another record (or a retry): never show the previous drawing or merge its queue.
    pendingRef.current = [];
    setPendingCount(0);
    docRef.current = normaliseDocument(null);
    setDoc(docRef.current);
    setLoadState("loading");
    setLoadError("");
    setSelectedId(null);
    setTextEdit(null);
    undoRef.current = [];
    redoRef.current = [];
    setHistorySizes({ undo: 0, redo: 0 });

    const finish = (drawing, revision) => {
      if (cancelled) return;
      revisionRef.current = revision;
      let next = normaliseDocument(drawing);
      const pending = propsRef.current.readOnly ? [] : readPending(recordKey);
      pendingRef.current = pending;
      for (const e of pending) next = applyOp(next, e.op);
      docRef.current = next;
      setDoc(next);
      setLoadState("ready");
      setPendingCount(pending.length);
      if (pending.length) {
        const now = Date.now();
        for (const e of pending) {
          e.sentAt = now;
          e.tries = 0;
        }
        writePending(recordKey, pending);
        sendOps(pending.map((e) => e.op));
      }
    };

    if (!documentUrl) {
      finish(null, null);
      return () => {
        cancelled = true;
      };
    }
    fetch(documentUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return res.json();
      })
      .then((body) => finish(body && body.drawing, body ? body.revision : null))
      .catch((err) => {
        if (cancelled) return;
        setLoadState("error");
        setLoadError(String((err && err.message) || err));
      });
    return () => {
      cancelled = true;
    };
  }, [documentUrl, recordKey, reloadToken, sendOps]);

  // Changes this canvas showed were refused by the server: show what is stored (and what
  // is still pending on top of it) instead.
  useEffect(() => {
    if (reloadRequest) setReloadToken((n) => n + 1);
  }, [reloadRequest]);

  /* --------------------------------------------------- read-only layers */

  const [layers, setLayers] = useState({ below: [], above: [] });
  useEffect(() => {
    setLayers({ below: [], above: [] });
    if (!layersUrl) return undefined;
    let cancelled = false;
    fetch(layersUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return res.json();
      })
      .then((body) => {
        if (cancelled || !body) return;
        const list = (v) => (Array.isArray(v) ? v.filter((l) => l && l.drawing) : []);
        setLayers({ below: list(body.below), above: list(body.above) });
      })
      .catch((err) => {
        if (cancelled) return;
        setLoadState("error");
        setLoadError(String((err && err.message) || err));
      });
    return () => {
      cancelled = true;
    };
  }, [layersUrl, reloadToken]);

  // An amendment draws in its own colour only.
  useEffect(() => {
    if (lockedColor) setColor(lockedColor);
  }, [lockedColor]);

  /* ------------------------------------------------------ test hooks */

  useEffect(() => {
    // A second, read-only canvas (the record's History panel) leaves the editor's alone.
    if (readOnly && window.__medrecCanvas) return undefined;
    const api = {
      getDocument: () => ({ ...clone(docRef.current), revision: revisionRef.current }),
      pendingCount: () => pendingRef.current.length,
      pendingOps: () => clone(pendingRef.current.map((e) => e.op)),
    };
    window.__medrecCanvas = api;
    return () => {
      if (window.__medrecCanvas === api) delete window.__medrecCanvas;
    };
  }, []);

  /* --------------------------------------------------------- sizing */

  useLayoutEffect(() => {
    const el = containerRef.current;
    if (!el) return undefined;
    const measure = () => setContainerWidth(el.clientWidth);
    measure();
    if (typeof ResizeObserver === "undefined") {
      window.addEventListener("resize", measure);
      return () => window.removeEventListener("resize", measure);
    }
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Split finished strokes into the cached base and the recent tail. The base keeps its
  // identity while the lines before the tail are unchanged (compared by reference).
  const { baseLines, recentLines } = useMemo(() => {
    const lines = doc.lines;
    let base = baseLinesRef.current;
    let keep = base.length <= lines.length && lines.length - base.length <= RECENT_MAX;
    for (let i = 0; keep && i < base.length; i++) keep = lines[i] === base[i];
    if (!keep) base = lines.slice();
    baseLinesRef.current = base;
    return { baseLines: base, recentLines: lines.slice(base.length) };
  }, [doc.lines]);

  // The base is drawn from a bitmap cache; rebuild it when it changes.
  useLayoutEffect(() => {
    const group = strokesGroupRef.current;
    if (!group || !scale) return;
    group.clearCache();
    if (baseLines.length) {
      try {
        group.cache({
          x: 0,
          y: 0,
          width: stageSize.width,
          height: stageSize.height,
          pixelRatio: scale * (window.devicePixelRatio || 1),
        });
      } catch (_err) {
        group.clearCache(); // drawn uncached: slower, still correct
      }
    }
    const layer = group.getLayer();
    if (layer) layer.batchDraw();
  }, [baseLines, scale, stageSize.width, stageSize.height]);

  /* ------------------------------------------------------ selection */

  const selectedShape = useMemo(
    () => (selectedId ? doc.shapes.find((s) => s.id === selectedId) || null : null),
    [doc.shapes, selectedId],
  );

  useEffect(() => {
    if (selectedId && !selectedShape) setSelectedId(null);
  }, [selectedId, selectedShape]);

  useEffect(() => {
    if (tool !== "select") setSelectedId(null);
  }, [tool]);

  useEffect(() => {
    const tr = transformerRef.current;
    const stage = stageRef.current;
    if (!tr || !stage) return;
    const node =
      selectedId && tool === "select" && interactive && (!textEdit || textEdit.id !== selectedId)
        ? stage.findOne((n) => n.id() === selectedId && n.name() === "medrec-shape")
        : null;
    tr.nodes(node ? [node] : []);
    tr.getLayer()?.batchDraw();
  }, [selectedId, selectedShape, tool, interactive, textEdit]);

  /* ------------------------------------------------- shape edits */

  const findShape = (id) => docRef.current.shapes.find((s) => s.id === id) || null;

  const putShapeChange = useCallback(
    (oldShape, newShape) => {
      if (JSON.stringify(oldShape) === JSON.stringify(newShape)) return;
      commit(
        [{ op: "putShape", shape: newShape }],
        oldShape
          ? [{ op: "putShape", shape: oldShape }]
          : [{ op: "deleteElements", lineIds: [], shapeIds: [newShape.id] }],
      );
    },
    [commit],
  );

  const toolRef = useRef(tool);
  toolRef.current = tool;
  const onShapeSelect = useCallback((e) => {
    if (!propsRef.current.readOnly && toolRef.current === "select") {
      setSelectedId(e.target.id());
    }
  }, []);

  const onShapeDragEnd = useCallback(
    (e) => {
      const node = e.target;
      const old = findShape(node.id());
      if (!old) return;
      putShapeChange(old, { ...old, x: round2(node.x()), y: round2(node.y()) });
    },
    [putShapeChange],
  );

  const onShapeTransformEnd = useCallback(
    (e) => {
      const node = e.target;
      const old = findShape(node.id());
      if (!old) return;
      const sx = Math.abs(node.scaleX());
      const sy = Math.abs(node.scaleY());
      node.scaleX(1);
      node.scaleY(1);
      const next = { ...old, x: round2(node.x()), y: round2(node.y()) };
      const rotation = round2(node.rotation());
      if (rotation) next.rotation = rotation;
      else delete next.rotation;
      const positive = (v) => Math.max(1, round2(v));
      if (old.type === "circle") {
        next.radius = positive(old.radius * Math.max(sx, sy));
      } else if (old.type === "rect") {
        next.width = positive(old.width * sx);
        next.height = positive(old.height * sy);
      } else if (old.type === "arrow") {
        next.points = (old.points || []).map((v, i) => round2(v * (i % 2 ? sy : sx)));
      } else if (old.type === "text") {
        const s = Math.max(sx, sy);
        if (old.fontSize) next.fontSize = Math.min(MAX_STROKE_WIDTH, positive(old.fontSize * s));
        else next.strokeWidth = Math.min(MAX_STROKE_WIDTH, positive(old.strokeWidth * s));
      }
      putShapeChange(old, next);
    },
    [putShapeChange],
  );

  const startTextEdit = useCallback((shape, isNew) => {
    setTextEdit({
      id: shape.id,
      x: shape.x,
      y: shape.y,
      value: shape.text || "",
      old: isNew ? null : shape,
      shape,
    });
  }, []);

  const onEditText = useCallback(
    (e) => {
      if (propsRef.current.readOnly || toolRef.current !== "select") return;
      const shape = findShape(e.target.id());
      if (shape && shape.type === "text") startTextEdit(shape, false);
    },
    [startTextEdit],
  );

  const textEditRef = useRef(null);
  textEditRef.current = textEdit;
  const finishTextEdit = useCallback(
    (cancel) => {
      const edit = textEditRef.current;
      if (!edit) return; // Enter then blur: finish once
      textEditRef.current = null;
      setTextEdit(null);
      if (cancel) return;
      const text = edit.value.slice(0, MAX_TEXT_CHARS);
      if (edit.old) {
        if (text.trim() === "") {
          commit(
            [{ op: "deleteElements", lineIds: [], shapeIds: [edit.id] }],
            [{ op: "putShape", shape: edit.old }],
          );
        } else {
          putShapeChange(edit.old, { ...edit.old, text });
        }
      } else if (text.trim() !== "") {
        putShapeChange(null, { ...edit.shape, text });
      }
    },
    [commit, putShapeChange],
  );

  useEffect(() => {
    if (!textEdit) return undefined;
    const timer = window.setTimeout(() => {
      const ta = textareaRef.current;
      if (!ta) return;
      ta.focus();
      ta.setSelectionRange(ta.value.length, ta.value.length);
    }, 0);
    return () => window.clearTimeout(timer);
  }, [textEdit && textEdit.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const deleteSelection = useCallback(() => {
    const shape = selectedId ? findShape(selectedId) : null;
    if (!shape) return;
    setSelectedId(null);
    commit(
      [{ op: "deleteElements", lineIds: [], shapeIds: [shape.id] }],
      [{ op: "putShape", shape }],
    );
  }, [selectedId, commit]);

  const clearAll = useCallback(() => {
    setConfirmClear(false);
    const { lines, shapes } = docRef.current;
    const lineIds = lines.map((l) => l.id).filter((id) => id != null);
    const shapeIds = shapes.map((s) => s.id);
    if (!lineIds.length && !shapeIds.length) return;
    setSelectedId(null);
    commit(
      [{ op: "deleteElements", lineIds, shapeIds }],
      [
        ...lines
          .filter((l) => l.id != null)
          .map((line) => ({ op: "addLine", line })),
        ...shapes.map((shape) => ({ op: "putShape", shape })),
      ],
    );
  }, [commit]);

  /* --------------------------------------------- colour / width */

  const pickColour = useCallback(
    (hex) => {
      setColor(hex);
      const shape = selectedId ? findShape(selectedId) : null;
      if (shape && shape.color !== hex) putShapeChange(shape, { ...shape, color: hex });
    },
    [selectedId, putShapeChange],
  );

  // The native colour picker fires `input` continuously; recolour a selection only on
  // its final `change`.
  const pickColourRef = useRef(pickColour);
  pickColourRef.current = pickColour;
  useEffect(() => {
    const el = colorInputRef.current;
    if (!el) return undefined;
    const onChange = () => pickColourRef.current(el.value);
    el.addEventListener("change", onChange);
    return () => el.removeEventListener("change", onChange);
  }, [lockedColor]); // the input is not there while an amendment locks the colour

  const isTextTool = tool === "text" || (selectedShape && selectedShape.type === "text");
  const widthValue = isTextTool
    ? selectedShape && selectedShape.type === "text"
      ? selectedShape.fontSize || selectedShape.strokeWidth
      : fontSize
    : selectedShape
      ? selectedShape.strokeWidth
      : strokeWidth;
  const widthOptions = isTextTool ? FONT_SIZES : STROKE_WIDTHS;

  const pickWidth = useCallback(
    (value) => {
      const n = Number(value);
      if (!(n > 0)) return;
      const shape = selectedId ? findShape(selectedId) : null;
      if (shape) {
        if (shape.type === "text") {
          setFontSize(n);
          const next = shape.fontSize ? { ...shape, fontSize: n } : { ...shape, strokeWidth: n };
          putShapeChange(shape, next);
        } else {
          setStrokeWidth(n);
          putShapeChange(shape, { ...shape, strokeWidth: n });
        }
      } else if (toolRef.current === "text") {
        setFontSize(n);
      } else {
        setStrokeWidth(n);
      }
    },
    [selectedId, putShapeChange],
  );

  /* ------------------------------------------------------ pointers */

  const stagePoint = useCallback(
    (evt) => {
      const el = containerRef.current;
      if (!el || !scale) return null;
      const rect = el.getBoundingClientRect();
      const borderLeft = el.clientLeft || 0;
      const borderTop = el.clientTop || 0;
      return {
        x: round2((evt.clientX - rect.left - borderLeft) / scale),
        y: round2((evt.clientY - rect.top - borderTop) / scale),
      };
    },
    [scale],
  );

  const acceptPointer = (evt) => {
    if (!interactive || textEdit) return false;
    if (evt.pointerType === "pen" && !penOnly && autoPenOnlyRef.current) {
      autoPenOnlyRef.current = false; // once; after that only the toggle decides
      setPenOnly(true);
    }
    if (penOnly && evt.pointerType === "touch") return false;
    if (evt.pointerType === "mouse" && evt.button !== 0) return false;
    return true;
  };

  const redrawLive = () => {
    const node = liveLineRef.current;
    if (!node) return;
    const live = liveRef.current;
    node.points(live ? live.points : []);
    node.visible(!!live);
    if (live) {
      node.stroke(live.color);
      node.strokeWidth(live.strokeWidth);
      node.globalCompositeOperation(
        live.tool === "eraser" ? "destination-out" : "source-over",
      );
    }
    node.getLayer()?.batchDraw();
  };

  const finishStroke = () => {
    const live = liveRef.current;
    liveRef.current = null;
    redrawLive();
    if (!live || live.points.length < 2) return;
    const points = live.points.length === 2 ? [...live.points, ...live.points] : live.points;
    const line = {
      id: newElementId("line"),
      tool: live.tool,
      points,
      color: live.color,
      strokeWidth: live.strokeWidth,
    };
    commit(
      [{ op: "addLine", line }],
      [{ op: "deleteElements", lineIds: [line.id], shapeIds: [] }],
    );
  };

  const addLivePoint = (p) => {
    const live = liveRef.current;
    const pts = live.points;
    const n = pts.length;
    if (n >= 2) {
      const dx = p.x - pts[n - 2];
      const dy = p.y - pts[n - 1];
      if (dx * dx + dy * dy < MIN_POINT_DISTANCE * MIN_POINT_DISTANCE) return;
    }
    if (n + 2 > MAX_POINTS_PER_LINE) {
      // The server's per-stroke limit: finish this stroke and continue in a new one.
      const last = [pts[n - 2], pts[n - 1]];
      const { pointerId, tool: t, color: c, strokeWidth: w } = live;
      finishStroke();
      liveRef.current = { pointerId, tool: t, color: c, strokeWidth: w, points: last };
    }
    liveRef.current.points.push(p.x, p.y);
  };

  const shapeFromDrag = (d, p, finished) => {
    const dx = p.x - d.x0;
    const dy = p.y - d.y0;
    const far = Math.hypot(dx, dy) >= MIN_DRAG;
    if (!far && !finished) return null;
    const base = { id: d.id, color: d.color, strokeWidth: d.strokeWidth };
    if (d.tool === "circle") {
      const radius = far ? round2(Math.hypot(dx, dy)) : 20;
      return { ...base, type: "circle", x: d.x0, y: d.y0, radius };
    }
    if (d.tool === "rect") {
      if (!far) return { ...base, type: "rect", x: d.x0, y: d.y0, width: 60, height: 40 };
      return {
        ...base,
        type: "rect",
        x: round2(Math.min(d.x0, p.x)),
        y: round2(Math.min(d.y0, p.y)),
        width: Math.max(1, round2(Math.abs(dx))),
        height: Math.max(1, round2(Math.abs(dy))),
      };
    }
    const points = far ? [round2(dx), round2(dy)] : [60, 0];
    return { ...base, type: "arrow", x: d.x0, y: d.y0, points };
  };

  const onPointerDown = (e) => {
    const evt = e.evt;
    if (!acceptPointer(evt)) return;
    if (liveRef.current || dragRef.current) return; // one pointer at a time
    const p = stagePoint(evt);
    if (!p) return;

    if (tool === "select") {
      const target = e.target;
      if (!target || target.name() !== "medrec-shape") {
        const parent = target && target.getParent && target.getParent();
        const onTransformer = parent && parent.className === "Transformer";
        if (!onTransformer) setSelectedId(null);
      }
      return;
    }
    try {
      evt.target.setPointerCapture(evt.pointerId);
    } catch (_err) {
      /* not capturable: moves outside the stage end the stroke */
    }
    if (tool === "pen" || tool === "eraser") {
      liveRef.current = {
        pointerId: evt.pointerId,
        tool,
        color: tool === "eraser" ? "#ffffff" : color,
        strokeWidth,
        points: [p.x, p.y],
      };
      redrawLive();
    } else if (SHAPE_TOOLS.has(tool)) {
      dragRef.current = {
        pointerId: evt.pointerId,
        tool,
        id: newElementId("shape"),
        x0: p.x,
        y0: p.y,
        color,
        strokeWidth,
      };
    } else if (tool === "text") {
      dragRef.current = { pointerId: evt.pointerId, tool, x0: p.x, y0: p.y };
    }
  };

  const onPointerMove = (e) => {
    const evt = e.evt;
    const live = liveRef.current;
    if (live && evt.pointerId === live.pointerId) {
      const events =
        typeof evt.getCoalescedEvents === "function" ? evt.getCoalescedEvents() : [];
      for (const ce of events.length ? events : [evt]) {
        const p = stagePoint(ce);
        if (p) addLivePoint(p);
      }
      redrawLive();
      return;
    }
    const d = dragRef.current;
    if (d && evt.pointerId === d.pointerId && d.tool !== "text") {
      const p = stagePoint(evt);
      if (p) setDraft(shapeFromDrag(d, p, false));
    }
  };

  const onPointerUp = (e) => {
    const evt = e.evt;
    const live = liveRef.current;
    if (live && evt.pointerId === live.pointerId) {
      const p = stagePoint(evt);
      if (p) addLivePoint(p);
      finishStroke();
      return;
    }
    const d = dragRef.current;
    if (d && evt.pointerId === d.pointerId) {
      dragRef.current = null;
      setDraft(null);
      if (d.tool === "text") {
        // Placed on pointer up, so the click's own focus change cannot blur the editor.
        startTextEdit(
          {
            id: newElementId("shape"),
            type: "text",
            x: d.x0,
            y: d.y0,
            text: "",
            color,
            strokeWidth: fontSize,
          },
          true,
        );
        return;
      }
      const p = stagePoint(evt) || { x: d.x0, y: d.y0 };
      const shape = shapeFromDrag(d, p, true);
      if (shape) putShapeChange(null, shape);
    }
  };

  const onPointerCancel = (e) => {
    const evt = e.evt;
    const live = liveRef.current;
    if (live && evt.pointerId === live.pointerId) {
      finishStroke(); // keep what was drawn
    }
    const d = dragRef.current;
    if (d && evt.pointerId === d.pointerId) {
      dragRef.current = null;
      setDraft(null);
    }
  };

  // Leaving read-only mode mid-gesture, or losing the document, drops the gesture.
  useEffect(() => {
    if (!interactive) {
      liveRef.current = null;
      dragRef.current = null;
      setDraft(null);
      setTextEdit(null);
      setConfirmClear(false);
      redrawLive();
    }
  }, [interactive]);

  /* ---------------------------------------------------- background */

  const dpr = typeof window !== "undefined" ? window.devicePixelRatio || 1 : 1;
  const background = useBackground({
    doc,
    fileId: fileBackgroundId,
    fileType: fileBackgroundType,
    fileUrl: fileBackgroundUrl,
    templateUrl: backgroundUrl,
    // PDF pages are drawn for the screen, in half steps so small resizes keep the page.
    pixelRatio: Math.max(1, Math.ceil(scale * dpr * 2) / 2),
    onNeeded: onBackgroundNeeded,
  });
  const pdfPage = doc.backgroundType === "pdf" ? doc.pdfPageNumber || 1 : 0;

  // A background chosen on the page arrives as an operation to emit, once per nonce.
  useEffect(() => {
    if (!backgroundRequest || readOnly || loadState !== "ready") return;
    let request = null;
    try {
      request = JSON.parse(backgroundRequest);
    } catch (_err) {
      return;
    }
    if (!request || typeof request.nonce !== "string" || !request.op) return;
    if (requestDone(recordKey, request.nonce)) return;
    markRequestDone(recordKey, request.nonce);
    const { opId: _ignored, ...op } = request.op;
    commit([{ ...op, op: "setBackground" }], [backgroundOp(docRef.current)]);
  }, [backgroundRequest, readOnly, loadState, recordKey, commit]);

  const goToPage = useCallback(
    (page) => {
      const current = docRef.current;
      if (current.backgroundType !== "pdf" || !current.backgroundFileId) return;
      const numPages = background.numPages || current.pdfNumPages || page;
      if (page < 1 || page > numPages) return;
      commit(
        [
          {
            op: "setBackground",
            backgroundType: "pdf",
            backgroundFileId: current.backgroundFileId,
            pdfPageNumber: page,
            pdfNumPages: numPages,
          },
        ],
        [backgroundOp(current)],
      );
    },
    [commit, background.numPages],
  );

  /* ------------------------------------------------------ keyboard */

  const keyActions = useRef({});
  keyActions.current = { undo, redo, deleteSelection, setTool, interactive, textEdit };
  useEffect(() => {
    const onKey = (evt) => {
      const a = keyActions.current;
      if (!a.interactive || a.textEdit || evt.defaultPrevented) return;
      if (isTypingTarget(evt.target)) return;
      const key = (evt.key || "").toLowerCase();
      const mod = evt.ctrlKey || evt.metaKey;
      if (mod && !evt.altKey) {
        if (key === "z" && !evt.shiftKey) {
          evt.preventDefault();
          a.undo();
        } else if ((key === "z" && evt.shiftKey) || key === "y") {
          evt.preventDefault();
          a.redo();
        }
        return;
      }
      if (evt.altKey || evt.ctrlKey || evt.metaKey) return;
      if (key === "delete" || key === "backspace") {
        evt.preventDefault();
        a.deleteSelection();
        return;
      }
      const t = TOOLS.find((x) => x.key === key);
      if (t && !evt.repeat) a.setTool(t.name);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  /* -------------------------------------------------------- render */


  const disabled = !interactive;
  const touchAction = interactive ? "none" : "auto";
  const cursor =
    !interactive ? "default" : tool === "select" ? "default" : tool === "text" ? "text" : "crosshair";

  const toolbar = (
    <div style={S.toolbar} role="toolbar" aria-label="Drawing tools">
      {TOOLS.map((t) => (
        <button
          key={t.name}
          type="button"
          data-testid={`tool-${t.name}`}
          aria-pressed={tool === t.name}
          title={`${t.label} (${t.key.toUpperCase()})`}
          disabled={disabled}
          onClick={() => setTool(t.name)}
          style={S.button(tool === t.name, disabled)}
        >
          {t.label}
        </button>
      ))}
      <span style={S.sep} />
      {lockedColor ? (
        <span
          data-testid="amendment-colour"
          style={{ display: "inline-flex", alignItems: "center", gap: "4px" }}
        >
          <span aria-hidden="true" style={S.swatch(lockedColor, true)} />
          Amendment colour
        </span>
      ) : (
        <>
          {PALETTE.map((hex) => (
            <button
              key={hex}
              type="button"
              data-testid={`color-${hex.slice(1)}`}
              aria-label={`Colour ${hex}`}
              aria-pressed={color === hex}
              title={hex}
              disabled={disabled}
              onClick={() => pickColour(hex)}
              style={S.swatch(hex, color === hex)}
            />
          ))}
          <input
            ref={colorInputRef}
            type="color"
            data-testid="color-custom"
            aria-label="Custom colour"
            title="Custom colour"
            disabled={disabled}
            value={/^#[0-9a-f]{6}$/i.test(color) ? color.toLowerCase() : "#000000"}
            onChange={(e) => setColor(e.target.value)}
            style={{ width: "28px", height: "24px", padding: 0, border: "none", background: "none" }}
          />
        </>
      )}
      <label style={{ display: "inline-flex", alignItems: "center", gap: "4px" }}>
        {isTextTool ? "Font size" : "Width"}
        <select
          data-testid="stroke-width"
          disabled={disabled}
          value={String(widthValue)}
          onChange={(e) => pickWidth(e.target.value)}
        >
          {(widthOptions.includes(widthValue) ? widthOptions : [...widthOptions, widthValue])
            .slice()
            .sort((a, b) => a - b)
            .map((w) => (
              <option key={w} value={String(w)}>
                {w}
              </option>
            ))}
        </select>
      </label>
      <span style={S.sep} />
      <button
        type="button"
        data-testid="undo"
        title="Undo (Ctrl+Z)"
        disabled={disabled || historySizes.undo === 0}
        onClick={undo}
        style={S.button(false, disabled || historySizes.undo === 0)}
      >
        Undo
      </button>
      <button
        type="button"
        data-testid="redo"
        title="Redo (Ctrl+Shift+Z)"
        disabled={disabled || historySizes.redo === 0}
        onClick={redo}
        style={S.button(false, disabled || historySizes.redo === 0)}
      >
        Redo
      </button>
      <button
        type="button"
        data-testid="delete-selection"
        title="Delete selected shape (Delete)"
        disabled={disabled || !selectedShape}
        onClick={deleteSelection}
        style={S.button(false, disabled || !selectedShape)}
      >
        Delete
      </button>
      <button
        type="button"
        data-testid="pen-only"
        aria-pressed={penOnly}
        title="Stylus only: ignore finger touches (palm rejection)"
        disabled={disabled}
        onClick={() => {
          autoPenOnlyRef.current = false;
          setPenOnly((v) => !v);
        }}
        style={S.button(penOnly, disabled)}
      >
        Stylus only
      </button>
      {confirmClear ? (
        <span style={{ display: "inline-flex", gap: "4px", alignItems: "center" }}>
          Clear the whole drawing?
          <button
            type="button"
            data-testid="clear-confirm"
            onClick={clearAll}
            style={{ ...S.button(false, false), borderColor: "#b91c1c", color: "#b91c1c" }}
          >
            Clear
          </button>
          <button
            type="button"
            data-testid="clear-cancel"
            onClick={() => setConfirmClear(false)}
            style={S.button(false, false)}
          >
            Cancel
          </button>
        </span>
      ) : (
        <button
          type="button"
          data-testid="clear"
          disabled={disabled}
          onClick={() => setConfirmClear(true)}
          style={S.button(false, disabled)}
        >
          Clear
        </button>
      )}
      {pendingCount > 0 && (
        <span data-testid="canvas-pending" role="status" style={S.pending}>
          {pendingCount === 1 ? "1 change not yet saved" : `${pendingCount} changes not yet saved`}
        </span>
      )}
    </div>
  );

  const editingTextShape = textEdit
    ? { ...textEdit.shape, ...(textEdit.old || {}) }
    : null;
  const editFont = editingTextShape
    ? (editingTextShape.fontSize || editingTextShape.strokeWidth) * scale
    : 0;

  return (
    <div style={S.root} data-testid="medrec-canvas" data-read-only={readOnly ? "true" : "false"}>
      {toolbar}
      {pdfPage > 0 && (
        <PdfPager
          page={pdfPage}
          numPages={background.numPages}
          disabled={disabled || backgroundLocked}
          onGo={goToPage}
          buttonStyle={S.button}
        />
      )}
      {loadState === "error" && (
        <div style={S.error} role="alert" data-testid="canvas-error">
          The drawing could not be loaded ({loadError}).{" "}
          <button type="button" onClick={() => setReloadToken((n) => n + 1)}>
            Retry
          </button>
        </div>
      )}
      <div
        ref={containerRef}
        data-testid="canvas-stage"
        data-state={loadState}
        data-background={background.status}
        data-background-page={background.page}
        style={{ ...S.stage(touchAction), cursor }}
      >
        {background.status === "error" && (
          <div style={S.notDrawn} role="alert" data-testid="background-error">
            This {background.what} could not be drawn:{" "}
            {String(background.problem || "unknown error").replace(/[.\s]+$/, "")}.
          </div>
        )}
        {scale > 0 && (
          <Stage
            ref={stageRef}
            width={Math.round(stageSize.width * scale)}
            height={Math.round(stageSize.height * scale)}
            scaleX={scale}
            scaleY={scale}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={onPointerCancel}
          >
            <Layer listening={false}>
              {background.image && background.box && (
                <KonvaImage image={background.image} {...background.box} listening={false} />
              )}
            </Layer>
            {layers.below.map((layer, i) => (
              <ReadOnlyLayer key={"below" + i} drawing={layer.drawing} tint={layer.tint} />
            ))}
            <Layer listening={false}>
              <Group ref={strokesGroupRef}>
                <CommittedLines lines={baseLines} />
              </Group>
              <CommittedLines lines={recentLines} />
              <Line
                ref={liveLineRef}
                points={[]}
                visible={false}
                lineCap="round"
                lineJoin="round"
                listening={false}
                perfectDrawEnabled={false}
              />
            </Layer>
            <Layer listening={interactive && tool === "select"}>
              <ShapesList
                shapes={doc.shapes}
                draggable={interactive && tool === "select"}
                editingId={textEdit ? textEdit.id : null}
                onSelect={onShapeSelect}
                onDragEnd={onShapeDragEnd}
                onTransformEnd={onShapeTransformEnd}
                onEditText={onEditText}
              />
              <Transformer
                ref={transformerRef}
                flipEnabled={false}
                ignoreStroke
                keepRatio={
                  !!selectedShape && (selectedShape.type === "circle" || selectedShape.type === "text")
                }
                rotateEnabled={!!selectedShape && selectedShape.type !== "circle"}
                enabledAnchors={
                  selectedShape && (selectedShape.type === "circle" || selectedShape.type === "text")
                    ? ["top-left", "top-right", "bottom-left", "bottom-right"]
                    : ALL_ANCHORS
                }
                boundBoxFunc={(oldBox, newBox) =>
                  Math.abs(newBox.width) < 5 || Math.abs(newBox.height) < 5 ? oldBox : newBox
                }
              />
            </Layer>
            {layers.above.map((layer, i) => (
              <ReadOnlyLayer key={"above" + i} drawing={layer.drawing} tint={layer.tint} />
            ))}
            <Layer listening={false}>
              {draft && (
                <ShapeNode
                  shape={draft}
                  draggable={false}
                  hidden={false}
                  onSelect={undefined}
                  onDragEnd={undefined}
                  onTransformEnd={undefined}
                  onEditText={undefined}
                />
              )}
            </Layer>
          </Stage>
        )}
        {textEdit && scale > 0 && (
          <textarea
            ref={textareaRef}
            data-testid="canvas-text-input"
            aria-label="Text"
            value={textEdit.value}
            maxLength={MAX_TEXT_CHARS}
            rows={Math.max(1, textEdit.value.split("\n").length)}
            onChange={(e) => {
              const value = e.target.value;
              setTextEdit((t) => (t ? { ...t, value } : t));
            }}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                finishTextEdit(true);
              } else if (e.key === "Enter" && !e.shiftKey) {
                e.preventDefault();
                finishTextEdit(false);
              }
            }}
            onBlur={() => finishTextEdit(false)}
            style={{
              ...S.textarea,
              left: `${textEdit.x * scale}px`,
              top: `${textEdit.y * scale}px`,
              fontSize: `${editFont}px`,
              color: editingTextShape.color,
              width: `${Math.max(120, Math.min(600, (textEdit.value.length + 2) * editFont * 0.6))}px`,
            }}
          />
        )}
      </div>
    </div>
  );
}

export default MedrecCanvas;
