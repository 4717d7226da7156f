/*
 * UnloadFlush: when the tab is hidden or closed, send every change the server has not
 * acknowledged yet over HTTP, so it is saved even if the page never comes back.
 *
 * It renders nothing. Both queues live in localStorage already (local_queues.js): the
 * canvas's pending operations and the form's unsaved fields. The POST uses `keepalive`,
 * which outlives the page; browsers cap keepalive bodies at 64 KB, so one batch goes and
 * anything beyond stays queued for the next opening. The server skips operations it has applied
 * before (by opId), so sending one twice is harmless.
 */
import { useEffect } from "react";
import { unsavedOps } from "./local_queues.js";

const MAX_BODY_CHARS = 60000;

function firstBatch(ops) {
  const batch = [];
  let size = 10;
  for (const op of ops) {
    const n = JSON.stringify(op).length + 1;
    if (size + n > MAX_BODY_CHARS) break;
    batch.push(op);
    size += n;
  }
  return batch;
}

export function UnloadFlush({ recordId = "", canvasKey = "", flushUrl = "" }) {
  useEffect(() => {
    if (!recordId || !flushUrl) return undefined;
    const flush = () => {
      const batch = firstBatch(unsavedOps(recordId, canvasKey));
      if (!batch.length) return;
      fetch(flushUrl, {
        method: "POST",
        keepalive: true,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ops: batch }),
      }).catch(() => {});
    };
    const onVisibility = () => {
      if (document.visibilityState === "hidden") flush();
    };
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      window.removeEventListener("pagehide", flush);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [recordId, canvasKey, flushUrl]);
  return null;
}
