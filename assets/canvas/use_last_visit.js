/*
 * useLastVisit: the state of the last visit's overlay (previous_visit.jsx): shown or
 * not, picking from it or not, what is picked, and carrying it forward (carry.js).
 *
 * Picking is the select tool (tools/select.js, `pickTool`) run on the last visit's
 * drawing, which never changes: `pickContext` is the canvas's tool context with that
 * drawing, the picked elements and no moving. What is carried becomes an ordinary
 * change of this record, handed to `commit`; `onCarried(selection)` gets the copies.
 * useCarried: the carried elements of this record not yet confirmed, marked whether
 * the overlay is shown or not, and confirming those selected.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { carryChange, confirmChange, unconfirmedCount, unconfirmedMarks } from "./carry.js";
import { normaliseDocument } from "./document.js";
import { EMPTY_SELECTION } from "./selection.js";
import { fetchJson } from "./use_document.js";

const EMPTY_DOCUMENT = normaliseDocument(null);

export function useLastVisit({ url, interactive, pickTool, toolContext, commit, onCarried }) {
  const [shown, setShown] = useState(false);
  const [picking, setPicking] = useState(false);
  const [picked, setPicked] = useState(EMPTY_SELECTION);
  const visit = usePreviousVisit(url, shown);
  const visitDocRef = useRef(null);
  visitDocRef.current = visit.status === "ready" ? visit.doc : null;
  const pickedRef = useRef(picked);
  pickedRef.current = picked;
  const pickingRef = useRef(picking);
  pickingRef.current = picking;

  const pickContext = {
    ...toolContext,
    commit: () => {},
    showMove: () => {},
    doc: () => visitDocRef.current || EMPTY_DOCUMENT,
    selection: () => pickedRef.current,
    select: (next) => {
      pickedRef.current = next;
      setPicked(next);
    },
    pickOnly: true,
    hitShapes: true,
  };
  const contextRef = useRef(pickContext);
  contextRef.current = pickContext;

  // Hidden, or this record cannot change: nothing is being picked.
  const canPick = interactive && shown && visit.status === "ready";
  useEffect(() => {
    if (canPick) return;
    pickTool.reset(contextRef.current);
    setPicking(false);
    setPicked(EMPTY_SELECTION);
  }, [canPick, pickTool]);

  // Another record's last visit is another visit.
  useEffect(() => {
    setShown(false);
  }, [url]);

  /** Start picking (the canvas's tool finishing its gesture first), or stop. */
  const togglePicking = (finishTool) => {
    if (!picking) finishTool();
    else pickTool.reset(pickContext);
    setPicking(!picking);
  };

  const carryForward = () => {
    if (visit.status !== "ready") return;
    const made = carryChange(visit.doc, pickedRef.current, {
      recordId: visit.recordId,
      visitDate: visit.visitDate,
    });
    if (!made.change) return;
    commit(made.change);
    setPicking(false);
    setPicked(EMPTY_SELECTION);
    onCarried(made.selection);
  };

  return {
    shown,
    toggleShown: () => setShown((v) => !v),
    visit,
    picking,
    pickingRef,
    picked,
    pickContext,
    togglePicking,
    carryForward,
  };
}

/**
 * The patient's last visit ({status, recordId, visitDate, doc}), fetched from `url` the
 * first time it is `wanted` (it can be a drawing of MBs): status is "idle", "loading",
 * "ready", "none" (no earlier visit with this template) or "error".
 */
export function usePreviousVisit(url, wanted) {
  const [visit, setVisit] = useState({ status: "idle" });
  const fetchedRef = useRef(null); // the url fetched (or being fetched) for `visit`
  useEffect(() => {
    if (!url || !wanted || fetchedRef.current === url) return;
    fetchedRef.current = url;
    const current = () => fetchedRef.current === url; // another record's answer is dropped
    setVisit({ status: "loading" });
    fetchJson(url)
      .then((body) => {
        if (!current()) return;
        if (!body?.recordId) {
          setVisit({ status: "none" });
          return;
        }
        setVisit({
          status: "ready",
          recordId: body.recordId,
          visitDate: body.visitDate,
          doc: normaliseDocument(body.drawing),
        });
      })
      .catch((err) => {
        if (!current()) return;
        fetchedRef.current = null; // showing it again retries
        setVisit({ status: "error", error: String(err?.message || err) });
      });
  }, [url, wanted]);
  // Another record: what was fetched for the last one is not shown.
  const stale = fetchedRef.current !== url && visit.status !== "idle";
  return stale ? { status: "idle" } : visit;
}

export function useCarried({ doc, docRef, selection, selectionRef, commit }) {
  const marks = useMemo(() => unconfirmedMarks(doc), [doc]);
  const selected = useMemo(
    () => (marks.length ? unconfirmedCount(doc, selection) : 0),
    [marks, doc, selection],
  );
  const confirm = useCallback(
    () => commit(confirmChange(docRef.current, selectionRef.current)),
    [docRef, selectionRef, commit],
  );
  return { marks, selected, confirm };
}
