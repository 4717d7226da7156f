/* The tools as state machines, driven with the inputs the canvas gives them. */
import { describe, expect, test } from "bun:test";
import {
  addPoint,
  createPenTool,
  finishedLine,
  HIGHLIGHTER_ALPHA,
  strokeStyle,
} from "../../assets/canvas/tools/pen.js";
import { createSelectTool, transformedShape } from "../../assets/canvas/tools/select.js";
import { createShapeTool, shapeFromDrag } from "../../assets/canvas/tools/shape.js";
import { createTextTool } from "../../assets/canvas/tools/text.js";

/** A canvas context that records what the tool did. */
function context(limits = { maxPointsPerLine: 20000, maxStrokeWidth: 1000 }) {
  const done = { commits: [], live: [], drafts: [], texts: [], selected: [] };
  return {
    done,
    style: { color: "#e53935", strokeWidth: 5, fontSize: 32 },
    limits,
    commit: (change) => done.commits.push(change),
    showLive: (live) => done.live.push(live && { ...live, points: live.points.slice() }),
    showDraft: (shape) => done.drafts.push(shape),
    startTextEdit: (shape) => done.texts.push(shape),
    select: (id) => done.selected.push(id),
  };
}

const down = (x, y, pointerId = 1) => ({ pointerId, point: { x, y } });
const move = (points, pointerId = 1) => ({ pointerId, points: points.map(([x, y]) => ({ x, y })) });
const up = (x, y, pointerId = 1) => ({ pointerId, point: x == null ? null : { x, y } });

describe("pen", () => {
  test("a stroke is one addLine, undone by deleting it", () => {
    const ctx = context();
    const pen = createPenTool("pen");
    pen.onPointerDown(ctx, down(10, 10));
    expect(pen.busy()).toBe(true);
    pen.onPointerMove(
      ctx,
      move([
        [20, 20],
        [30, 25],
      ]),
    );
    pen.onPointerUp(ctx, up(40, 30));
    expect(pen.busy()).toBe(false);
    const [{ doOps, undoOps }] = ctx.done.commits;
    const line = doOps[0].line;
    expect(doOps[0].op).toBe("addLine");
    expect(line).toMatchObject({ tool: "pen", color: "#e53935", strokeWidth: 5 });
    expect(line.points).toEqual([10, 10, 20, 20, 30, 25, 40, 30]);
    expect(undoOps).toEqual([{ op: "deleteElements", lineIds: [line.id], shapeIds: [] }]);
    expect(ctx.done.live.at(-1)).toBeNull();
  });

  test("another pointer does not join the stroke", () => {
    const ctx = context();
    const pen = createPenTool("pen");
    pen.onPointerDown(ctx, down(10, 10, 1));
    pen.onPointerDown(ctx, down(99, 99, 2));
    pen.onPointerMove(ctx, move([[50, 50]], 2));
    pen.onPointerUp(ctx, up(60, 60, 2));
    expect(ctx.done.commits).toHaveLength(0);
    pen.onPointerUp(ctx, up(20, 20, 1));
    expect(ctx.done.commits[0].doOps[0].line.points).toEqual([10, 10, 20, 20]);
  });

  test("a highlighter stroke is a wide translucent pen stroke", () => {
    const ctx = context({ maxPointsPerLine: 20000, maxStrokeWidth: 12 });
    const marker = createPenTool("highlighter");
    marker.onPointerDown(ctx, down(10, 10));
    marker.onPointerUp(ctx, up(40, 10));
    const line = ctx.done.commits[0].doOps[0].line;
    expect(line).toMatchObject({
      tool: "pen",
      color: `#e53935${HIGHLIGHTER_ALPHA}`,
      strokeWidth: 12,
    });
    expect(strokeStyle("highlighter", { color: "#abc", strokeWidth: 2 }, 100)).toEqual({
      tool: "pen",
      color: "#aabbcc66",
      strokeWidth: 8,
    });
  });

  test("a tap is a dot, a cancelled stroke is kept, the eraser cuts in white", () => {
    const ctx = context();
    const eraser = createPenTool("eraser");
    eraser.onPointerDown(ctx, down(5, 5));
    eraser.onPointerUp(ctx, up(null));
    expect(ctx.done.commits[0].doOps[0].line).toMatchObject({
      tool: "eraser",
      color: "#ffffff",
      points: [5, 5, 5, 5],
    });
    eraser.onPointerDown(ctx, down(1, 1));
    eraser.onPointerMove(ctx, move([[9, 9]]));
    eraser.onCancel(ctx, { pointerId: 1 });
    expect(ctx.done.commits[1].doOps[0].line.points).toEqual([1, 1, 9, 9]);
  });

  test("points closer than half a pixel are skipped", () => {
    const live = { points: [0, 0] };
    expect(addPoint(live, { x: 0.3, y: 0.3 }, 100)).toBeNull();
    addPoint(live, { x: 1, y: 0 }, 100);
    expect(live.points).toEqual([0, 0, 1, 0]);
  });

  test("a stroke at the server's point limit goes on as a new one", () => {
    const ctx = context({ maxPointsPerLine: 6 });
    const pen = createPenTool("pen");
    pen.onPointerDown(ctx, down(0, 0));
    pen.onPointerMove(
      ctx,
      move([
        [10, 0],
        [20, 0],
        [30, 0],
        [40, 0],
      ]),
    );
    pen.onPointerUp(ctx, up(50, 0));
    const lines = ctx.done.commits.map((c) => c.doOps[0].line.points);
    expect(lines).toEqual([
      [0, 0, 10, 0, 20, 0],
      [20, 0, 30, 0, 40, 0],
      [40, 0, 50, 0],
    ]);
    expect(lines.every((p) => p.length <= 6)).toBe(true);
  });

  test("finish keeps a stroke in progress; reset drops it", () => {
    const ctx = context();
    const pen = createPenTool("pen");
    pen.onPointerDown(ctx, down(0, 0));
    pen.onPointerMove(ctx, move([[5, 5]]));
    pen.finish(ctx);
    expect(ctx.done.commits).toHaveLength(1);
    pen.onPointerDown(ctx, down(0, 0));
    pen.reset(ctx);
    pen.onPointerUp(ctx, up(9, 9));
    expect(ctx.done.commits).toHaveLength(1);
    expect(finishedLine(null)).toBeNull();
  });
});

describe("shapes", () => {
  test("a drag shows a draft and makes the shape on pointer up", () => {
    const ctx = context();
    const rect = createShapeTool("rect");
    rect.onPointerDown(ctx, down(100, 100));
    rect.onPointerMove(ctx, move([[101, 101]]));
    expect(ctx.done.drafts).toEqual([null]); // too short to show
    rect.onPointerMove(ctx, move([[50, 160]]));
    expect(ctx.done.drafts.at(-1)).toMatchObject({
      type: "rect",
      x: 50,
      y: 100,
      width: 50,
      height: 60,
    });
    rect.onPointerUp(ctx, up(50, 160));
    const [{ doOps, undoOps }] = ctx.done.commits;
    expect(doOps[0]).toMatchObject({ op: "putShape", shape: { type: "rect", width: 50 } });
    expect(undoOps[0]).toEqual({
      op: "deleteElements",
      lineIds: [],
      shapeIds: [doOps[0].shape.id],
    });
    expect(ctx.done.drafts.at(-1)).toBeNull();
  });

  test("a click makes a default-sized shape", () => {
    const drag = { tool: "circle", id: "s", x0: 10, y0: 10, color: "#000", strokeWidth: 2 };
    expect(shapeFromDrag(drag, { x: 10, y: 10 }, true)).toMatchObject({
      type: "circle",
      radius: 20,
    });
    expect(shapeFromDrag({ ...drag, tool: "arrow" }, { x: 11, y: 10 }, true).points).toEqual([
      60, 0,
    ]);
    expect(shapeFromDrag({ ...drag, tool: "arrow" }, { x: 40, y: 50 }, true).points).toEqual([
      30, 40,
    ]);
  });
});

describe("text and select", () => {
  test("text opens the editor on pointer up where the pointer went down", () => {
    const ctx = context();
    const text = createTextTool();
    text.onPointerDown(ctx, down(30, 40));
    expect(ctx.done.texts).toHaveLength(0);
    text.onPointerUp(ctx, up(90, 90));
    expect(ctx.done.texts[0]).toMatchObject({
      type: "text",
      x: 30,
      y: 40,
      text: "",
      strokeWidth: 32,
    });
  });

  test("select leaves the transformer's handles to Konva", () => {
    const ctx = context();
    const select = createSelectTool();
    select.onPointerDown(ctx, { ...down(1, 1), onTransformer: true });
    expect(select.busy()).toBe(false);
    expect(ctx.done.selected).toEqual([]);
  });

  test("a transform folds the scale into the shape's own sizes", () => {
    const rect = { id: "r", type: "rect", x: 0, y: 0, width: 100, height: 50, rotation: 10 };
    const node = { x: 5.555, y: 6, rotation: 0, scaleX: 2, scaleY: -0.5 };
    expect(transformedShape(rect, node, 1000)).toEqual({
      id: "r",
      type: "rect",
      x: 5.56,
      y: 6,
      width: 200,
      height: 25,
    });
    const text = { id: "t", type: "text", x: 0, y: 0, text: "a", fontSize: 600 };
    const grown = transformedShape(text, { x: 0, y: 0, rotation: 30, scaleX: 3, scaleY: 3 }, 1000);
    expect(grown).toMatchObject({ fontSize: 1000, rotation: 30 });
  });
});
