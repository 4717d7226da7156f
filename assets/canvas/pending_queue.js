/*
 * The canvas's queue of operations the server has not acknowledged: which to keep,
 * which to send again and how to cut them into batches. Pure; the canvas stores the
 * queue (assets/record/local_queues.js) before it emits, so a crash loses nothing.
 *
 * An entry is {op, sentAt, tries, seq}: `seq` orders entries across tabs that share the
 * queue, `tries` counts re-sends for the back-off.
 */

// Re-send an unacknowledged op after 3 s, then 6, 12, 24, 30, 30 ... Reflex queues
// events while its socket is down, so a fixed 3 s period would pile up copies.
export const RESEND_FIRST_MS = 3000;
export const RESEND_MAX_MS = 30000;
// One websocket message is at most 1 MB (Reflex's Socket.IO buffer): emit big batches
// in chunks well under it.
export const MAX_BATCH_CHARS = 400000;

/** Entries for freshly made ops, in the order they were made. */
export function newEntries(ops, now) {
  return ops.map((op, i) => ({ op, sentAt: now, tries: 0, seq: now + i / 1000 }));
}

/**
 * One queue from what storage holds (other tabs' entries too), what this tab holds and
 * what it adds, less the acknowledged ids; by opId, in `seq` order.
 */
export function mergeQueues(stored, held, added, removedIds) {
  const byId = new Map();
  for (const list of [stored, held, added]) for (const e of list) byId.set(e.op.opId, e);
  if (removedIds) for (const id of removedIds) byId.delete(id);
  return Array.from(byId.values()).sort((a, b) => (a.seq || 0) - (b.seq || 0));
}

/** How long an entry waits after its last send before it is sent again. */
export function resendWait(tries) {
  return Math.min(RESEND_FIRST_MS * 2 ** (tries || 0), RESEND_MAX_MS);
}

/** The ops due for a re-send at `now`, marking their entries sent (mutates them). */
export function takeDue(entries, now) {
  const due = [];
  for (const e of entries) {
    if (now - e.sentAt >= resendWait(e.tries)) {
      e.sentAt = now;
      e.tries = (e.tries || 0) + 1;
      due.push(e.op);
    }
  }
  return due;
}

/** The entries restarted as if just sent: after a reload they go out again at once. */
export function restarted(entries, now) {
  return entries.map((e) => ({ ...e, sentAt: now, tries: 0 }));
}

/** `ops` cut into batches of at most `maxOps` (0: no limit) and about `maxChars` of JSON. */
export function batches(ops, maxOps, maxChars = MAX_BATCH_CHARS) {
  const out = [];
  let batch = [];
  let size = 0;
  for (const op of ops) {
    const n = JSON.stringify(op).length;
    const full = size + n > maxChars || (maxOps > 0 && batch.length >= maxOps);
    if (batch.length && full) {
      out.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(op);
    size += n;
  }
  if (batch.length) out.push(batch);
  return out;
}

/** Whether any of `ackedIds` is in one of the queues (else there is nothing to drop). */
export function anyAcked(ackedIds, ...queues) {
  return queues.some((q) => q.some((e) => ackedIds.has(e.op.opId)));
}
