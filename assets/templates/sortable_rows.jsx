/*
 * SortableRows: drag a row by its handle onto another row of the same level to move it
 * there. Keyboard users have the rows' own "Move up" / "Move down" buttons; this is the
 * pointer way to do the same.
 *
 * This component handles pointers only: the page decides what a move means. Each row
 * inside carries `data-row-uid` and `data-row-level` (rows of one level are siblings);
 * a handle inside a row carries `data-drag-handle`. A drop calls `onMove(uid, ontoUid)`.
 */
import React, { useRef } from "react";

function rowOf(target) {
  return target instanceof Element ? target.closest("[data-row-uid]") : null;
}

export function SortableRows({ onMove, children, ...rest }) {
  const dragged = useRef(null);

  const onDragStart = (event) => {
    const handle = event.target instanceof Element && event.target.closest("[data-drag-handle]");
    const row = rowOf(event.target);
    if (!handle || !row) return;
    dragged.current = { uid: row.dataset.rowUid, level: row.dataset.rowLevel };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.rowUid);
  };

  const target = (event) => {
    const row = rowOf(event.target);
    const from = dragged.current;
    if (!row || !from || row.dataset.rowLevel !== from.level) return null;
    return row.dataset.rowUid === from.uid ? null : row;
  };

  const onDragOver = (event) => {
    if (target(event)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  };

  const onDrop = (event) => {
    const row = target(event);
    const from = dragged.current;
    dragged.current = null;
    if (!row || !from) return;
    event.preventDefault();
    if (onMove) onMove(from.uid, row.dataset.rowUid);
  };

  const onDragEnd = () => {
    dragged.current = null;
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: mouse drag-and-drop of rows; each row's move buttons are the keyboard way
    <div
      {...rest}
      onDragStart={onDragStart}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onDragEnd={onDragEnd}
    >
      {children}
    </div>
  );
}
