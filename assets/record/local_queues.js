/*
 * What a record's page keeps in localStorage until the server has it: the one place
 * that names the keys and formats, for the canvas (assets/canvas/) and UnloadFlush.
 *
 * - "medrec:pending:" + canvasKey: the canvas's unacknowledged operations, a JSON list
 *   of entries {op, sentAt, tries, seq}, oldest first.
 * - "medrec:background-request:" + canvasKey: the nonce of the last background choice
 *   the canvas emitted, so a reload does not emit it again.
 * - "medrec_form_drafts": the form's unsaved fields, written by the page's state
 *   (rx.LocalStorage, JSON inside a JSON string): {recordId: {path: setField op}}.
 *
 * Every function here swallows storage errors (quota, private mode, disabled storage):
 * the in-memory copies the callers keep still hold the work.
 */

const PENDING_PREFIX = "medrec:pending:";
const REQUEST_PREFIX = "medrec:background-request:";
export const FORM_DRAFTS_KEY = "medrec_form_drafts";

const pendingKey = (canvasKey) => PENDING_PREFIX + (canvasKey || "default");
const requestKey = (canvasKey) => REQUEST_PREFIX + (canvasKey || "default");

function storage() {
  try {
    return globalThis.localStorage || null;
  } catch (_err) {
    return null; // a sandboxed frame throws on the property itself
  }
}

/** The parsed value at `key`, unwrapping a JSON string inside; null when unreadable. */
export function readJson(key) {
  try {
    let value = JSON.parse(storage()?.getItem(key) || "null");
    if (typeof value === "string") value = JSON.parse(value);
    return value;
  } catch (_err) {
    return null;
  }
}

/** The canvas's queued entries, oldest first; malformed entries are left out. */
export function readPending(canvasKey) {
  const list = readJson(pendingKey(canvasKey));
  return Array.isArray(list) ? list.filter((e) => typeof e?.op?.opId === "string") : [];
}

/** Store the queue (an empty one removes the key); false when storage refused it. */
export function writePending(canvasKey, entries) {
  const store = storage();
  if (!store) return false;
  try {
    if (entries.length) store.setItem(pendingKey(canvasKey), JSON.stringify(entries));
    else store.removeItem(pendingKey(canvasKey));
    return true;
  } catch (_err) {
    return false;
  }
}

export function requestDone(canvasKey, nonce) {
  try {
    return storage()?.getItem(requestKey(canvasKey)) === nonce;
  } catch (_err) {
    return false;
  }
}

export function markRequestDone(canvasKey, nonce) {
  try {
    storage()?.setItem(requestKey(canvasKey), nonce);
  } catch (_err) {
    /* storage full or disabled: the canvas's in-memory guard still holds for this page */
  }
}

/** Every operation of the record not yet saved: the form's fields, then the canvas's. */
export function unsavedOps(recordId, canvasKey) {
  const drafts = readJson(FORM_DRAFTS_KEY);
  const fields = drafts?.[String(recordId)];
  const formOps = fields && typeof fields === "object" ? Object.values(fields) : [];
  const canvasOps = readPending(canvasKey).map((e) => e.op);
  return [...formOps, ...canvasOps].filter((op) => typeof op?.opId === "string");
}
