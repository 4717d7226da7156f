/*
 * MedrecCanvas: the drawing canvas of a medical record (react-konva).
 *
 * It renders and handles pointers only; it never decides what is saved. Every change
 * becomes an *operation* (document.js) handed to the server through `onOps`, with `opId`
 * and `at` (when the change was made, ms since the epoch).
 *
 * use_document.js holds the saved document, its loading, the queue that gets every op
 * to the server and undo; the canvas keeps session state apart from it: tool, colour,
 * width, selection, the text being edited (text_editor.jsx). Tools are small state
 * machines (tools/), shapes.jsx and toolbar.jsx render, keyboard.js maps keys,
 * stroke_cache.js keeps long drawings fast. Coordinates are always the document's stage
 * coordinates (stageSize, default 800x600); the stage is only scaled and moved for
 * display (view.js).
 *
 * Props: recordKey, documentUrl, backgroundUrl (the template's image, shown when the
 * drawing names no file), fileBackgroundId + fileBackgroundType + fileBackgroundUrl (a
 * short-lived link the page holds for that file, "image" or "pdf"), backgroundRequest
 * (JSON {nonce, op}: a setBackground op chosen on the page, emitted once per nonce),
 * readOnly, ackedOpIds, reloadRequest (a new value reloads the stored drawing: the page
 * had changes refused), limits (required, the server's own: maxBatchOps, maxPointsPerLine,
 * maxTextChars, maxStrokeWidth), layersUrl, previousUrl (the last visit, previous_visit.jsx),
 * lockedColor, backgroundLocked, onOps,
 * onBackgroundNeeded(fileId) (asks the page for a link), onPendingChange(count) (how
 * many changes are not yet acknowledged: the page will not sign while any are). See
 * background.jsx and medrec_app/components/canvas.py.
 */
import React, { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Image as KonvaImage, Layer, Stage, Transformer } from "react-konva";
import { markRequestDone, requestDone } from "../record/local_queues.js";
import { PdfPager, useBackground } from "./background.jsx";
import { confirmChange, unconfirmedCount } from "./carry.js";
import {
  backgroundChange,
  clearChange,
  pageChange,
  putShapeChange,
  textEditChange,
} from "./changes.js";
import { round2 } from "./document.js";
import { pointerDecision } from "./input.js";
import { listenForKeys } from "./keyboard.js";
import { FONT_SIZES, STROKE_WIDTHS } from "./palette.js";
import {
  CarriedLabels,
  GhostLayer,
  PreviousVisitBar,
  unconfirmedMarks,
} from "./previous_visit.jsx";
import {
  deleteChange,
  duplicateChange,
  EMPTY_SELECTION,
  isEmpty,
  moveChange,
  pruned,
  recolourSelectionChange,
  resizeSelectionChange,
  selectedElements,
  selectionBounds,
  size,
} from "./selection.js";
import { SelectionLayer } from "./selection_layer.jsx";
import { ReadOnlyLayer, ShapeNode, ShapesList } from "./shapes.jsx";
import { cachePixelRatio } from "./stroke_cache.js";
import { LiveLayer, StrokesLayer } from "./strokes_layer.jsx";
import { S } from "./styles.js";
import { TextEditor } from "./text_editor.jsx";
import { Toolbar } from "./toolbar.jsx";
import { createTools } from "./tools/index.js";
import { createSelectTool, transformedShape } from "./tools/select.js";
import { useTouchSized } from "./touch_size.js";
import { useDocument, useLayers } from "./use_document.js";
import { useLastVisit } from "./use_last_visit.js";
import { useView } from "./use_view.js";
import { isFit, toScreen } from "./view.js";

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
// A PDF page is drawn at most 4x the document's size, however far the view zooms in.
const MAX_PDF_RATIO = 4;
const CORNER_ANCHORS = ["top-left", "top-right", "bottom-left", "bottom-right"];

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
  previousUrl = "",
  lockedColor = "",
  backgroundLocked = false,
  onOps,
  onBackgroundNeeded,
  onPendingChange,
}) {
  const [tool, setTool] = useState("pen");
  const [color, setColor] = useState("#000000");
  const [strokeWidth, setStrokeWidth] = useState(3);
  const [fontSize, setFontSize] = useState(24);
  const [penOnly, setPenOnly] = useState(false);
  const [selection, setSelection] = useState(EMPTY_SELECTION);
  const [moveOffset, setMoveOffset] = useState(null); // {dx, dy} while a selection is dragged
  const [lasso, setLasso] = useState(null); // [x0, y0, ...] while a lasso is drawn
  const [draft, setDraft] = useState(null); // shape being dragged out
  const [textEdit, setTextEdit] = useState(null); // {id, x, y, value, old, shape}
  const [confirmClear, setConfirmClear] = useState(false);
  const [containerWidth, setContainerWidth] = useState(0);
  const touchSized = useTouchSized();

  const toolsRef = useRef(null);
  if (!toolsRef.current) toolsRef.current = { ...createTools(), pick: createSelectTool() };
  // Picking from the last visit runs the pick tool (use_last_visit.js).
  const activeTool = () =>
    toolsRef.current[lastVisit.pickingRef.current ? "pick" : toolRef.current];
  const toolRef = useRef(tool);
  toolRef.current = tool;
  const textEditRef = useRef(null);
  textEditRef.current = textEdit;
  const containerRef = useRef(null);
  const stageRef = useRef(null);
  const liveLineRef = useRef(null); // a pen stroke being drawn, on its own small layer
  const liveEraserRef = useRef(null); // an eraser stroke, on the strokes' layer it cuts
  const transformerRef = useRef(null);
  const colorInputRef = useRef(null);
  const autoPenOnlyRef = useRef(true); // the first stylus event turns pen-only mode on
  const toolContextRef = useRef(null);
  // Latest props for handlers that outlive a render.
  const propsRef = useRef({});
  propsRef.current = { readOnly, limits };

  /** The document goes away: keep what the gesture and the text being typed made. */
  const onLeave = useCallback(
    (commitQuietly) => {
      const ctx = { ...toolContextRef.current, commit: commitQuietly };
      toolsRef.current[toolRef.current].finish(ctx);
      const edit = textEditRef.current;
      if (edit) commitQuietly(textEditChange(edit, limits.maxTextChars));
    },
    [limits.maxTextChars],
  );

  const {
    doc,
    docRef,
    loadState,
    loadError: documentError,
    reloadToken,
    retry,
    commit,
    undo: undoChange,
    redo: redoChange,
    historySizes,
    pendingCount,
  } = useDocument({
    recordKey,
    documentUrl,
    readOnly,
    ackedOpIds,
    reloadRequest,
    limits,
    onOps,
    onPendingChange,
    onLeave,
  });
  const { layers, error: layersError } = useLayers(layersUrl, reloadToken);
  const loadError = documentError || layersError;
  const shownState = layersError ? "error" : loadState;

  const stageSize = doc.stageSize;
  const scale = containerWidth > 0 ? containerWidth / stageSize.width : 0;
  const interactive = !readOnly && loadState === "ready";
  const drawingWithRef = useRef(null); // the pointerType of the stroke in progress

  const { view, settled, spaceHeld, panning, zoomIn, zoomOut, fit, documentPoint } = useView({
    containerRef,
    size: stageSize,
    scale,
    resetKey: recordKey,
    gestureEnv: () => ({
      penOnly,
      drawingWith: activeTool().busy() ? drawingWithRef.current : null,
    }),
    onGesture: ({ cancelTool, undo: undoNow }) => {
      if (cancelTool) activeTool().reset(toolContextRef.current);
      if (undoNow && interactive) undo();
    },
  });
  const zoomScale = scale * view.zoom;

  // Another document: nothing of the previous one stays selected or edited.
  useEffect(() => {
    setSelection(EMPTY_SELECTION);
    setTextEdit(null);
  }, [documentUrl, recordKey, reloadToken]);

  const undo = useCallback(() => {
    if (undoChange()) setSelection(EMPTY_SELECTION);
  }, [undoChange]);

  const redo = useCallback(() => {
    if (redoChange()) setSelection(EMPTY_SELECTION);
  }, [redoChange]);

  // An amendment draws in its own colour only.
  useEffect(() => {
    if (lockedColor) setColor(lockedColor);
  }, [lockedColor]);

  // Leaving the page keeps a stroke in progress: it is queued before UnloadFlush sends
  // the queue (capture listeners on the same target run first).
  useEffect(() => {
    const finishGesture = () => {
      if (document.visibilityState === "visible") return;
      toolsRef.current[toolRef.current].finish(toolContextRef.current);
    };
    window.addEventListener("pagehide", finishGesture, true);
    document.addEventListener("visibilitychange", finishGesture, true);
    return () => {
      window.removeEventListener("pagehide", finishGesture, true);
      document.removeEventListener("visibilitychange", finishGesture, true);
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

  const dpr = typeof window !== "undefined" ? window.devicePixelRatio || 1 : 1;

  /* ------------------------------------------------------ selection */

  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  const select = useCallback((next) => {
    selectionRef.current = next;
    setSelection(next);
  }, []);

  // What others' changes or an undo removed is no longer selected.
  useEffect(() => {
    const kept = pruned(doc, selection);
    if (kept !== selection) select(kept);
  }, [doc, selection, select]);

  useEffect(() => {
    if (tool !== "select") select(EMPTY_SELECTION);
  }, [tool, select]);

  const selected = useMemo(() => selectedElements(doc, selection), [doc, selection]);
  // One shape alone gets the transformer's handles and shows its own width or size.
  const selectedShape =
    selected.shapes.length === 1 && selected.lines.length === 0 ? selected.shapes[0] : null;
  // Work over every element is done when the document changes, not on every render
  // (a gesture renders up to once a frame).
  const carriedMarks = useMemo(() => unconfirmedMarks(doc), [doc]);
  const unconfirmedSelected = useMemo(
    () => (carriedMarks.length ? unconfirmedCount(doc, selection) : 0),
    [carriedMarks, doc, selection],
  );
  const selectionBox = useMemo(
    () => (isEmpty(selection) ? null : selectionBounds(doc, selection)),
    [doc, selection],
  );

  useEffect(() => {
    const tr = transformerRef.current;
    const stage = stageRef.current;
    if (!tr || !stage) return;
    const id = selectedShape?.id;
    const node =
      id && tool === "select" && interactive && !moveOffset && (!textEdit || textEdit.id !== id)
        ? stage.findOne((n) => n.id() === id && n.name() === "medrec-shape")
        : null;
    tr.nodes(node ? [node] : []);
    tr.getLayer()?.batchDraw();
  }, [selectedShape, tool, interactive, textEdit, moveOffset]);

  /* ------------------------------------------------- shape edits */

  const findShape = (id) => docRef.current.shapes.find((s) => s.id === id) || null;

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

  const deleteSelection = useCallback(() => {
    const change = deleteChange(docRef.current, selectionRef.current);
    if (!change) return;
    select(EMPTY_SELECTION);
    commit(change);
  }, [commit, select]);

  const duplicateSelection = useCallback(() => {
    const made = duplicateChange(docRef.current, selectionRef.current);
    if (!made.change) return;
    commit(made.change);
    select(made.selection);
  }, [commit, select]);

  const nudgeSelection = useCallback(
    (dx, dy) => commit(moveChange(docRef.current, selectionRef.current, dx, dy)),
    [commit],
  );

  const selectAll = useCallback(() => {
    const doc = docRef.current;
    select({
      lines: doc.lines.filter((l) => l.id && l.tool !== "eraser").map((l) => l.id),
      shapes: doc.shapes.map((s) => s.id),
    });
  }, [select]);

  const clearAll = useCallback(() => {
    setConfirmClear(false);
    const change = clearChange(docRef.current);
    if (!change) return;
    select(EMPTY_SELECTION);
    commit(change);
  }, [commit, select]);

  /* --------------------------------------------- colour / width */

  const pickColour = useCallback(
    (hex) => {
      setColor(hex);
      commit(recolourSelectionChange(docRef.current, selectionRef.current, hex));
    },
    [commit],
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

  // The width shown is the first selected element's (a text's font size), else the tool's.
  const firstSelected = selected.lines[0] || selected.shapes[0] || null;
  const isTextTool = firstSelected ? firstSelected.type === "text" : tool === "text";
  const widthValue = firstSelected
    ? firstSelected.fontSize || firstSelected.strokeWidth
    : isTextTool
      ? fontSize
      : strokeWidth;
  const widthOptions = isTextTool ? FONT_SIZES : STROKE_WIDTHS;

  const pickWidth = useCallback(
    (value) => {
      const n = Number(value);
      if (!(n > 0)) return;
      const sel = selectionRef.current;
      if (!isEmpty(sel)) {
        commit(resizeSelectionChange(docRef.current, sel, n));
        return;
      }
      if (toolRef.current === "text") setFontSize(n);
      else setStrokeWidth(n);
    },
    [commit],
  );

  /* ------------------------------------------------------ pointers */

  const stagePoint = (evt) => {
    const p = documentPoint(evt);
    return p && { x: round2(p.x), y: round2(p.y) };
  };

  // Each move redraws only the live stroke's layer: a pen's holds nothing else, so the
  // finished strokes' bitmap is not redrawn 240 times a second.
  const showLive = useCallback((live) => {
    for (const node of [liveLineRef.current, liveEraserRef.current]) {
      if (!node) continue;
      const mine = !!live && (live.tool === "eraser") === (node === liveEraserRef.current);
      if (!mine && !node.visible()) continue;
      node.points(mine ? live.points : []);
      node.visible(mine);
      if (mine) {
        node.stroke(live.color);
        node.strokeWidth(live.strokeWidth);
      }
      node.getLayer()?.batchDraw();
    }
  }, []);

  // What the tools may do (tools/index.js); rebuilt each render, read when they act.
  const toolContext = {
    style: { color, strokeWidth, fontSize },
    limits: propsRef.current.limits,
    commit,
    showLive,
    showDraft: setDraft,
    startTextEdit: (shape) => startTextEdit(shape, true),
    doc: () => docRef.current,
    selection: () => selectionRef.current,
    select,
    showMove: setMoveOffset,
    showLasso: setLasso,
  };
  const lastVisit = useLastVisit({
    url: previousUrl,
    interactive,
    pickTool: toolsRef.current.pick,
    toolContext,
    commit,
    onCarried: (copies) => {
      setTool("select");
      select(copies);
    },
  });
  const { visit: previousVisit, picking, picked } = lastVisit;
  const activeContext = picking ? lastVisit.pickContext : toolContext;
  toolContextRef.current = activeContext;

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
      shapeId: target?.name?.() === "medrec-shape" ? target.id() : null,
      onTransformer: parent?.className === "Transformer",
      shift: evt.shiftKey,
    };
    drawingWithRef.current = evt.pointerType;
    if (!input.onTransformer) {
      try {
        evt.target.setPointerCapture(evt.pointerId);
      } catch (_err) {
        /* not capturable: moves outside the stage end the stroke */
      }
    }
    activeTool().onPointerDown(activeContext, input);
  };

  const onPointerMove = (e) => {
    const evt = e.evt;
    const current = activeTool();
    if (!current.busy()) return;
    const coalesced = typeof evt.getCoalescedEvents === "function" ? evt.getCoalescedEvents() : [];
    const points = (coalesced.length ? coalesced : [evt]).map(stagePoint).filter(Boolean);
    current.onPointerMove(activeContext, { pointerId: evt.pointerId, points });
  };

  const onPointerUp = (e) => {
    const evt = e.evt;
    const current = activeTool();
    if (!current.busy()) return;
    current.onPointerUp(activeContext, { pointerId: evt.pointerId, point: stagePoint(evt) });
  };

  const onPointerCancel = (e) => {
    activeTool().onCancel(activeContext, { pointerId: e.evt.pointerId });
  };

  const confirmCarried = useCallback(
    () => commit(confirmChange(docRef.current, selectionRef.current)),
    [commit],
  );

  // Leaving read-only mode mid-gesture, or losing the document, drops the gesture.
  useEffect(() => {
    if (!interactive) {
      for (const t of Object.values(toolsRef.current)) t.reset(toolContextRef.current);
      setTextEdit(null);
      setConfirmClear(false);
    }
  }, [interactive]);

  /* ---------------------------------------------------- background */

  const background = useBackground({
    doc,
    fileId: fileBackgroundId,
    fileType: fileBackgroundType,
    fileUrl: fileBackgroundUrl,
    templateUrl: backgroundUrl,
    // PDF pages are drawn for the screen, in half steps so small resizes keep the page.
    pixelRatio: Math.min(MAX_PDF_RATIO, Math.max(1, Math.ceil(scale * settled.zoom * dpr * 2) / 2)),
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
  keyActions.current = {
    undo,
    redo,
    delete: deleteSelection,
    duplicate: duplicateSelection,
    selectAll,
    deselect: () => select(EMPTY_SELECTION),
    nudge: nudgeSelection,
    zoomIn,
    zoomOut,
    fit,
    setTool,
    interactive,
    textEdit,
  };
  useEffect(
    () =>
      listenForKeys(window, ({ action, tool: name, dx, dy }) => {
        const a = keyActions.current;
        if (!a.interactive || a.textEdit) return false;
        // Keys that act on a selection are the page's own when there is none.
        const onSelection = ["nudge", "duplicate", "deselect", "delete"].includes(action);
        if (onSelection && isEmpty(selectionRef.current)) return false;
        if (action === "selectAll" && toolRef.current !== "select") return false;
        if (action === "tool") a.setTool(name);
        else if (action === "nudge") a.nudge(dx, dy);
        else a[action]();
        return true;
      }),
    [],
  );

  /* -------------------------------------------------------- render */

  const disabled = !interactive;
  const touchAction = interactive ? "none" : "auto";
  const cursor = panning
    ? "grabbing"
    : spaceHeld
      ? "grab"
      : !interactive
        ? "default"
        : tool === "select"
          ? "default"
          : tool === "text"
            ? "text"
            : "crosshair";

  // Shapes being moved are shown at the pointer instead; a text being typed in its editor.
  const hiddenShapeIds = useMemo(() => {
    const ids = new Set(moveOffset ? selection.shapes : []);
    if (textEdit) ids.add(textEdit.id);
    return ids;
  }, [moveOffset, selection, textEdit]);

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
      selectionSize={size(selection)}
      deleteSelection={deleteSelection}
      duplicateSelection={duplicateSelection}
      unconfirmedCount={unconfirmedSelected}
      confirmCarried={confirmCarried}
      penOnly={penOnly}
      togglePenOnly={() => {
        autoPenOnlyRef.current = false;
        setPenOnly((v) => !v);
      }}
      confirmClear={confirmClear}
      setConfirmClear={setConfirmClear}
      clearAll={clearAll}
      pendingCount={pendingCount}
      zoom={{ level: view.zoom, fitted: isFit(view), in: zoomIn, out: zoomOut, fit }}
      big={touchSized}
    />
  );

  return (
    <div style={S.root} data-testid="medrec-canvas" data-read-only={readOnly ? "true" : "false"}>
      {toolbar}
      {previousUrl && (
        <PreviousVisitBar
          visit={previousVisit}
          shown={lastVisit.shown}
          onToggle={lastVisit.toggleShown}
          editable={interactive}
          picking={picking}
          onPick={() =>
            lastVisit.togglePicking(() => toolsRef.current[toolRef.current].finish(toolContext))
          }
          pickedCount={size(picked)}
          onCarry={lastVisit.carryForward}
          big={touchSized}
        />
      )}
      {pdfPage > 0 && (
        <PdfPager
          page={pdfPage}
          numPages={background.numPages}
          disabled={disabled || backgroundLocked}
          onGo={goToPage}
          buttonStyle={(pressed, off) => S.button(pressed, off, touchSized)}
        />
      )}
      {shownState === "error" && (
        <div style={S.error} role="alert" data-testid="canvas-error">
          The drawing could not be loaded ({loadError}).{" "}
          <button type="button" onClick={retry}>
            Retry
          </button>
        </div>
      )}
      <div
        ref={containerRef}
        data-testid="canvas-stage"
        data-state={shownState}
        data-background={background.status}
        data-background-page={background.page}
        data-previous={lastVisit.shown ? previousVisit.status : "hidden"}
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
            scaleX={zoomScale}
            scaleY={zoomScale}
            x={-view.x * zoomScale}
            y={-view.y * zoomScale}
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
            {lastVisit.shown && previousVisit.status === "ready" && (
              <GhostLayer
                doc={previousVisit.doc}
                picked={picked}
                stageSize={stageSize}
                pixelRatio={cachePixelRatio(stageSize, scale * dpr)}
                zoomScale={zoomScale}
              />
            )}
            {layers.below.map((layer, i) => (
              <ReadOnlyLayer key={`below${i}`} drawing={layer.drawing} tint={layer.tint} />
            ))}
            <StrokesLayer
              lines={doc.lines}
              stageSize={stageSize}
              scale={scale}
              dpr={dpr}
              view={view}
              settled={settled}
              eraserRef={liveEraserRef}
            />
            <LiveLayer lineRef={liveLineRef} />
            <Layer listening={interactive && tool === "select" && !picking}>
              <ShapesList
                shapes={doc.shapes}
                hiddenIds={hiddenShapeIds}
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
            <CarriedLabels marks={carriedMarks} zoomScale={zoomScale} />
            {layers.above.map((layer, i) => (
              <ReadOnlyLayer key={`above${i}`} drawing={layer.drawing} tint={layer.tint} />
            ))}
            <SelectionLayer
              selected={selected}
              box={selectedShape && !moveOffset ? null : selectionBox}
              moveOffset={moveOffset}
              lasso={lasso}
              zoomScale={zoomScale}
            />
            <Layer listening={false}>{draft && <ShapeNode shape={draft} />}</Layer>
          </Stage>
        )}
        {textEdit && scale > 0 && (
          <TextEditor
            edit={textEdit}
            toScreen={(p) => toScreen(view, scale, p)}
            scale={zoomScale}
            maxChars={limits.maxTextChars}
            onChange={(value) => setTextEdit((t) => (t ? { ...t, value } : t))}
            onFinish={finishTextEdit}
          />
        )}
      </div>
    </div>
  );
}

export default MedrecCanvas;
