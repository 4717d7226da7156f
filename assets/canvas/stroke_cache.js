/*
 * Finished strokes are drawn from one bitmap (the "base") plus, on top, up to
 * RECENT_MAX recent strokes, from a bitmap of their own at fit and as lines while the
 * view is zoomed (or when one is an eraser's). When the tail is full its older half is
 * painted onto the bitmap, which is painted afresh only when an older stroke changes
 * (moved, recoloured, deleted, undone): finishing a stroke stays cheap on a
 * 10,000-stroke drawing, and so does undoing one of the last ones.
 *
 * The base bitmap has the screen's resolution at fit and is never redrawn for a zoom:
 * while the view moves it is shown scaled (soft when zoomed in). Once the view settles
 * zoomed in, a second bitmap of just the part in sight, at the screen's resolution, is
 * painted from the strokes in sight only (visibleLines) and shown instead. A bitmap at
 * the screen's resolution is copied onto whole screen pixels (blitPlacement): a copy
 * scaled by even a fraction of a pixel is filtered, five times the work.
 */
export const RECENT_MAX = 32;
// The base bitmap stays under 8 million pixels (32 MB), even for a large stage on a
// high-density screen; past that it is drawn a little soft.
export const MAX_CACHE_PIXELS = 8_000_000;

/** The bitmap's pixels per document unit: the screen's, within MAX_CACHE_PIXELS. */
export function cachePixelRatio(stageSize, screenRatio) {
  const fits = Math.sqrt(MAX_CACHE_PIXELS / (stageSize.width * stageSize.height));
  return Math.min(screenRatio, fits);
}

/**
 * The resolution a bitmap keeps when the screen's `wanted` one changes a little: a few
 * pixels of width (a scrollbar, a resized window) would otherwise repaint every stroke.
 * Kept while it is no more than 10 % softer or 50 % sharper than wanted.
 */
export function keptRatio(current, wanted) {
  return current > 0 && current >= wanted * 0.9 && current <= wanted * 1.5 ? current : wanted;
}

/**
 * {baseLines, recentLines}: `previousBase` is kept (same array, so its bitmap stays)
 * while it is still the unchanged start of `lines` (compared by reference) and the tail
 * after it is no longer than `recentMax`. A longer tail has its older half added to
 * the base (startsWith holds: the bitmap is painted on, not afresh). After a change
 * before the tail, a drawing of no more than `recentMax` strokes is all tail (a bitmap
 * of the whole stage costs more to draw than a few lines), a longer one all base.
 */
export function splitLines(lines, previousBase, recentMax = RECENT_MAX) {
  let base = startsWith(lines, previousBase) ? previousBase : [];
  if (lines.length - base.length > recentMax) {
    base = base.length ? lines.slice(0, lines.length - Math.ceil(recentMax / 2)) : lines.slice();
  }
  return { baseLines: base, recentLines: lines.slice(base.length) };
}

/** Whether `lines` begins with every element of `start`, in order (by reference). */
export function startsWith(lines, start) {
  if (start.length > lines.length) return false;
  for (let i = 0; i < start.length; i++) if (lines[i] !== start[i]) return false;
  return true;
}

/**
 * How a bitmap that shows `painted` over `rect` at `ratio` (device pixels per document
 * unit) comes to show `lines` over `rect` at `ratio`: "keep", "append" (paint
 * `lines.slice(painted.length)` on it), "repaint" (a new bitmap) or "clear" (none).
 */
export function bitmapPlan(bitmap, lines, rect, ratio) {
  if (!lines.length || !(ratio > 0) || !(rect.width > 0) || !(rect.height > 0)) return "clear";
  const same = bitmap && bitmap.ratio === ratio && sameRect(bitmap.rect, rect);
  if (!same || !startsWith(lines, bitmap.lines)) return "repaint";
  return lines.length === bitmap.lines.length ? "keep" : "append";
}

const sameRect = (a, b) =>
  a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;

/** A bitmap's size in pixels for `rect` at `ratio`. */
export function bitmapSize(rect, ratio) {
  return {
    width: Math.max(1, Math.ceil(rect.width * ratio)),
    height: Math.max(1, Math.ceil(rect.height * ratio)),
  };
}

/**
 * Where a bitmap of `rect` at `ratio` lands on the screen under the device transform
 * `m` ({a, d, e, f}: scale and offset, no rotation), `size` its pixels ({width,
 * height}, the canvas itself will do): `exact` when it is at the screen's own
 * resolution, then on whole pixels; otherwise scaled to its place.
 */
export function blitPlacement(m, rect, ratio, size) {
  const x = m.a * rect.x + m.e;
  const y = m.d * rect.y + m.f;
  const sx = m.a / ratio;
  const sy = m.d / ratio;
  const exact = Math.abs(sx - 1) < 1e-6 && Math.abs(sy - 1) < 1e-6;
  if (exact)
    return { exact, x: Math.round(x), y: Math.round(y), width: size.width, height: size.height };
  return { exact, x, y, width: size.width * sx, height: size.height * sy };
}

/** The whole document as a rectangle. */
export const wholeDocument = (stageSize) => ({ x: 0, y: 0, ...stageSize });

function overlaps(box, rect) {
  return (
    !!box &&
    box.x <= rect.x + rect.width &&
    box.x + box.width >= rect.x &&
    box.y <= rect.y + rect.height &&
    box.y + box.height >= rect.y
  );
}

/** The lines whose bounds (`boxes`, one per line) meet `rect`, in drawing order. */
export function visibleLines(lines, boxes, rect) {
  return lines.filter((_line, i) => overlaps(boxes[i], rect));
}
