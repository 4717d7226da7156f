/*
 * MedrecCanvas: the drawing canvas of a medical record (react-konva).
 *
 * It renders and handles pointers only; it never decides what is saved. Every change
 * becomes an *operation* (document.js) handed to the server through `onOps`, with `opId`
 * and `at` (when the change was made, ms since the epoch).
 *
 * This component composes; each part lives in its own module. use_document.js holds
 * the saved document, its loading, the queue that gets every op to the server and undo.
 * Session state is kept apart from it: the tool (use_tools.js, tools/: small state
 * machines), colour and width (use_style.js), the selection (use_selection.js), a shape
 * or text edited in place (use_shape_edits.js), zoom and pan (use_view.js), which
 * pointers draw (use_pointers.js), the keys (use_keys.js), the last visit
 * (use_last_visit.js) and the background (background.jsx). Coordinates are always the
 * document's stage coordinates (stageSize, default 800x600); the stage is only scaled
 * and moved for display (view.js).
 *
 * Props: recordKey, documentUrl, backgroundUrl (the template's image, shown when the
 * drawing names no file), fileBackgroundId + fileBackgroundType + fileBackgroundUrl (a
 * short-lived link the page holds for that file, "image" or "pdf"), backgroundRequest
 * (JSON {nonce, op}: a setBackground op chosen on the page, emitted once per nonce),
 * readOnly, ackedOpIds, reloadRequest (a new value reloads the stored drawing: the page
 * had changes refused), limits (required, the server's own: maxBatchOps, maxPointsPerLine,
 * maxTextChars, maxStrokeWidth, maxLines, maxShapes, maxTotalPoints: a change past the
 * last three is not made, and the canvas says why), layersUrl, previousUrl (the last visit, previous_visit.jsx),
 * lockedColor, backgroundLocked, onOps,
 * onBackgroundNeeded(fileId) (asks the page for a link), onPendingChange(pending) (whether
 * any change is not yet acknowledged: the page will not sign while one is). See
 * background.jsx and medrec_app/components/canvas.py.
 */
import React, { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Image as KonvaImage, Layer, Stage } from "react-konva";
import { PdfPager, useBackground, useBackgroundChanges } from "./background.jsx";
import { clearChange, textEditChange } from "./changes.js";
import { stageCursor } from "./input.js";
import { CarriedLabels, GhostLayer, PreviousVisitBar } from "./previous_visit.jsx";
import { sameProps } from "./same_props.js";
import { size } from "./selection.js";
import { SelectionMarks } from "./selection_marks.jsx";
import { ReadOnlyLayer, ShapeNode, ShapesList, ShapeTransformer } from "./shapes.jsx";
import { LiveLayer, StrokesLayer, useBitmapRatio, useLiveStroke } from "./strokes_layer.jsx";
import { S } from "./styles.js";
import { TextEditor } from "./text_editor.jsx";
import { Toolbar } from "./toolbar.jsx";
import { useTouchSized } from "./touch_size.js";
import { useDocument, useLayers } from "./use_document.js";
import { useCanvasKeys } from "./use_keys.js";
import { useCarried, useLastVisit } from "./use_last_visit.js";
import { stageHandlers, usePenMode } from "./use_pointers.js";
import { useSelection } from "./use_selection.js";
import { useTextEdit, useTransformer } from "./use_shape_edits.js";
import { useStyle } from "./use_style.js";
import { useTools } from "./use_tools.js";
import { useView, useWidth } from "./use_view.js";
import { isFit, toScreen } from "./view.js";

// A PDF page is drawn at most 4x the document's size, however far the view zooms in.
const MAX_PDF_RATIO = 4;

export const MedrecCanvas = memo(function MedrecCanvas({
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
  const [moveOffset, setMoveOffset] = useState(null); // {dx, dy} while a selection is dragged
  const [lasso, setLasso] = useState(null); // [x0, y0, ...] while a lasso is drawn
  const [draft, setDraft] = useState(null); // a shape being dragged out
  const [confirmClear, setConfirmClear] = useState(false);
  const touchSized = useTouchSized();
  const containerRef = useRef(null);
  const stageRef = useRef(null);
  const transformerRef = useRef(null);
  const textEditRef = useRef(null);
  const contextRef = useRef(null); // the active tool's context, for handlers between renders
  const { tools, toolRef, finishCurrent, resetAll } = useTools({ tool, contextRef });
  const live = useLiveStroke();
  const pen = usePenMode();

  /** The document goes away: keep what the gesture and the text being typed made. */
  const onLeave = useCallback(
    (commitQuietly) => {
      finishCurrent({ ...contextRef.current, commit: commitQuietly });
      const edit = textEditRef.current;
      if (edit) commitQuietly(textEditChange(edit, limits.maxTextChars));
    },
    [finishCurrent, limits.maxTextChars],
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
    tooBig,
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
  const interactive = !readOnly && loadState === "ready";
  const documentKey = `${recordKey} ${documentUrl}`;

  const stageSize = doc.stageSize;
  const containerWidth = useWidth(containerRef);
  const scale = containerWidth > 0 ? containerWidth / stageSize.width : 0;
  const dpr = typeof window !== "undefined" ? window.devicePixelRatio || 1 : 1;
  const fitRatio = useBitmapRatio(stageSize, scale * dpr);

  // The tool that gets the pointers: picking from the last visit runs the pick tool.
  const activeTool = () => tools[lastVisit.pickingRef.current ? "pick" : toolRef.current];
  const { view, settled, spaceHeld, panning, zoomIn, zoomOut, fit, documentPoint } = useView({
    containerRef,
    size: stageSize,
    scale,
    resetKey: recordKey,
    gestureEnv: () => ({
      penOnly: pen.penOnly,
      drawingWith: activeTool().busy() ? pen.drawingWithRef.current : null,
    }),
    onGesture: ({ cancelTool, undo: undoNow }) => {
      if (cancelTool) activeTool().reset(contextRef.current);
      if (undoNow && interactive) undo();
    },
  });
  const zoomScale = scale * view.zoom;

  const selection = useSelection({ doc, docRef, tool, documentKey, commit });
  const { select, deselect } = selection;
  const carried = useCarried({
    doc,
    docRef,
    selection: selection.selection,
    selectionRef: selection.selectionRef,
    commit,
  });
  const { lines: selectedLines, shapes: selectedShapes } = selection.selected;
  const marksShown =
    carried.marks.length + selectedLines.length + selectedShapes.length > 0 || !!lasso || !!draft;
  const undo = useCallback(() => undoChange() && deselect(), [undoChange, deselect]);
  const redo = useCallback(() => redoChange() && deselect(), [redoChange, deselect]);
  const style = useStyle({
    lockedColor,
    tool,
    selected: selection.selected,
    selectionRef: selection.selectionRef,
    docRef,
    commit,
  });
  const edits = useTextEdit({
    docRef,
    commit,
    maxTextChars: limits.maxTextChars,
    editable: !readOnly && tool === "select",
    interactive,
    documentKey,
    textEditRef,
  });
  const { textEdit } = edits;
  // The transformer holds the one shape selected alone, unless it is moved or typed in.
  const handled = selection.shape;
  const onTransformEnd = useTransformer({
    stageRef,
    transformerRef,
    shape:
      handled && tool === "select" && interactive && !moveOffset && textEdit?.id !== handled.id
        ? handled
        : null,
    docRef,
    commit,
    maxStrokeWidth: limits.maxStrokeWidth,
  });

  const clearAll = useCallback(() => {
    setConfirmClear(false);
    const change = clearChange(docRef.current);
    if (!change) return;
    deselect();
    commit(change);
  }, [docRef, commit, deselect]);

  // What the tools may do (tools/index.js); rebuilt each render, read when they act.
  const toolContext = {
    style: style.style,
    limits,
    commit,
    showLive: live.showLive,
    showDraft: setDraft,
    startTextEdit: (shape) => edits.startTextEdit(shape, true),
    doc: () => docRef.current,
    selection: () => selection.selectionRef.current,
    select,
    showMove: setMoveOffset,
    showLasso: setLasso,
  };
  const lastVisit = useLastVisit({
    url: previousUrl,
    interactive,
    pickTool: tools.pick,
    toolContext,
    commit,
    onCarried: (copies) => {
      setTool("select");
      select(copies);
    },
  });
  const { visit: previousVisit, picking, picked } = lastVisit;
  const activeContext = picking ? lastVisit.pickContext : toolContext;
  contextRef.current = activeContext;

  // Leaving read-only mode mid-gesture, or losing the document, drops the gesture.
  useEffect(() => {
    if (interactive) return;
    resetAll();
    setConfirmClear(false);
  }, [interactive, resetAll]);

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
  const goToPage = useBackgroundChanges({
    request: backgroundRequest,
    editable: interactive,
    recordKey,
    docRef,
    numPages: background.numPages,
    commit,
  });
  const pdfPage = doc.backgroundType === "pdf" ? doc.pdfPageNumber || 1 : 0;

  useCanvasKeys({
    state: {
      interactive,
      editingText: !!textEdit,
      hasSelection: size(selection.selection) > 0,
      tool,
    },
    setTool,
    nudge: selection.nudgeSelection,
    undo,
    redo,
    delete: selection.deleteSelection,
    duplicate: selection.duplicateSelection,
    selectAll: selection.selectAll,
    deselect,
    zoomIn,
    zoomOut,
    fit,
  });

  const handlers = stageHandlers({
    activeTool,
    context: activeContext,
    canDraw: interactive && !textEdit,
    pen,
    documentPoint,
  });

  // Shapes being moved are shown at the pointer instead; a text being typed in its editor.
  const hiddenShapeIds = useMemo(() => {
    const ids = new Set(moveOffset ? selection.selection.shapes : []);
    if (textEdit) ids.add(textEdit.id);
    return ids;
  }, [moveOffset, selection.selection, textEdit]);

  const disabled = !interactive;
  const selectedCount = size(selection.selection);
  return (
    <div style={S.root} data-testid="medrec-canvas" data-read-only={readOnly ? "true" : "false"}>
      <Toolbar
        tool={tool}
        setTool={setTool}
        disabled={disabled}
        lockedColor={lockedColor}
        style={style}
        history={{ sizes: historySizes, undo, redo }}
        selection={{
          size: selectedCount,
          remove: selection.deleteSelection,
          duplicate: selection.duplicateSelection,
          unconfirmed: carried.selected,
          confirm: carried.confirm,
        }}
        pen={{ only: pen.penOnly, toggle: pen.togglePenOnly }}
        clear={{ asking: confirmClear, ask: setConfirmClear, run: clearAll }}
        zoom={{ level: view.zoom, fitted: isFit(view), in: zoomIn, out: zoomOut, fit }}
        pendingCount={pendingCount}
        big={touchSized}
      />
      {previousUrl && (
        <PreviousVisitBar
          visit={previousVisit}
          shown={lastVisit.shown}
          onToggle={lastVisit.toggleShown}
          editable={interactive}
          picking={picking}
          onPick={() => lastVisit.togglePicking(() => finishCurrent(toolContext))}
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
      {tooBig && interactive && (
        <div style={S.error} role="alert" data-testid="canvas-full">
          {tooBig}
        </div>
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
        style={{
          ...S.stage(interactive ? "none" : "auto"),
          cursor: stageCursor({ panning, spaceHeld, interactive, tool }),
        }}
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
            {...handlers}
          >
            {background.image && background.box && (
              <Layer listening={false}>
                <KonvaImage image={background.image} {...background.box} listening={false} />
              </Layer>
            )}
            {lastVisit.shown && previousVisit.status === "ready" && (
              <GhostLayer
                doc={previousVisit.doc}
                picked={picked}
                stageSize={stageSize}
                pixelRatio={fitRatio}
                zoomScale={zoomScale}
              />
            )}
            {layers.below.map((layer, i) => (
              <ReadOnlyLayer key={`below${i}`} drawing={layer.drawing} tint={layer.tint} />
            ))}
            <StrokesLayer
              lines={doc.lines}
              stageSize={stageSize}
              fitRatio={fitRatio}
              scale={scale}
              dpr={dpr}
              view={view}
              settled={settled}
              eraserRef={live.eraserRef}
            />
            <LiveLayer lineRef={live.lineRef} />
            {/* Each shown layer costs a frame its canvas's copy while anything moves (2D
                canvases without a GPU): one with nothing on it is hidden. */}
            <Layer
              listening={interactive && tool === "select" && !picking}
              visible={doc.shapes.length > 0}
            >
              <ShapesList
                shapes={doc.shapes}
                hiddenIds={hiddenShapeIds}
                onTransformEnd={onTransformEnd}
                onEditText={edits.onEditText}
              />
              <ShapeTransformer ref={transformerRef} shape={selection.shape} />
            </Layer>
            {layers.above.map((layer, i) => (
              <ReadOnlyLayer key={`above${i}`} drawing={layer.drawing} tint={layer.tint} />
            ))}
            {/* Every layer is a canvas of the stage's size: the marks share one. */}
            <Layer listening={false} visible={marksShown}>
              <CarriedLabels marks={carried.marks} zoomScale={zoomScale} />
              <SelectionMarks
                selected={selection.selected}
                box={selection.shape && !moveOffset ? null : selection.box}
                moveOffset={moveOffset}
                lasso={lasso}
                zoomScale={zoomScale}
              />
              {draft && <ShapeNode shape={draft} />}
            </Layer>
          </Stage>
        )}
        {textEdit && scale > 0 && (
          <TextEditor
            edit={textEdit}
            toScreen={(p) => toScreen(view, scale, p)}
            scale={zoomScale}
            maxChars={limits.maxTextChars}
            onChange={edits.typeText}
            onFinish={edits.finishTextEdit}
          />
        )}
      </div>
    </div>
  );
}, sameProps);

export default MedrecCanvas;
