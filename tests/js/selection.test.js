/* Selecting strokes and shapes, and what is done to a selection. */
import { describe, expect, test } from "bun:test";
import { applyOps, normaliseDocument } from "../../assets/canvas/document.js";
import {
  deleteChange,
  duplicateChange,
  EMPTY_SELECTION,
  insidePolygon,
  keepAlpha,
  lassoed,
  moveChange,
  pruned,
  recolourSelectionChange,
  resizeSelectionChange,
  selectionBounds,
  shapeBounds,
  strokeAt,
  toggled,
  union,
} from "../../assets/canvas/selection.js";
import { createSelectTool } from "../../assets/canvas/tools/select.js";

const line = (id, points, extra = {}) => ({
  id,
  tool: "pen",
  points,
  color: "#000000",
  strokeWidth: 4,
  ...extra,
});
const DOC = normaliseDocument({
  lines: [
    line("a", [100, 100, 200, 100]),
    line("b", [100, 300, 200, 300], { color: "#ffeb3b66", strokeWidth: 16 }),
    { tool: "pen", points: [150, 90, 150, 110], color: "#000000", strokeWidth: 4 },
    line("cut", [150, 80, 150, 120], { tool: "eraser", color: "#ffffff" }),
  ],
  shapes: [
    {
      id: "r",
      type: "rect",
      x: 400,
      y: 100,
      width: 100,
      height: 50,
      color: "#e53935",
      strokeWidth: 3,
    },
    {
      id: "t",
      type: "text",
      x: 400,
      y: 300,
      text: "knee",
      fontSize: 20,
      color: "#000000",
      strokeWidth: 20,
    },
  ],
});
const SEL = { lines: ["a", "b"], shapes: ["r"] };

describe("finding", () => {
  test("a stroke is hit near its path, the topmost first; eraser cuts and id-less strokes never", () => {
    expect(strokeAt(DOC, { x: 150, y: 103 })).toBe("a");
    expect(strokeAt(DOC, { x: 150, y: 120 })).toBeNull();
    expect(strokeAt(DOC, { x: 150, y: 312 })).toBe("b"); // a wide highlighter reaches further
    const stacked = normaliseDocument({
      lines: [line("low", [0, 0, 50, 0]), line("top", [0, 1, 50, 1])],
    });
    expect(strokeAt(stacked, { x: 25, y: 0 })).toBe("top");
  });

  test("a lasso takes the elements whose middle it goes round", () => {
    const around = [50, 50, 520, 50, 520, 200, 50, 200];
    expect(lassoed(DOC, around)).toEqual({ lines: ["a"], shapes: ["r"] });
    expect(lassoed(DOC, [0, 0, 10, 0])).toEqual(EMPTY_SELECTION);
    expect(insidePolygon(around, { x: 300, y: 100 })).toBe(true);
    expect(insidePolygon(around, { x: 300, y: 250 })).toBe(false);
  });

  test("bounds take rotation and stroke width into account", () => {
    const rect = {
      id: "q",
      type: "rect",
      x: 0,
      y: 0,
      width: 100,
      height: 20,
      strokeWidth: 0,
      rotation: 90,
    };
    const box = shapeBounds(rect);
    expect(box.x).toBeCloseTo(-20, 9);
    expect(box.width).toBeCloseTo(20, 9);
    expect(box.height).toBeCloseTo(100, 9);
    expect(selectionBounds(DOC, { lines: ["a"], shapes: [] })).toEqual({
      x: 98,
      y: 98,
      width: 104,
      height: 4,
    });
  });

  test("shift toggles, union adds, pruning drops what is gone", () => {
    expect(toggled(SEL, "lines", "a")).toEqual({ lines: ["b"], shapes: ["r"] });
    expect(toggled(SEL, "shapes", "t").shapes).toEqual(["r", "t"]);
    expect(union(SEL, { lines: ["a"], shapes: ["t"] })).toEqual({
      lines: ["a", "b"],
      shapes: ["r", "t"],
    });
    expect(pruned(DOC, SEL)).toBe(SEL);
    expect(pruned(DOC, { lines: ["a", "gone", "cut"], shapes: [] })).toEqual({
      lines: ["a"],
      shapes: [],
    });
  });
});

describe("changes", () => {
  test("a move puts each element again in its place and undoes exactly", () => {
    const change = moveChange(DOC, SEL, 10, -5);
    const moved = applyOps(DOC, change.doOps);
    expect(moved.lines.map((l) => l.id)).toEqual(DOC.lines.map((l) => l.id));
    expect(moved.lines[0].points).toEqual([110, 95, 210, 95]);
    expect(moved.shapes[0]).toMatchObject({ x: 410, y: 95 });
    expect(moved.lines[2]).toEqual(DOC.lines[2]); // the id-less stroke stays
    expect(applyOps(moved, change.undoOps)).toEqual(DOC);
    expect(moveChange(DOC, SEL, 0, 0)).toBeNull();
  });

  test("delete removes the selection and undo brings it back", () => {
    const change = deleteChange(DOC, SEL);
    const gone = applyOps(DOC, change.doOps);
    expect(gone.lines.map((l) => l.id)).toEqual([undefined, "cut"]);
    expect(gone.shapes.map((s) => s.id)).toEqual(["t"]);
    const back = applyOps(gone, change.undoOps);
    expect(back.lines.length).toBe(4);
    expect(back.shapes.map((s) => s.id).sort()).toEqual(["r", "t"]);
    expect(deleteChange(DOC, EMPTY_SELECTION)).toBeNull();
  });

  test("duplicate makes offset copies with new ids and selects them", () => {
    const { change, selection } = duplicateChange(DOC, SEL);
    const doc = applyOps(DOC, change.doOps);
    expect(doc.lines.length).toBe(6);
    expect(selection.lines.length).toBe(2);
    expect(selection.lines).not.toContain("a");
    const copy = doc.lines.find((l) => l.id === selection.lines[0]);
    expect(copy.points).toEqual([120, 120, 220, 120]);
    expect(applyOps(doc, change.undoOps)).toEqual(DOC);
  });

  test("recolour keeps a highlighter translucent; resize sets a text's font size", () => {
    expect(keepAlpha("#1e88e5", "#ffeb3b66")).toBe("#1e88e566");
    expect(keepAlpha("#1e88e5", "#000000")).toBe("#1e88e5");
    const recoloured = applyOps(DOC, recolourSelectionChange(DOC, SEL, "#1e88e5").doOps);
    expect(recoloured.lines.map((l) => l.color)).toEqual([
      "#1e88e5",
      "#1e88e566",
      "#000000",
      "#ffffff",
    ]);
    const text = { lines: [], shapes: ["t", "r"] };
    const resized = applyOps(DOC, resizeSelectionChange(DOC, text, 32).doOps);
    expect(resized.shapes.find((s) => s.id === "t")).toMatchObject({
      fontSize: 32,
      strokeWidth: 20,
    });
    expect(resized.shapes.find((s) => s.id === "r").strokeWidth).toBe(32);
  });
});

/** A select tool's context over a document that its commits change. */
function selectContext(doc) {
  const ctx = {
    current: doc,
    sel: EMPTY_SELECTION,
    moves: [],
    lassos: [],
    commits: [],
    doc: () => ctx.current,
    selection: () => ctx.sel,
    select: (s) => {
      ctx.sel = s;
    },
    showMove: (m) => ctx.moves.push(m),
    showLasso: (l) => ctx.lassos.push(l),
    commit: (change) => {
      if (!change) return;
      ctx.commits.push(change);
      ctx.current = applyOps(ctx.current, change.doOps);
    },
  };
  return ctx;
}
const press = (x, y, extra = {}) => ({
  pointerId: 1,
  point: { x, y },
  shapeId: null,
  onTransformer: false,
  shift: false,
  ...extra,
});

describe("select tool", () => {
  test("pressing a stroke and dragging moves it; a click alone selects it", () => {
    const ctx = selectContext(DOC);
    const tool = createSelectTool();
    tool.onPointerDown(ctx, press(150, 101));
    expect(ctx.sel).toEqual({ lines: ["a"], shapes: [] });
    tool.onPointerMove(ctx, { pointerId: 1, points: [{ x: 160, y: 111 }] });
    expect(ctx.moves.at(-1)).toEqual({ dx: 10, dy: 10 });
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 170, y: 121 } });
    expect(ctx.moves.at(-1)).toBeNull();
    expect(ctx.current.lines[0].points).toEqual([120, 120, 220, 120]);
    tool.onPointerDown(ctx, press(450, 120, { shapeId: "r" }));
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 450, y: 120 } });
    expect(ctx.sel).toEqual({ lines: [], shapes: ["r"] });
    expect(ctx.commits.length).toBe(1);
  });

  test("shift+click adds and removes; a lasso selects, shift+lasso adds", () => {
    const ctx = selectContext(DOC);
    const tool = createSelectTool();
    tool.onPointerDown(ctx, press(150, 100));
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 150, y: 100 } });
    tool.onPointerDown(ctx, press(420, 310, { shapeId: "t", shift: true }));
    expect(ctx.sel).toEqual({ lines: ["a"], shapes: ["t"] });
    tool.onPointerDown(ctx, press(150, 100, { shift: true }));
    expect(ctx.sel).toEqual({ lines: [], shapes: ["t"] });
    // A lasso round the rectangle, with Shift: the text stays selected.
    tool.onPointerDown(ctx, press(380, 80, { shift: true }));
    tool.onPointerMove(ctx, {
      pointerId: 1,
      points: [
        { x: 530, y: 80 },
        { x: 530, y: 170 },
        { x: 380, y: 170 },
      ],
    });
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 380, y: 80 } });
    expect(ctx.sel).toEqual({ lines: [], shapes: ["t", "r"] });
    expect(ctx.lassos.at(-1)).toBeNull();
    // A press on nothing without Shift lets everything go.
    tool.onPointerDown(ctx, press(700, 550));
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 700, y: 550 } });
    expect(ctx.sel).toEqual(EMPTY_SELECTION);
  });

  test("dragging inside a selection's box moves all of it; a cancel moves nothing", () => {
    const ctx = selectContext(DOC);
    ctx.sel = { lines: ["a"], shapes: ["r"] };
    const tool = createSelectTool();
    tool.onPointerDown(ctx, press(300, 120)); // between the stroke and the rectangle
    tool.onPointerMove(ctx, { pointerId: 1, points: [{ x: 300, y: 140 }] });
    tool.onCancel(ctx, { pointerId: 1 });
    expect(ctx.commits).toEqual([]);
    tool.onPointerDown(ctx, press(300, 120));
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 300, y: 140 } });
    expect(ctx.commits.length).toBe(1);
    expect(ctx.current.shapes[0]).toMatchObject({ x: 400, y: 120 });
    expect(ctx.current.lines[0].points).toEqual([100, 120, 200, 120]);
  });
});

describe("picking from the last visit", () => {
  test("clicks add and take out, shapes are hit by their bounds, nothing ever moves", () => {
    const ctx = selectContext(DOC);
    ctx.pickOnly = true;
    ctx.hitShapes = true;
    const tool = createSelectTool();
    tool.onPointerDown(ctx, press(150, 100));
    tool.onPointerMove(ctx, { pointerId: 1, points: [{ x: 190, y: 140 }] });
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 190, y: 140 } });
    expect(ctx.sel).toEqual({ lines: ["a"], shapes: [] });
    tool.onPointerDown(ctx, press(450, 120)); // inside the rectangle, no Konva hit
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 450, y: 120 } });
    expect(ctx.sel).toEqual({ lines: ["a"], shapes: ["r"] });
    tool.onPointerDown(ctx, press(150, 100));
    tool.onPointerUp(ctx, { pointerId: 1, point: { x: 150, y: 100 } });
    expect(ctx.sel).toEqual({ lines: [], shapes: ["r"] });
    expect(ctx.commits).toEqual([]);
    expect(ctx.moves).toEqual([]);
  });
});
