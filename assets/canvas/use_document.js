/*
 * useDocument: the saved document of one canvas and everything that gets it to the
 * server: loading (and reloading), the queue of unacknowledged operations, emitting,
 * re-sending, acknowledgements and undo/redo (kept per record in the browser, so a
 * reload keeps them too). Session state (tool, colour, selection) stays in the canvas.
 *
 * Each op is written to the browser's queue (assets/record/local_queues.js) *before* it
 * is emitted, and stays there until its opId shows up in `ackedOpIds`. Unacknowledged
 * ops are re-emitted with back-off (pending_queue.js) and, after a reload, re-applied
 * on top of the fetched document and re-emitted, so work survives a lost socket, a
 * backend restart or a crash. The server treats ops idempotently (by opId).
 *
 * When the document goes away (another record, the canvas unmounted) the canvas's
 * `onLeave(commitQuietly)` runs first: what a gesture in progress made is committed
 * into the document it was made on, queued but not sent (the page's state may already
 * belong to another record); the next opening of that record sends it. When the server
 * refuses a change, the record is fetched again and shown in place of the old one;
 * until it is here the old one stays, editable, and strokes that did not change are
 * not drawn again (keepUnchanged).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { readHistory, readPending, writeHistory, writePending } from "../record/local_queues.js";
import {
  applyOps,
  clone,
  keepUnchanged,
  newOpId,
  normaliseDocument,
  sizeProblem,
} from "./document.js";
import { History } from "./history.js";
import { anyAcked, batches, mergeQueues, newEntries, restarted, takeDue } from "./pending_queue.js";
import { installTestHook } from "./test_hook.js";

const RESEND_TICK_MS = 1000;
// Undo is stored a moment after the last change (a long history is a big write), and
// at once when the page or the document goes away.
const HISTORY_SAVE_MS = 1000;

export function fetchJson(url) {
  return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
    (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json();
    },
  );
}

export function useDocument({
  recordKey,
  documentUrl,
  readOnly,
  ackedOpIds,
  reloadRequest,
  limits,
  onOps,
  onPendingChange,
  onLeave,
}) {
  const [doc, setDoc] = useState(() => normaliseDocument(null));
  const [loadState, setLoadState] = useState("loading"); // loading | ready | error
  const [loadError, setLoadError] = useState("");
  const [reloadToken, setReloadToken] = useState(0);
  const [pendingCount, setPendingCount] = useState(0);
  const [historySizes, setHistorySizes] = useState({ undo: 0, redo: 0 });
  const [tooBig, setTooBig] = useState(""); // why the last change was not made, or ""

  const docRef = useRef(doc);
  docRef.current = doc;
  const revisionRef = useRef(null);
  const pendingRef = useRef([]); // in-memory mirror of the stored queue
  // The record the shown document belongs to: ops made on it are queued under its key,
  // even when the props already name the next record.
  const loadedKeyRef = useRef(null);
  const historyRef = useRef(null);
  if (!historyRef.current) historyRef.current = new History();

  // Latest props for handlers that outlive a render.
  const propsRef = useRef({});
  propsRef.current = { onOps, readOnly, limits, onPendingChange, onLeave };

  // The page needs only whether any change is unacknowledged (it will not sign while one
  // is): each count would be a server event and a page update per stroke. The handler's
  // identity changes with every render, so it is not a dependency.
  const anyPending = pendingCount > 0;
  useEffect(() => {
    const handler = propsRef.current.onPendingChange;
    if (typeof handler === "function") handler(anyPending);
  }, [anyPending]);

  const sendOps = useCallback((ops) => {
    const { onOps: handler, limits: current } = propsRef.current;
    if (typeof handler !== "function" || !ops.length) return;
    for (const batch of batches(ops, current.maxBatchOps)) handler(batch);
  }, []);

  /** Merge our queue with what other tabs wrote, then store it. */
  const persistPending = useCallback((added, removedIds) => {
    const key = loadedKeyRef.current;
    if (key === null) return;
    const merged = mergeQueues(readPending(key), pendingRef.current, added, removedIds);
    pendingRef.current = merged;
    writePending(key, merged);
    setPendingCount(merged.length);
  }, []);

  /**
   * Queue (persist first), apply locally and, when `send`, emit. Templates lack opIds.
   * `after` is the document they make, when the caller has worked it out already.
   */
  const emit = useCallback(
    (templates, send, after = null) => {
      if (!templates.length || loadedKeyRef.current === null) return;
      const now = Date.now();
      // `at` lets the server keep the newer of two changes to one element.
      const ops = templates.map((t) => ({ ...t, opId: newOpId(), at: now }));
      persistPending(newEntries(ops, now), null);
      docRef.current = after || applyOps(docRef.current, ops);
      setDoc(docRef.current);
      if (send) sendOps(ops);
    },
    [persistPending, sendOps],
  );

  const historyTimerRef = useRef(0);
  const saveHistory = useCallback(() => {
    window.clearTimeout(historyTimerRef.current);
    historyTimerRef.current = 0;
    const key = loadedKeyRef.current;
    if (key !== null && !propsRef.current.readOnly) {
      writeHistory(key, historyRef.current.stacks(), Date.now());
    }
  }, []);
  const showHistory = useCallback(() => {
    setHistorySizes(historyRef.current.sizes());
    if (loadedKeyRef.current === null) return;
    window.clearTimeout(historyTimerRef.current);
    historyTimerRef.current = window.setTimeout(saveHistory, HISTORY_SAVE_MS);
  }, [saveHistory]);

  useEffect(() => {
    const onHide = () => {
      if (historyTimerRef.current) saveHistory();
    };
    window.addEventListener("pagehide", onHide);
    document.addEventListener("visibilitychange", onHide);
    return () => {
      window.removeEventListener("pagehide", onHide);
      document.removeEventListener("visibilitychange", onHide);
    };
  }, [saveHistory]);

  /**
   * The document `ops` make, or null when it would be past the server's size; `tooBig`
   * says why (or is cleared).
   */
  const checked = useCallback((ops) => {
    const current = docRef.current;
    const after = applyOps(current, ops);
    const problem = sizeProblem(current, after, propsRef.current.limits);
    setTooBig(problem);
    return problem ? null : after;
  }, []);

  /** Record a change ({doOps, undoOps}, or null for none) for undo and emit it. */
  const commit = useCallback(
    (change) => {
      if (!change?.doOps.length || propsRef.current.readOnly) return;
      const after = checked(change.doOps);
      if (!after) return;
      historyRef.current.record(change.doOps, change.undoOps);
      showHistory();
      emit(change.doOps, true, after);
    },
    [emit, showHistory, checked],
  );

  /** Undo (or redo, `again`) the last change; false when there was none or it is too big
   * (then it stays the next to undo or redo). */
  const step = useCallback(
    (again) => {
      if (propsRef.current.readOnly) return false;
      const history = historyRef.current;
      const ops = history.peek(again);
      const after = ops && checked(ops);
      if (!after) return false;
      if (again) history.redo();
      else history.undo();
      showHistory();
      emit(ops, true, after);
      return true;
    },
    [emit, showHistory, checked],
  );
  const undo = useCallback(() => step(false), [step]);
  const redo = useCallback(() => step(true), [step]);

  // Acknowledged ops leave the queue.
  useEffect(() => {
    if (!Array.isArray(ackedOpIds) || !ackedOpIds.length || loadedKeyRef.current === null) return;
    const acked = new Set(ackedOpIds);
    if (!anyAcked(acked, pendingRef.current, readPending(loadedKeyRef.current))) return;
    persistPending([], acked);
  }, [ackedOpIds, persistPending]);

  // Re-send ops that stay unacknowledged, with back-off, oldest first.
  useEffect(() => {
    if (readOnly || loadState !== "ready") return undefined;
    const timer = window.setInterval(() => {
      const due = takeDue(pendingRef.current, Date.now());
      if (due.length) {
        persistPending([], null);
        sendOps(due);
      }
    }, RESEND_TICK_MS);
    return () => window.clearInterval(timer);
  }, [readOnly, loadState, sendOps, persistPending]);

  // What a gesture in progress made is committed into the document it was made on when
  // that document goes away (another record, the canvas unmounted); a fetch of the same
  // record again leaves the gesture going.
  useEffect(
    () => () => {
      const leave = propsRef.current.onLeave;
      if (typeof leave === "function" && loadedKeyRef.current !== null) {
        leave((change) => {
          if (change?.doOps.length) emit(change.doOps, false);
        });
      }
    },
    [documentUrl, recordKey, emit],
  );

  const shownRef = useRef(""); // the record and address of the document shown
  useEffect(() => {
    let cancelled = false;
    const shown = `${recordKey} ${documentUrl}`;
    // The record shown, fetched again (a change of it was refused): it stays on screen
    // and editable, with its undo, until the stored one is here.
    const again = shownRef.current === shown && loadedKeyRef.current !== null;
    if (!again) {
      // Another record (or a retry): never show the previous drawing or merge its queue.
      shownRef.current = "";
      loadedKeyRef.current = null;
      pendingRef.current = [];
      setPendingCount(0);
      docRef.current = normaliseDocument(null);
      setDoc(docRef.current);
      setLoadState("loading");
      setLoadError("");
      historyRef.current.clear();
      setHistorySizes(historyRef.current.sizes());
    }
    setTooBig("");

    const show = (drawing, revision) => {
      if (cancelled) return;
      revisionRef.current = revision;
      loadedKeyRef.current = recordKey;
      shownRef.current = shown;
      if (!propsRef.current.readOnly && !again) {
        historyRef.current.restore(readHistory(recordKey, Date.now()));
        setHistorySizes(historyRef.current.sizes());
      }
      const stored = propsRef.current.readOnly ? [] : readPending(recordKey);
      const pending = restarted(stored, Date.now());
      pendingRef.current = pending;
      const fetched = applyOps(
        normaliseDocument(drawing),
        pending.map((e) => e.op),
      );
      docRef.current = keepUnchanged(docRef.current, fetched);
      setDoc(docRef.current);
      setLoadState("ready");
      setPendingCount(pending.length);
      if (pending.length) {
        writePending(recordKey, pending);
        sendOps(pending.map((e) => e.op));
      }
    };

    if (documentUrl) {
      fetchJson(documentUrl)
        .then((body) => show(body?.drawing, body ? body.revision : null))
        .catch((err) => {
          if (cancelled) return;
          shownRef.current = "";
          loadedKeyRef.current = null;
          setLoadState("error");
          setLoadError(String(err?.message || err));
        });
    } else {
      show(null, null);
    }
    return () => {
      cancelled = true;
      if (historyTimerRef.current) saveHistory();
    };
  }, [documentUrl, recordKey, reloadToken, sendOps, saveHistory]);

  // Changes this canvas showed were refused by the server: show what is stored (and what
  // is still pending on top of it) instead.
  useEffect(() => {
    if (reloadRequest) setReloadToken((n) => n + 1);
  }, [reloadRequest]);

  const retry = useCallback(() => setReloadToken((n) => n + 1), []);

  useEffect(
    () =>
      installTestHook(readOnly, {
        getDocument: () => ({ ...clone(docRef.current), revision: revisionRef.current }),
        pendingCount: () => pendingRef.current.length,
        pendingOps: () => clone(pendingRef.current.map((e) => e.op)),
      }),
    [],
  );

  return {
    doc,
    docRef,
    loadState,
    loadError,
    reloadToken,
    retry,
    commit,
    undo,
    redo,
    historySizes,
    pendingCount,
    tooBig,
  };
}

/** The read-only drawings shown under and over this one ({below, above}), and an error. */
export function useLayers(layersUrl, reloadToken) {
  const [layers, setLayers] = useState({ below: [], above: [] });
  const [error, setError] = useState("");
  const shownUrlRef = useRef(null);
  useEffect(() => {
    // Fetched again for the same record: the layers shown stay until the new ones come.
    if (shownUrlRef.current !== layersUrl) setLayers({ below: [], above: [] });
    shownUrlRef.current = layersUrl;
    setError("");
    if (!layersUrl) return undefined;
    let cancelled = false;
    fetchJson(layersUrl)
      .then((body) => {
        if (cancelled || !body) return;
        const list = (v) => (Array.isArray(v) ? v.filter((l) => l?.drawing) : []);
        setLayers({ below: list(body.below), above: list(body.above) });
      })
      .catch((err) => {
        if (!cancelled) setError(String(err?.message || err));
      });
    return () => {
      cancelled = true;
    };
  }, [layersUrl, reloadToken]);
  return { layers, error };
}
