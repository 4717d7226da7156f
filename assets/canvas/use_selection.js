/*
 * useSelection: what is selected on the canvas (session state, selection.js) and the
 * actions on it. Each action is one change handed to `commit`, so one undo.
 *
 * The selection is kept in a ref as well as in state: tools and key handlers read it
 * between renders. What others' changes or an undo removed is dropped from it; another
 * document (`documentKey`) or another tool than select starts with nothing selected.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  deleteChange,
  duplicateChange,
  EMPTY_SELECTION,
  isEmpty,
  moveChange,
  pruned,
  selectedElements,
  selectionBounds,
} from "./selection.js";

export function useSelection({ doc, docRef, tool, documentKey, commit }) {
  const [selection, setSelection] = useState(EMPTY_SELECTION);
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  const select = useCallback((next) => {
    selectionRef.current = next;
    setSelection(next);
  }, []);
  const deselect = useCallback(() => select(EMPTY_SELECTION), [select]);

  useEffect(() => {
    deselect();
  }, [documentKey, deselect]);
  useEffect(() => {
    if (tool !== "select") deselect();
  }, [tool, deselect]);
  useEffect(() => {
    const kept = pruned(doc, selection);
    if (kept !== selection) select(kept);
  }, [doc, selection, select]);

  // Work over every element is done when the document changes, not on every render
  // (a gesture renders up to once a frame).
  const selected = useMemo(() => selectedElements(doc, selection), [doc, selection]);
  const box = useMemo(
    () => (isEmpty(selection) ? null : selectionBounds(doc, selection)),
    [doc, selection],
  );
  // One shape alone gets the transformer's handles and shows its own width or size.
  const shape =
    selected.shapes.length === 1 && selected.lines.length === 0 ? selected.shapes[0] : null;

  const deleteSelection = useCallback(() => {
    const change = deleteChange(docRef.current, selectionRef.current);
    if (!change) return;
    deselect();
    commit(change);
  }, [docRef, commit, deselect]);

  const duplicateSelection = useCallback(() => {
    const made = duplicateChange(docRef.current, selectionRef.current);
    if (!made.change) return;
    commit(made.change);
    select(made.selection);
  }, [docRef, commit, select]);

  const nudgeSelection = useCallback(
    (dx, dy) => commit(moveChange(docRef.current, selectionRef.current, dx, dy)),
    [docRef, commit],
  );

  const selectAll = useCallback(() => {
    const current = docRef.current;
    select({
      lines: current.lines.filter((l) => l.id && l.tool !== "eraser").map((l) => l.id),
      shapes: current.shapes.map((s) => s.id),
    });
  }, [docRef, select]);

  return {
    selection,
    selectionRef,
    select,
    deselect,
    selected,
    shape,
    box,
    deleteSelection,
    duplicateSelection,
    nudgeSelection,
    selectAll,
  };
}
