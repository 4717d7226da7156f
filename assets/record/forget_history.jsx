/*
 * ForgetHistory: on the sign-in page, forget every record's undo and redo kept in this
 * browser (local_queues.js), so the next person at a shared computer cannot undo the
 * last one's changes. Unsaved changes stay queued: they are sent at the next opening.
 */
import { useEffect } from "react";
import { forgetHistories } from "./local_queues.js";

export function ForgetHistory() {
  useEffect(() => forgetHistories(), []);
  return null;
}
