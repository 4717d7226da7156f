/*
 * useView: zoom and pan of one canvas (view.js), driven by the gestures (gestures.js),
 * the wheel, the space bar and the zoom buttons and keys. Session state only.
 *
 * Pointer events are looked at on the stage's container in the capture phase, before
 * Konva's own listeners: an event a gesture takes never reaches a tool. Ctrl/Cmd + wheel
 * (and a trackpad pinch, which Chrome sends as one) zooms about the pointer; the plain
 * wheel pans a zoomed view and scrolls the page otherwise.
 *
 * `settled` follows the view a moment after it stops moving: the strokes in sight and a
 * PDF page are redrawn sharp for it once, not on every wheel step or pan move.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { createGestures } from "./gestures.js";
import { isTypingTarget } from "./keyboard.js";
import {
  BUTTON_STEP,
  clampView,
  FIT,
  panBy,
  toDocument,
  wheelFactor,
  zoomAt,
  zoomCentred,
} from "./view.js";

const SETTLE_MS = 200;

function localPoint(el, evt) {
  const rect = el.getBoundingClientRect();
  return {
    x: evt.clientX - rect.left - (el.clientLeft || 0),
    y: evt.clientY - rect.top - (el.clientTop || 0),
  };
}

/**
 * `gestureEnv()` gives what the gestures need from the canvas at the moment an event
 * arrives: {penOnly, drawingWith}; `onGesture({cancelTool, undo})` acts on their word.
 */
export function useView({ containerRef, size, scale, resetKey, gestureEnv, onGesture }) {
  const [view, setViewState] = useState(FIT);
  const [settled, setSettled] = useState(FIT);
  const [spaceHeld, setSpaceHeld] = useState(false);
  const [panning, setPanning] = useState(false);
  const viewRef = useRef(view);
  const gesturesRef = useRef(null);
  if (!gesturesRef.current) gesturesRef.current = createGestures();

  const live = useRef({});
  live.current = { size, scale, spaceHeld, panning, gestureEnv, onGesture };

  // Gestures arrive at up to 240 Hz: the view is rendered at most once a frame.
  const frameRef = useRef(0);
  const setView = useCallback((next) => {
    viewRef.current = next;
    if (frameRef.current) return;
    frameRef.current = window.requestAnimationFrame(() => {
      frameRef.current = 0;
      setViewState(viewRef.current);
    });
  }, []);
  useEffect(() => () => window.cancelAnimationFrame(frameRef.current), []);

  // Another record opens at fit; a new document size keeps the view inside it.
  useEffect(() => {
    setView(FIT);
    gesturesRef.current.reset();
  }, [resetKey, setView]);
  useEffect(() => {
    setView(clampView(viewRef.current, size));
  }, [size, setView]);

  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(view), SETTLE_MS);
    return () => window.clearTimeout(timer);
  }, [view]);

  const zoomBy = useCallback(
    (factor) => {
      const { scale: s, size: z } = live.current;
      if (s > 0) setView(zoomCentred(viewRef.current, factor, s, z));
    },
    [setView],
  );
  const zoomIn = useCallback(() => zoomBy(BUTTON_STEP), [zoomBy]);
  const zoomOut = useCallback(() => zoomBy(1 / BUTTON_STEP), [zoomBy]);
  const fit = useCallback(() => setView(FIT), [setView]);

  useEffect(() => {
    const el = containerRef.current;
    if (!el) return undefined;
    const gestures = gesturesRef.current;
    const onPointer = (type) => (evt) => {
      const { scale: s, size: z, spaceHeld: space, gestureEnv: env, onGesture: act } = live.current;
      if (!(s > 0)) return;
      const p = localPoint(el, evt);
      const answer = gestures.handle(
        {
          type,
          pointerId: evt.pointerId,
          pointerType: evt.pointerType,
          button: evt.button,
          x: p.x,
          y: p.y,
          time: evt.timeStamp,
        },
        { view: viewRef.current, scale: s, size: z, spaceHeld: space, ...env() },
      );
      if (answer.view) setView(answer.view);
      if (answer.cancelTool || answer.undo) act(answer);
      const active = gestures.active();
      if (active !== live.current.panning) setPanning(active);
      if (answer.take) {
        evt.stopPropagation();
        if (type === "down") {
          try {
            el.setPointerCapture(evt.pointerId);
          } catch (_err) {
            /* not capturable: a drag off the stage ends there */
          }
        }
      }
    };
    const handlers = {
      pointerdown: onPointer("down"),
      pointermove: onPointer("move"),
      pointerup: onPointer("up"),
      pointercancel: onPointer("cancel"),
    };
    const onWheel = (evt) => {
      const { scale: s, size: z } = live.current;
      if (!(s > 0)) return;
      const current = viewRef.current;
      if (evt.ctrlKey || evt.metaKey) {
        evt.preventDefault();
        const factor = wheelFactor(evt.deltaY, evt.deltaMode);
        setView(zoomAt(current, factor, localPoint(el, evt), s, z));
      } else if (current.zoom > 1) {
        evt.preventDefault();
        const dx = evt.shiftKey ? evt.deltaY : evt.deltaX;
        const dy = evt.shiftKey ? 0 : evt.deltaY;
        setView(panBy(current, -dx, -dy, s, z));
      }
    };
    for (const [name, fn] of Object.entries(handlers)) el.addEventListener(name, fn, true);
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => {
      for (const [name, fn] of Object.entries(handlers)) el.removeEventListener(name, fn, true);
      el.removeEventListener("wheel", onWheel);
    };
  }, [containerRef, setView]);

  // Space held over the canvas (or, zoomed in, with nothing else focused) pans.
  useEffect(() => {
    const takesSpace = (evt) => {
      const el = containerRef.current;
      if (evt.code !== "Space" || !el || isTypingTarget(evt.target)) return false;
      // A focused control keeps its space bar (a button presses with it).
      if (evt.target !== document.body && !el.contains(evt.target)) return false;
      return el.contains(evt.target) || el.matches(":hover") || viewRef.current.zoom > 1;
    };
    const onDown = (evt) => {
      if (!takesSpace(evt)) return;
      evt.preventDefault(); // no page scroll
      setSpaceHeld(true);
    };
    const onUp = (evt) => {
      if (evt.code === "Space") setSpaceHeld(false);
    };
    const onBlur = () => setSpaceHeld(false);
    window.addEventListener("keydown", onDown);
    window.addEventListener("keyup", onUp);
    window.addEventListener("blur", onBlur);
    return () => {
      window.removeEventListener("keydown", onDown);
      window.removeEventListener("keyup", onUp);
      window.removeEventListener("blur", onBlur);
    };
  }, [containerRef]);

  /** The document point under a pointer event (unrounded), or null before sizing. */
  const documentPoint = useCallback(
    (evt) => {
      const el = containerRef.current;
      const s = live.current.scale;
      if (!el || !(s > 0)) return null;
      return toDocument(viewRef.current, s, localPoint(el, evt));
    },
    [containerRef],
  );

  return {
    view,
    settled,
    spaceHeld,
    panning,
    zoomIn,
    zoomOut,
    fit,
    documentPoint,
  };
}

/** The element's width in CSS px, following resizes (0 before it is laid out). */
export function useWidth(ref) {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const measure = () => setWidth(el.clientWidth);
    measure();
    if (typeof ResizeObserver === "undefined") {
      window.addEventListener("resize", measure);
      return () => window.removeEventListener("resize", measure);
    }
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
