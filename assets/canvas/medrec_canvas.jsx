/*
 * MedrecCanvas: the drawing canvas of a medical record (react-konva).
 *
 * It renders and handles pointers only; it never decides what is saved. Every change
 * becomes an *operation* (document.js) handed to the server through `onOps`, with `opId`
 * and `at` (when the change was made, ms since the epoch).
 *
 * Each op is written to the browser's queue (assets/record/local_queues.js) *before* it
 * is emitted, and stays there until its opId shows up in `ackedOpIds`. Unacknowledged
 * ops are re-emitted with back-off (pending_queue.js) and, after a reload, re-applied
 * on top of the fetched document and re-emitted, so work survives a lost socket, a
 * backend restart or a crash. The server treats ops idempotently (by opId).
 *
 * The saved document (doc) is apart from session state: tool, colour, width, selection,
 * the text being edited. Tools are small state machines (tools/), history.js keeps undo,
 * shapes.jsx and toolbar.jsx render, keyboard.js maps keys, stroke_cache.js keeps long
 * drawings fast. Coordinates are always the document's stage coordinates (stageSize,
 * default 800x600); the stage is only scaled for display.
 *
 * Props: recordKey, documentUrl, backgroundUrl (the template's image, shown when the
 * drawing names no file), fileBackgroundId + fileBackgroundType + fileBackgroundUrl (a
 * short-lived link the page holds for that file, "image" or "pdf"), backgroundRequest
 * (JSON {nonce, op}: a setBackground op chosen on the page, emitted once per nonce),
 * readOnly, ackedOpIds, reloadRequest (a new value reloads the stored drawing: the page
 * had changes refused), limits (required, the server's own: maxBatchOps, maxPointsPerLine,
 * maxTextChars, maxStrokeWidth), layersUrl, lockedColor, backgroundLocked, onOps,
 * onBackgroundNeeded(fileId) (asks the page for a link), onPendingChange(count) (how
 * many changes are not yet acknowledged: the page will not sign while any are). See
 * background.jsx and medrec_app/components/canvas.py.
 */
import React, { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Group, Image as KonvaImage, Layer, Line, Stage, Transformer } from "react-konva";
import { markRequestDone, readPending, requestDone, writePending } from "../record/local_queues.js";
import { PdfPager, useBackground } from "./background.jsx";
import {
  backgroundChange,
  clearChange,
  deleteShapeChange,
  pageChange,
  putShapeChange,
  recolourChange,
  resizeStrokeChange,
  textEditChange,
} from "./changes.js";
import { applyOps, clone, newOpId, normaliseDocument, round2 } from "./document.js";
import { History } from "./history.js";
import { pointerDecision } from "./input.js";
import { listenForKeys } from "./keyboard.js";
import { FONT_SIZES, STROKE_WIDTHS } from "./palette.js";
import { anyAcked, batches, mergeQueues, newEntries, restarted, takeDue } from "./pending_queue.js";
import { CommittedLines, ReadOnlyLayer, ShapeNode, ShapesList } from "./shapes.jsx";
import { rebuildCache, splitLines } from "./stroke_cache.js";
import { S } from "./styles.js";
import { installTestHook } from "./test_hook.js";
import { Toolbar } from "./toolbar.jsx";
import { createTools } from "./tools/index.js";
import { movedShape, transformedShape } from "./tools/select.js";

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
const CORNER_ANCHORS = ["top-left", "top-right", "bottom-left", "bottom-right"];
const RESEND_TICK_MS = 1000;

const keepsAspect = (shape) => !!shape && (shape.type === "circle" || shape.type === "text");

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
  limits,
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
  const [textEdit, setTextEdit] = useState(null); // {id, x, y, value, old, shape}
  const [confirmClear, setConfirmClear] = useState(false);
  const [pendingCount, setPendingCount] = useState(0);
  const [historySizes, setHistorySizes] = useState({ undo: 0, redo: 0 });
  const [containerWidth, setContainerWidth] = useState(0);

  const docRef = useRef(doc);
  docRef.current = doc;
  const revisionRef = useRef(null);
  const pendingRef = useRef([]); // in-memory mirror of the stored queue
  const historyRef = useRef(null);
  if (!historyRef.current) historyRef.current = new History();
  const toolsRef = useRef(null);
  if (!toolsRef.current) toolsRef.current = createTools();
  const containerRef = useRef(null);
  const stageRef = useRef(null);
  const strokesGroupRef = useRef(null);
  const liveLineRef = useRef(null);
  const baseLinesRef = useRef([]);
  const transformerRef = useRef(null);
  const textareaRef = useRef(null);
  const colorInputRef = useRef(null);
  const autoPenOnlyRef = useRef(true); // the first stylus event turns pen-only mode on

  // Latest props for handlers that outlive a render.
  const propsRef = useRef({});
  propsRef.current = { recordKey, onOps, readOnly, limits, onPendingChange };

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
    const { onOps: handler, limits: current } = propsRef.current;
    if (typeof handler !== "function" || !ops.length) return;
    for (const batch of batches(ops, current.maxBatchOps)) handler(batch);
  }, []);

  /** Merge our queue with what other tabs wrote, then store it. */
  const persistPending = useCallback((added, removedIds) => {
    const key = propsRef.current.recordKey;
    const merged = mergeQueues(readPending(key), pendingRef.current, added, removedIds);
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
      persistPending(newEntries(ops, now), null);
      const next = applyOps(docRef.current, ops);
      docRef.current = next;
      setDoc(next);
      refreshPendingCount();
      sendOps(ops);
    },
    [persistPending, refreshPendingCount, sendOps],
  );

  const showHistory = useCallback(() => setHistorySizes(historyRef.current.sizes()), []);

  /** Record a change ({doOps, undoOps}, or null for none) for undo and emit it. */
  const commit = useCallback(
    (change) => {
      if (!change?.doOps.length) return;
      historyRef.current.record(change.doOps, change.undoOps);
      showHistory();
      emit(change.doOps);
    },
    [emit, showHistory],
  );

  const undo = useCallback(() => {
    const ops = historyRef.current.undo();
    if (!ops) return;
    showHistory();
    setSelectedId(null);
    emit(ops);
  }, [emit, showHistory]);

  const redo = useCallback(() => {
    const ops = historyRef.current.redo();
    if (!ops) return;
    showHistory();
    setSelectedId(null);
    emit(ops);
  }, [emit, showHistory]);

  // Acknowledged ops leave the queue.
  useEffect(() => {
    if (!Array.isArray(ackedOpIds) || !ackedOpIds.length) return;
    const acked = new Set(ackedOpIds);
    if (!anyAcked(acked, pendingRef.current, readPending(recordKey))) return;
    persistPending([], acked);
    refreshPendingCount();
  }, [ackedOpIds, recordKey, persistPending, refreshPendingCount]);

  // Re-send ops that stay unacknowledged, with back-off, oldest first.
  useEffect(() => {
    if (readOnly || loadState !== "ready") return undefined;
    const timer = window.setInterval(() => {
      const due = takeDue(pendingRef.current, Date.now());
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
    historyRef.current.clear();
    showHistory();

    const finish = (drawing, revision) => {
      if (cancelled) return;
      revisionRef.current = revision;
      let next = normaliseDocument(drawing);
      const stored = propsRef.current.readOnly ? [] : readPending(recordKey);
      const pending = restarted(stored, Date.now());
      pendingRef.current = pending;
      next = applyOps(
        next,
        pending.map((e) => e.op),
      );
      docRef.current = next;
      setDoc(next);
      setLoadState("ready");
      setPendingCount(pending.length);
      if (pending.length) {
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
      .then((body) => finish(body?.drawing, body ? body.revision : null))
      .catch((err) => {
        if (cancelled) return;
        setLoadState("error");
        setLoadError(String(err?.message || err));
      });
    return () => {
      cancelled = true;
    };
  }, [documentUrl, recordKey, reloadToken, sendOps, showHistory]);

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
        const list = (v) => (Array.isArray(v) ? v.filter((l) => l?.drawing) : []);
        setLayers({ below: list(body.below), above: list(body.above) });
      })
      .catch((err) => {
        if (cancelled) return;
        setLoadState("error");
        setLoadError(String(err?.message || err));
      });
    return () => {
      cancelled = true;
    };
  }, [layersUrl, reloadToken]);

  // An amendment draws in its own colour only.
  useEffect(() => {
    if (lockedColor) setColor(lockedColor);
  }, [lockedColor]);

  /* ------------------------------------------------------ test hook */

  useEffect(
    () =>
      installTestHook(readOnly, {
        getDocument: () => ({ ...clone(docRef.current), revision: revisionRef.current }),
        pendingCount: () => pendingRef.current.length,
        pendingOps: () => clone(pendingRef.current.map((e) => e.op)),
      }),
    [],
  );

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

  // Finished strokes: the cached base and the recent tail (stroke_cache.js).
  const { baseLines, recentLines } = useMemo(() => {
    const split = splitLines(doc.lines, baseLinesRef.current);
    baseLinesRef.current = split.baseLines;
    return split;
  }, [doc.lines]);

  useLayoutEffect(() => {
    const group = strokesGroupRef.current;
    if (!group || !scale) return;
    const pixelRatio = scale * (window.devicePixelRatio || 1);
    rebuildCache(group, stageSize, pixelRatio, baseLines.length > 0);
  }, [baseLines, scale, stageSize]);

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
      if (old) commit(putShapeChange(old, movedShape(old, node.x(), node.y())));
    },
    [commit],
  );

  const onShapeTransformEnd = useCallback(
    (e) => {
      const node = e.target;
      const old = findShape(node.id());
      if (!old) return;
      const attrs = {
        x: node.x(),
        y: node.y(),
        rotation: node.rotation(),
        scaleX: node.scaleX(),
        scaleY: node.scaleY(),
      };
      node.scaleX(1);
      node.scaleY(1);
      const { maxStrokeWidth } = propsRef.current.limits;
      commit(putShapeChange(old, transformedShape(old, attrs, maxStrokeWidth)));
    },
    [commit],
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
      if (!cancel) commit(textEditChange(edit, propsRef.current.limits.maxTextChars));
    },
    [commit],
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
  }, [textEdit?.id]);

  const deleteSelection = useCallback(() => {
    const shape = selectedId ? findShape(selectedId) : null;
    if (!shape) return;
    setSelectedId(null);
    commit(deleteShapeChange(shape));
  }, [selectedId, commit]);

  const clearAll = useCallback(() => {
    setConfirmClear(false);
    const change = clearChange(docRef.current);
    if (!change) return;
    setSelectedId(null);
    commit(change);
  }, [commit]);

  /* --------------------------------------------- colour / width */

  const pickColour = useCallback(
    (hex) => {
      setColor(hex);
      const shape = selectedId ? findShape(selectedId) : null;
      if (shape) commit(recolourChange(shape, hex));
    },
    [selectedId, commit],
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

  const isTextTool = tool === "text" || selectedShape?.type === "text";
  const widthValue = isTextTool
    ? selectedShape?.type === "text"
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
      const textSize = shape ? shape.type === "text" : toolRef.current === "text";
      if (textSize) setFontSize(n);
      else setStrokeWidth(n);
      if (shape) commit(resizeStrokeChange(shape, n));
    },
    [selectedId, commit],
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

  const showLive = useCallback((live) => {
    const node = liveLineRef.current;
    if (!node) return;
    node.points(live ? live.points : []);
    node.visible(!!live);
    if (live) {
      node.stroke(live.color);
      node.strokeWidth(live.strokeWidth);
      node.globalCompositeOperation(live.tool === "eraser" ? "destination-out" : "source-over");
    }
    node.getLayer()?.batchDraw();
  }, []);

  // What the tools may do (tools/index.js); rebuilt each render, read when they act.
  const toolContext = {
    style: { color, strokeWidth, fontSize },
    limits: propsRef.current.limits,
    commit,
    showLive,
    showDraft: setDraft,
    startTextEdit: (shape) => startTextEdit(shape, true),
    select: setSelectedId,
  };
  const toolContextRef = useRef(toolContext);
  toolContextRef.current = toolContext;
  const activeTool = () => toolsRef.current[toolRef.current];

  // A tool left mid-gesture (a key picked another) finishes what it was doing.
  const previousToolRef = useRef(tool);
  useEffect(() => {
    const previous = toolsRef.current[previousToolRef.current];
    if (previous && previousToolRef.current !== tool) previous.finish(toolContextRef.current);
    previousToolRef.current = tool;
  }, [tool]);

  const acceptPointer = (evt) => {
    if (!interactive || textEdit) return false;
    const decision = pointerDecision(evt, { penOnly, autoPenOnly: autoPenOnlyRef.current });
    if (decision.penModeOn) {
      autoPenOnlyRef.current = false; // once; after that only the toggle decides
      setPenOnly(true);
    }
    return decision.accept;
  };

  const onPointerDown = (e) => {
    const evt = e.evt;
    if (!acceptPointer(evt) || activeTool().busy()) return; // one pointer at a time
    const point = stagePoint(evt);
    if (!point) return;
    const target = e.target;
    const parent = target?.getParent?.();
    const input = {
      pointerId: evt.pointerId,
      point,
      onShape: target?.name?.() === "medrec-shape",
      onTransformer: parent?.className === "Transformer",
    };
    if (tool !== "select") {
      try {
        evt.target.setPointerCapture(evt.pointerId);
      } catch (_err) {
        /* not capturable: moves outside the stage end the stroke */
      }
    }
    activeTool().onPointerDown(toolContext, input);
  };

  const onPointerMove = (e) => {
    const evt = e.evt;
    const current = activeTool();
    if (!current.busy()) return;
    const coalesced = typeof evt.getCoalescedEvents === "function" ? evt.getCoalescedEvents() : [];
    const points = (coalesced.length ? coalesced : [evt]).map(stagePoint).filter(Boolean);
    current.onPointerMove(toolContext, { pointerId: evt.pointerId, points });
  };

  const onPointerUp = (e) => {
    const evt = e.evt;
    const current = activeTool();
    if (!current.busy()) return;
    current.onPointerUp(toolContext, { pointerId: evt.pointerId, point: stagePoint(evt) });
  };

  const onPointerCancel = (e) => {
    activeTool().onCancel(toolContext, { pointerId: e.evt.pointerId });
  };

  // Leaving read-only mode mid-gesture, or losing the document, drops the gesture.
  useEffect(() => {
    if (!interactive) {
      for (const t of Object.values(toolsRef.current)) t.reset(toolContextRef.current);
      setTextEdit(null);
      setConfirmClear(false);
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
    commit(backgroundChange(docRef.current, request.op));
  }, [backgroundRequest, readOnly, loadState, recordKey, commit]);

  const goToPage = useCallback(
    (page) => {
      const current = docRef.current;
      const numPages = background.numPages || current.pdfNumPages || page;
      commit(pageChange(current, page, numPages));
    },
    [commit, background.numPages],
  );

  /* ------------------------------------------------------ keyboard */

  const keyActions = useRef({});
  keyActions.current = { undo, redo, deleteSelection, setTool, interactive, textEdit };
  useEffect(
    () =>
      listenForKeys(window, ({ action, tool: name }) => {
        const a = keyActions.current;
        if (!a.interactive || a.textEdit) return false;
        if (action === "undo") a.undo();
        else if (action === "redo") a.redo();
        else if (action === "delete") a.deleteSelection();
        else a.setTool(name);
        return true;
      }),
    [],
  );

  /* -------------------------------------------------------- render */

  const disabled = !interactive;
  const touchAction = interactive ? "none" : "auto";
  const cursor = !interactive
    ? "default"
    : tool === "select"
      ? "default"
      : tool === "text"
        ? "text"
        : "crosshair";

  const toolbar = (
    <Toolbar
      tool={tool}
      setTool={setTool}
      disabled={disabled}
      lockedColor={lockedColor}
      color={color}
      setColor={setColor}
      pickColour={pickColour}
      colorInputRef={colorInputRef}
      isTextTool={isTextTool}
      widthValue={widthValue}
      widthOptions={widthOptions}
      pickWidth={pickWidth}
      historySizes={historySizes}
      undo={undo}
      redo={redo}
      selectedShape={selectedShape}
      deleteSelection={deleteSelection}
      penOnly={penOnly}
      togglePenOnly={() => {
        autoPenOnlyRef.current = false;
        setPenOnly((v) => !v);
      }}
      confirmClear={confirmClear}
      setConfirmClear={setConfirmClear}
      clearAll={clearAll}
      pendingCount={pendingCount}
    />
  );

  const editingTextShape = textEdit ? { ...textEdit.shape, ...(textEdit.old || {}) } : null;
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
              <ReadOnlyLayer key={`below${i}`} drawing={layer.drawing} tint={layer.tint} />
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
                keepRatio={keepsAspect(selectedShape)}
                rotateEnabled={!!selectedShape && selectedShape.type !== "circle"}
                enabledAnchors={keepsAspect(selectedShape) ? CORNER_ANCHORS : ALL_ANCHORS}
                boundBoxFunc={(oldBox, newBox) =>
                  Math.abs(newBox.width) < 5 || Math.abs(newBox.height) < 5 ? oldBox : newBox
                }
              />
            </Layer>
            {layers.above.map((layer, i) => (
              <ReadOnlyLayer key={`above${i}`} drawing={layer.drawing} tint={layer.tint} />
            ))}
            <Layer listening={false}>
              {draft && <ShapeNode shape={draft} draggable={false} hidden={false} />}
            </Layer>
          </Stage>
        )}
        {textEdit && scale > 0 && (
          <textarea
            ref={textareaRef}
            data-testid="canvas-text-input"
            aria-label="Text"
            value={textEdit.value}
            maxLength={limits.maxTextChars}
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
