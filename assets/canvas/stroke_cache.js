/*
 * Finished strokes are drawn from one bitmap (the "base") plus, on top, up to
 * RECENT_MAX recent strokes drawn as vectors; the bitmap is rebuilt only when the tail
 * is full or an older stroke changes, so finishing a stroke stays cheap on a
 * 10,000-stroke drawing.
 *
 * The base bitmap has the screen's resolution at fit and is never redrawn for a zoom:
 * while the view moves it is shown scaled (soft when zoomed in). Once the view settles
 * zoomed in, a second bitmap of just the part in sight, at the screen's resolution, is
 * painted from the strokes in sight only (visibleLines) and shown instead.
 */
export const RECENT_MAX = 64;
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
 * after it is short enough.
 */
export function splitLines(lines, previousBase, recentMax = RECENT_MAX) {
  let base = previousBase;
  let keep = base.length <= lines.length && lines.length - base.length <= recentMax;
  for (let i = 0; keep && i < base.length; i++) keep = lines[i] === base[i];
  if (!keep) base = lines.slice();
  return { baseLines: base, recentLines: lines.slice(base.length) };
}

/** The whole document as a rectangle, for rebuildCache. */
export const wholeDocument = (stageSize) => ({ x: 0, y: 0, ...stageSize });

/**
 * Draw the Konva `group` into one bitmap of the document rectangle `rect` at
 * `pixelRatio` (or leave it uncached when it has no lines).
 */
export function rebuildCache(group, rect, pixelRatio, hasLines) {
  group.clearCache();
  if (hasLines) {
    try {
      group.cache({ x: rect.x, y: rect.y, width: rect.width, height: rect.height, pixelRatio });
    } catch (_err) {
      group.clearCache(); // drawn uncached: slower, still correct
    }
  }
  group.getLayer()?.batchDraw();
}

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
