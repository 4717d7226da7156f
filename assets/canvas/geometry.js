/*
 * Point arrays as the server stores them: the same rounding and simplification as
 * medrec_app/domain/geometry.py, step for step, so a stroke the browser shows is the
 * stroke the server keeps. The golden fixtures in tests/fixtures/edits/ hold both to it.
 *
 * Both sides compute in IEEE doubles in the same order. Python's integers are exact where
 * doubles round, so the two could differ in the last bit for coordinates beyond about
 * 10^4 whose squared cross products pass 2^53; on the default 800x600 stage they cannot.
 */

/** `value` rounded to `ndigits` decimals as Python's round() does: ties go to even. */
export function roundHalfEven(value, ndigits) {
  if (!isExactTie(value, ndigits)) return Number(value.toFixed(ndigits)) + 0; // no -0
  const scale = 10 ** ndigits;
  const down = Math.floor(value * scale); // exact: a tie times 10^n is a half-integer
  return (down % 2 === 0 ? down : down + 1) / scale + 0;
}

/**
 * True when `value` is exactly halfway between two `ndigits`-decimal numbers. Such a
 * double is an odd multiple of 2^-(ndigits+1) (0.125, 0.375, ... for two decimals), which
 * scaling by powers of two tests exactly. Otherwise toFixed() rounds the exact value
 * correctly, as Python does.
 */
function isExactTie(value, ndigits) {
  return Number.isInteger(value * 2 ** (ndigits + 1)) && !Number.isInteger(value * 2 ** ndigits);
}

/** Every value rounded to `ndigits` decimals (0.01 px by default). */
export function roundPoints(points, ndigits = 2) {
  return points.map((v) => roundHalfEven(v, ndigits));
}

const BALANCE_FROM = 32;

/** The point strictly between `first` and `last` farthest from their segment, squared. */
function farthest(xs, ys, first, last) {
  const ax = xs[first];
  const ay = ys[first];
  const dx = xs[last] - ax;
  const dy = ys[last] - ay;
  const lengthSq = dx * dx + dy * dy;
  let worst = -1;
  let worstIndex = -1;
  for (let i = first + 1; i < last; i++) {
    const px = xs[i] - ax;
    const py = ys[i] - ay;
    const along = px * dx + py * dy;
    let distanceSq;
    if (along <= 0 || !lengthSq) {
      distanceSq = px * px + py * py;
    } else if (along >= lengthSq) {
      const qx = px - dx;
      const qy = py - dy;
      distanceSq = qx * qx + qy * qy;
    } else {
      const cross = px * dy - py * dx;
      distanceSq = (cross * cross) / lengthSq;
    }
    if (distanceSq > worst) {
      worst = distanceSq;
      worstIndex = i;
    }
  }
  return [worst, worstIndex];
}

/** Ramer-Douglas-Peucker within `tolerance` px, balanced (see geometry.py for why). */
export function simplifyPoints(points, tolerance = 0.5) {
  const count = points.length / 2;
  if (points.length % 2 || count < 3) return points.slice();
  const xs = new Array(count);
  const ys = new Array(count);
  for (let i = 0; i < count; i++) {
    xs[i] = points[2 * i];
    ys[i] = points[2 * i + 1];
  }
  const toleranceSq = tolerance * tolerance;
  const keep = new Array(count).fill(false);
  keep[0] = true;
  keep[count - 1] = true;
  const stack = [[0, count - 1]];
  while (stack.length) {
    const [first, last] = stack.pop();
    let [worst, split] = farthest(xs, ys, first, last);
    if (worst <= toleranceSq) continue;
    const span = last - first;
    if (span > BALANCE_FROM) {
      split = Math.min(Math.max(split, first + Math.floor(span / 4)), last - Math.floor(span / 4));
    }
    keep[split] = true;
    stack.push([first, split]);
    stack.push([split, last]);
  }
  const out = [];
  for (let i = 0; i < count; i++) if (keep[i]) out.push(xs[i], ys[i]);
  return out;
}
