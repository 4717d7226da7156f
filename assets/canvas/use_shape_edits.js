/*
 * Editing a shape in place with the select tool. useTransformer: the transformer's
 * handles on a shape selected alone (moved, resized or rotated: one change when the
 * handle is let go). useTextEdit: a text typed in its editor (text_editor.jsx: one
 * change when it is finished, none when cancelled). `textEditRef` is the canvas's,
 * read when the document goes away (the text being typed is kept).
 */
import { useCallback, useEffect, useState } from "react";
import { putShapeChange, textEditChange } from "./changes.js";
import { transformedShape } from "./tools/select.js";

const findShape = (doc, id) => doc.shapes.find((s) => s.id === id) || null;

/** The transformer holds `shape` (null: none) and commits what is done with it. */
export function useTransformer({
  stageRef,
  transformerRef,
  shape,
  docRef,
  commit,
  maxStrokeWidth,
}) {
  useEffect(() => {
    const tr = transformerRef.current;
    const stage = stageRef.current;
    if (!tr || !stage) return;
    const id = shape?.id;
    const node = id ? stage.findOne((n) => n.id() === id && n.name() === "medrec-shape") : null;
    tr.nodes(node ? [node] : []);
    tr.getLayer()?.batchDraw();
  }, [stageRef, transformerRef, shape]);

  return useCallback(
    (e) => {
      const node = e.target;
      const old = findShape(docRef.current, node.id());
      if (!old) return;
      const attrs = {
        x: node.x(),
        y: node.y(),
        rotation: node.rotation(),
        scaleX: node.scaleX(),
        scaleY: node.scaleY(),
      };
      node.scaleX(1);
      node.scaleY(1);
      commit(putShapeChange(old, transformedShape(old, attrs, maxStrokeWidth)));
    },
    [docRef, commit, maxStrokeWidth],
  );
}

/** A text shape's editor: `editable` (the select tool, not read-only) opens it on a text. */
export function useTextEdit({
  docRef,
  commit,
  maxTextChars,
  editable,
  interactive,
  documentKey,
  textEditRef,
}) {
  const [textEdit, setTextEditState] = useState(null); // {id, x, y, value, old, shape}
  const setTextEdit = useCallback(
    (next) => {
      textEditRef.current = typeof next === "function" ? next(textEditRef.current) : next;
      setTextEditState(textEditRef.current);
    },
    [textEditRef],
  );

  useEffect(() => {
    setTextEdit(null);
  }, [documentKey, setTextEdit]);
  useEffect(() => {
    if (!interactive) setTextEdit(null);
  }, [interactive, setTextEdit]);

  const startTextEdit = useCallback(
    (shape, isNew) =>
      setTextEdit({
        id: shape.id,
        x: shape.x,
        y: shape.y,
        value: shape.text || "",
        old: isNew ? null : shape,
        shape,
      }),
    [setTextEdit],
  );

  const onEditText = useCallback(
    (e) => {
      if (!editable) return;
      const shape = findShape(docRef.current, e.target.id());
      if (shape && shape.type === "text") startTextEdit(shape, false);
    },
    [editable, docRef, startTextEdit],
  );

  const typeText = useCallback(
    (value) => setTextEdit((t) => (t ? { ...t, value } : t)),
    [setTextEdit],
  );

  const finishTextEdit = useCallback(
    (cancel) => {
      const edit = textEditRef.current;
      if (!edit) return; // Enter then blur: finish once
      setTextEdit(null);
      if (!cancel) commit(textEditChange(edit, maxTextChars));
    },
    [textEditRef, setTextEdit, commit, maxTextChars],
  );

  return { textEdit, startTextEdit, onEditText, typeText, finishTextEdit };
}
