/*
 * The view: how much of the document the stage shows and where. Session state only:
 * zooming and panning never change a stored coordinate.
 *
 * A view is {zoom, x, y}: the zoom over "fit" (the whole document across the stage's
 * width; 1 to MAX_ZOOM) and the document point at the stage's top-left corner. Keeping
 * that corner in document units lets the stage resize without the view moving.
 * `scale` is the fit scale (screen px per document unit at zoom 1); screen points are
 * relative to the stage's top-left corner. Pure.
 */
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 8;
export const BUTTON_STEP = 1.5;
export const FIT = Object.freeze({ zoom: 1, x: 0, y: 0 });

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/** The view kept inside the document: no zoom past the limits, no pan past its edges. */
export function clampView(view, size) {
  const zoom = clamp(view.zoom, MIN_ZOOM, MAX_ZOOM);
  return {
    zoom,
    x: clamp(view.x, 0, size.width - size.width / zoom),
    y: clamp(view.y, 0, size.height - size.height / zoom),
  };
}

/** Screen px per document unit. */
export const viewScale = (view, scale) => scale * view.zoom;

/** The document point under a screen point (unrounded). */
export function toDocument(view, scale, screen) {
  const k = viewScale(view, scale);
  return { x: view.x + screen.x / k, y: view.y + screen.y / k };
}

/** The screen point of a document point. */
export function toScreen(view, scale, p) {
  const k = viewScale(view, scale);
  return { x: (p.x - view.x) * k, y: (p.y - view.y) * k };
}

/** Zoom by `factor`, the document point under `anchor` (a screen point) staying put. */
export function zoomAt(view, factor, anchor, scale, size) {
  const zoom = clamp(view.zoom * factor, MIN_ZOOM, MAX_ZOOM);
  const fixed = toDocument(view, scale, anchor);
  const k = scale * zoom;
  return clampView({ zoom, x: fixed.x - anchor.x / k, y: fixed.y - anchor.y / k }, size);
}

/** Zoom by `factor` about the middle of the stage (the zoom buttons and keys). */
export function zoomCentred(view, factor, scale, size) {
  const anchor = { x: (size.width * scale) / 2, y: (size.height * scale) / 2 };
  return zoomAt(view, factor, anchor, scale, size);
}

/** Move the view with a drag of (dx, dy) screen px: the document follows the pointer. */
export function panBy(view, dx, dy, scale, size) {
  const k = viewScale(view, scale);
  return clampView({ zoom: view.zoom, x: view.x - dx / k, y: view.y - dy / k }, size);
}

const middle = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * The view during a two-finger pinch that began at `startView` with the fingers at
 * `from` ([a, b], screen points) and has them now at `to`: the document point that was
 * between the fingers stays between them, zoomed by how far they spread.
 */
export function pinchView(startView, from, to, scale, size) {
  const d0 = distance(from[0], from[1]);
  const factor = d0 > 0 ? distance(to[0], to[1]) / d0 : 1;
  const zoom = clamp(startView.zoom * factor, MIN_ZOOM, MAX_ZOOM);
  const fixed = toDocument(startView, scale, middle(from[0], from[1]));
  const now = middle(to[0], to[1]);
  const k = scale * zoom;
  return clampView({ zoom, x: fixed.x - now.x / k, y: fixed.y - now.y / k }, size);
}

/**
 * The zoom factor of one wheel event: a mouse notch (100 px) is about 1.4x, a trackpad
 * pinch (Chrome sends it as Ctrl+wheel, a few px per event) is smooth.
 */
export function wheelFactor(deltaY, deltaMode) {
  const px = deltaMode === 1 ? deltaY * 16 : deltaY; // DOM_DELTA_LINE
  return 2 ** (-clamp(px, -50, 50) / 100);
}

/** The document rectangle a view shows. */
export function viewport(view, size) {
  return { x: view.x, y: view.y, width: size.width / view.zoom, height: size.height / view.zoom };
}

export const sameView = (a, b) => a.zoom === b.zoom && a.x === b.x && a.y === b.y;

/** Whether a view shows the whole document. */
export const isFit = (view) => view.zoom === 1 && view.x === 0 && view.y === 0;
