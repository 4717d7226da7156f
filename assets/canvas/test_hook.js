/*
 * window.__medrecCanvas, for the browser tests only: the document and the queue as the
 * canvas holds them. Built in only when the frontend is built with
 * VITE_MEDREC_TEST_HOOKS=1 (tests/e2e does); a production build has none, and Vite
 * drops this code from it.
 */

/** Install `api` (unless a read-only canvas would replace the editor's); returns the undo. */
export function installTestHook(readOnly, api) {
  if (import.meta.env.VITE_MEDREC_TEST_HOOKS !== "1") return undefined;
  // A second, read-only canvas (the record's History panel) leaves the editor's alone.
  if (readOnly && window.__medrecCanvas) return undefined;
  window.__medrecCanvas = api;
  return () => {
    if (window.__medrecCanvas === api) delete window.__medrecCanvas;
  };
}
