/*
 * Pointers on the stage, after the view's gestures (use_view.js) had their look: which
 * ones draw (input.js: stylus-only mode, on by itself at the first pen event) and the
 * stage's handlers that hand them to the active tool in document coordinates.
 */
import { useCallback, useRef, useState } from "react";
import { round2 } from "./document.js";
import { pointerDecision } from "./input.js";

/** Stylus-only mode and the pointerType of the stroke in progress (`drawingWithRef`). */
export function usePenMode() {
  const [penOnly, setPenOnly] = useState(false);
  const autoRef = useRef(true); // the first stylus event turns pen-only mode on, once
  const drawingWithRef = useRef(null);
  const penOnlyRef = useRef(penOnly);
  penOnlyRef.current = penOnly;

  const accepts = useCallback((evt) => {
    const decision = pointerDecision(evt, {
      penOnly: penOnlyRef.current,
      autoPenOnly: autoRef.current,
    });
    if (decision.penModeOn) {
      autoRef.current = false; // after that only the toggle decides
      setPenOnly(true);
    }
    return decision.accept;
  }, []);

  const togglePenOnly = useCallback(() => {
    autoRef.current = false;
    setPenOnly((v) => !v);
  }, []);

  return { penOnly, togglePenOnly, accepts, drawingWithRef };
}

/**
 * The Stage's pointer handlers. `activeTool()` is the tool that gets the pointers (with
 * `context`), `canDraw` whether any may draw now, `documentPoint(evt)` the document
 * point under an event (use_view.js).
 */
export function stageHandlers({ activeTool, context, canDraw, pen, documentPoint }) {
  const stagePoint = (evt) => {
    const p = documentPoint(evt);
    return p && { x: round2(p.x), y: round2(p.y) };
  };
  return {
    onPointerDown: (e) => {
      const evt = e.evt;
      if (!canDraw || !pen.accepts(evt) || activeTool().busy()) return; // one at a time
      const point = stagePoint(evt);
      if (!point) return;
      const target = e.target;
      const input = {
        pointerId: evt.pointerId,
        point,
        shapeId: target?.name?.() === "medrec-shape" ? target.id() : null,
        onTransformer: target?.getParent?.()?.className === "Transformer",
        shift: evt.shiftKey,
      };
      pen.drawingWithRef.current = evt.pointerType;
      if (!input.onTransformer) {
        try {
          evt.target.setPointerCapture(evt.pointerId);
        } catch (_err) {
          /* not capturable: moves outside the stage end the stroke */
        }
      }
      activeTool().onPointerDown(context, input);
    },
    onPointerMove: (e) => {
      const evt = e.evt;
      const tool = activeTool();
      if (!tool.busy()) return;
      const coalesced =
        typeof evt.getCoalescedEvents === "function" ? evt.getCoalescedEvents() : [];
      const points = (coalesced.length ? coalesced : [evt]).map(stagePoint).filter(Boolean);
      tool.onPointerMove(context, { pointerId: evt.pointerId, points });
    },
    onPointerUp: (e) => {
      const tool = activeTool();
      if (!tool.busy()) return;
      tool.onPointerUp(context, { pointerId: e.evt.pointerId, point: stagePoint(e.evt) });
    },
    onPointerCancel: (e) => activeTool().onCancel(context, { pointerId: e.evt.pointerId }),
  };
}
