/*
 * Finished strokes are drawn from one bitmap (the "base") plus, on top, up to
 * RECENT_MAX recent strokes drawn as vectors; the bitmap is rebuilt only when the tail
 * is full or an older stroke changes, so finishing a stroke stays cheap on a
 * 10,000-stroke drawing.
 */
export const RECENT_MAX = 64;
// The bitmap stays under 8 million pixels (32 MB) however far the view zooms in; past
// that the cached strokes are drawn a little soft until the view zooms out again.
export const MAX_CACHE_PIXELS = 8_000_000;

/** The bitmap's pixels per document unit: the screen's, within MAX_CACHE_PIXELS. */
export function cachePixelRatio(stageSize, screenRatio) {
  const fits = Math.sqrt(MAX_CACHE_PIXELS / (stageSize.width * stageSize.height));
  return Math.min(screenRatio, fits);
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

/** Draw the Konva `group` into one bitmap of the stage at `pixelRatio` (or uncached). */
export function rebuildCache(group, stageSize, pixelRatio, hasLines) {
  group.clearCache();
  if (hasLines) {
    try {
      group.cache({ x: 0, y: 0, width: stageSize.width, height: stageSize.height, pixelRatio });
    } catch (_err) {
      group.clearCache(); // drawn uncached: slower, still correct
    }
  }
  group.getLayer()?.batchDraw();
}
