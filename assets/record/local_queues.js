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
 * - "medrec:history:" + canvasKey: the canvas's undo and redo, so they survive a reload:
 *   {savedAt, undo: [{doOps, undoOps}], redo: [...]}, oldest first, at most
 *   MAX_HISTORY_CHARS of JSON, for the MAX_HISTORIES records last worked on. Forgotten
 *   after HISTORY_MAX_AGE_MS and whenever the sign-in page opens (ForgetHistory), so the
 *   next person at a shared computer cannot undo what the last one did; and given up
 *   whenever the pending queue needs the room, which always comes first.
 *
 * Every function here swallows storage errors (quota, private mode, disabled storage):
 * the in-memory copies the callers keep still hold the work.
 */

const PENDING_PREFIX = "medrec:pending:";
const REQUEST_PREFIX = "medrec:background-request:";
const HISTORY_PREFIX = "medrec:history:";
export const HISTORY_MAX_AGE_MS = 12 * 60 * 60 * 1000;
export const MAX_HISTORY_CHARS = 500000;
export const MAX_HISTORIES = 4;
export const FORM_DRAFTS_KEY = "medrec_form_drafts";

const pendingKey = (canvasKey) => PENDING_PREFIX + (canvasKey || "default");
const requestKey = (canvasKey) => REQUEST_PREFIX + (canvasKey || "default");
const historyKey = (canvasKey) => HISTORY_PREFIX + (canvasKey || "default");

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
  const write = () => {
    if (entries.length) store.setItem(pendingKey(canvasKey), JSON.stringify(entries));
    else store.removeItem(pendingKey(canvasKey));
  };
  try {
    write();
    return true;
  } catch (_err) {
    // Storage full: unsaved work matters more than undo.
    forgetHistories();
    try {
      write();
      return true;
    } catch (_again) {
      return false;
    }
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

const changeList = (v) =>
  Array.isArray(v)
    ? v.filter((e) => Array.isArray(e?.doOps) && Array.isArray(e?.undoOps) && e.doOps.length)
    : [];

/** The canvas's stored undo and redo ({undo, redo}), or null when none or too old. */
export function readHistory(canvasKey, now) {
  const stored = readJson(historyKey(canvasKey));
  if (!stored || typeof stored !== "object") return null;
  if (!(now - stored.savedAt < HISTORY_MAX_AGE_MS)) return null;
  return { undo: changeList(stored.undo), redo: changeList(stored.redo) };
}

/** Store undo and redo; the oldest undo entries go first when it would be too big. */
export function writeHistory(canvasKey, { undo, redo }, now) {
  const store = storage();
  if (!store) return false;
  let kept = undo;
  let json = JSON.stringify({ savedAt: now, undo: kept, redo });
  while (json.length > MAX_HISTORY_CHARS && kept.length) {
    kept = kept.slice(Math.max(1, Math.ceil(kept.length / 10)));
    json = JSON.stringify({ savedAt: now, undo: kept, redo });
  }
  try {
    const key = historyKey(canvasKey);
    if (!kept.length && !redo.length) store.removeItem(key);
    else if (json.length <= MAX_HISTORY_CHARS) store.setItem(key, json);
    else store.removeItem(key); // the redo entries alone are too big
    evictHistories(store, key);
    return true;
  } catch (_err) {
    return false; // storage full: undo still works until the page reloads
  }
}

function historyKeys(store) {
  const keys = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (key?.startsWith(HISTORY_PREFIX)) keys.push(key);
  }
  return keys;
}

/** Keep the MAX_HISTORIES newest histories, `keepKey`'s among them. */
function evictHistories(store, keepKey) {
  const others = historyKeys(store)
    .filter((k) => k !== keepKey)
    .map((k) => ({ k, at: Number(readJson(k)?.savedAt) || 0 }))
    .sort((a, b) => b.at - a.at);
  for (const { k } of others.slice(MAX_HISTORIES - 1)) store.removeItem(k);
}

/** Forget every canvas's undo and redo (the sign-in page: another person may follow). */
export function forgetHistories() {
  const store = storage();
  if (!store) return;
  try {
    for (const key of historyKeys(store)) store.removeItem(key);
  } catch (_err) {
    /* storage disabled: nothing was kept either */
  }
}
