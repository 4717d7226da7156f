/*
 * useShapeEdits: editing a shape in place with the select tool: the transformer's
 * handles on a shape selected alone (moved, resized or rotated: one change when the
 * handle is let go) and a text typed in its editor (text_editor.jsx: one change when
 * it is finished, none when cancelled). `textEditRef` is the canvas's, read when the
 * document goes away (the text being typed is kept).
 */
import { useCallback, useEffect, useState } from "react";
import { putShapeChange, textEditChange } from "./changes.js";
import { transformedShape } from "./tools/select.js";

export function useShapeEdits({
  docRef,
  commit,
  limits,
  readOnly,
  tool,
  interactive,
  documentKey,
  textEditRef,
  stageRef,
  transformerRef,
  selectedShape,
  moving,
}) {
  const [textEdit, setTextEditState] = useState(null); // {id, x, y, value, old, shape}
  const setTextEdit = useCallback(
    (next) => {
      textEditRef.current = typeof next === "function" ? next(textEditRef.current) : next;
      setTextEditState(textEditRef.current);
    },
    [textEditRef],
  );
  const findShape = useCallback(
    (id) => docRef.current.shapes.find((s) => s.id === id) || null,
    [docRef],
  );

  useEffect(() => {
    setTextEdit(null);
  }, [documentKey, setTextEdit]);
  useEffect(() => {
    if (!interactive) setTextEdit(null);
  }, [interactive, setTextEdit]);

  // The transformer holds the one shape selected alone, unless it is moved or typed in.
  useEffect(() => {
    const tr = transformerRef.current;
    const stage = stageRef.current;
    if (!tr || !stage) return;
    const id = selectedShape?.id;
    const node =
      id && tool === "select" && interactive && !moving && textEdit?.id !== id
        ? stage.findOne((n) => n.id() === id && n.name() === "medrec-shape")
        : null;
    tr.nodes(node ? [node] : []);
    tr.getLayer()?.batchDraw();
  }, [stageRef, transformerRef, selectedShape, tool, interactive, textEdit, moving]);

  const onTransformEnd = useCallback(
    (e) => {
      const node = e.target;
      const old = findShape(node.id());
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
      commit(putShapeChange(old, transformedShape(old, attrs, limits.maxStrokeWidth)));
    },
    [findShape, commit, limits.maxStrokeWidth],
  );

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
      if (readOnly || tool !== "select") return;
      const shape = findShape(e.target.id());
      if (shape && shape.type === "text") startTextEdit(shape, false);
    },
    [readOnly, tool, findShape, startTextEdit],
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
      if (!cancel) commit(textEditChange(edit, limits.maxTextChars));
    },
    [textEditRef, setTextEdit, commit, limits.maxTextChars],
  );

  return { textEdit, startTextEdit, onEditText, onTransformEnd, typeText, finishTextEdit };
}
