/*
 * Whether the page's new props leave the canvas as it was. The page hands every update
 * of its state to each part that reads any of it (a save's status, a form field, the
 * sign button's rule) and builds `limits` afresh each time: without this the whole
 * canvas rendered again at each message of every save.
 */
const isPlain = (value) =>
  Array.isArray(value) ||
  (value !== null &&
    typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype);

function sameShallow(a, b) {
  const keys = Object.keys(a);
  if (Array.isArray(a) !== Array.isArray(b) || keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && Object.is(a[key], b[key]));
}

/** True when every prop is the same value, or a plain object or array equal item by item. */
export function sameProps(previous, next) {
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
  for (const key of keys) {
    const a = previous[key];
    const b = next[key];
    if (Object.is(a, b)) continue;
    if (!isPlain(a) || !isPlain(b) || !sameShallow(a, b)) return false;
  }
  return true;
}
