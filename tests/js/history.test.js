import { expect, test } from "bun:test";
import { History } from "../../assets/canvas/history.js";

const add = (id) => [{ op: "addLine", line: { id } }];
const remove = (id) => [{ op: "deleteElements", lineIds: [id], shapeIds: [] }];

test("undo gives the inverse ops, redo the ops again", () => {
  const history = new History();
  history.record(add("a"), remove("a"));
  expect(history.undo()).toEqual(remove("a"));
  expect(history.sizes()).toEqual({ undo: 0, redo: 1 });
  expect(history.redo()).toEqual(add("a"));
  expect(history.undo()).toEqual(remove("a"));
});

test("a new change ends what could be redone", () => {
  const history = new History();
  history.record(add("a"), remove("a"));
  history.undo();
  history.record(add("b"), remove("b"));
  expect(history.redo()).toBeNull();
  expect(history.sizes()).toEqual({ undo: 1, redo: 0 });
});

test("peeking gives what undo or redo would, and moves nothing", () => {
  const history = new History();
  expect(history.peek(false)).toBeNull();
  history.record(add("a"), remove("a"));
  expect(history.peek(false)).toEqual(remove("a"));
  expect(history.peek(true)).toBeNull();
  expect(history.sizes()).toEqual({ undo: 1, redo: 0 });
  history.peek(false)[0].lineIds.push("changed");
  expect(history.undo()).toEqual(remove("a"));
  expect(history.peek(true)).toEqual(add("a"));
  expect(history.sizes()).toEqual({ undo: 0, redo: 1 });
});

test("nothing to undo gives null", () => {
  expect(new History().undo()).toBeNull();
});

test("the oldest changes fall off past the limit", () => {
  const history = new History(2);
  for (const id of ["a", "b", "c"]) history.record(add(id), remove(id));
  expect(history.undo()).toEqual(remove("c"));
  expect(history.undo()).toEqual(remove("b"));
  expect(history.undo()).toBeNull();
});

test("what is handed out is a copy", () => {
  const history = new History();
  const ops = add("a");
  history.record(ops, remove("a"));
  ops[0].line.id = "changed";
  const undone = history.undo();
  undone[0].lineIds[0] = "changed";
  expect(history.redo()).toEqual(add("a"));
  expect(history.undo()).toEqual(remove("a"));
});
