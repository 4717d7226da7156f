/* Keys, pointers, user-level changes, the stroke cache, the palette and the browser queues. */
import { beforeEach, describe, expect, test } from "bun:test";
import {
  clearChange,
  pageChange,
  putShapeChange,
  textEditChange,
} from "../../assets/canvas/changes.js";
import { normaliseDocument } from "../../assets/canvas/document.js";
import { pointerDecision, stageCursor } from "../../assets/canvas/input.js";
import { keyAction, takesKey } from "../../assets/canvas/keyboard.js";
import { sizeOptions, tinted } from "../../assets/canvas/palette.js";
import { lineBounds } from "../../assets/canvas/selection.js";
import {
  bitmapPlan,
  blitPlacement,
  keptRatio,
  splitLines,
  visibleLines,
} from "../../assets/canvas/stroke_cache.js";
import { paintLines } from "../../assets/canvas/stroke_paint.js";
import {
  FORM_DRAFTS_KEY,
  markRequestDone,
  readPending,
  requestDone,
  unsavedOps,
  writePending,
} from "../../assets/record/local_queues.js";

const key = (k, extra = {}) => ({ key: k, target: { tagName: "DIV" }, ...extra });

describe("keyboard", () => {
  const editing = { interactive: true, editingText: false, hasSelection: true, tool: "select" };
  test("the canvas takes keys only while it can change and no text is typed", () => {
    expect(takesKey("undo", editing)).toBe(true);
    expect(takesKey("undo", { ...editing, interactive: false })).toBe(false);
    expect(takesKey("zoomIn", { ...editing, editingText: true })).toBe(false);
  });
  test("keys on a selection are the page's own when nothing is selected", () => {
    const none = { ...editing, hasSelection: false };
    for (const action of ["nudge", "duplicate", "deselect", "delete"]) {
      expect(takesKey(action, editing)).toBe(true);
      expect(takesKey(action, none)).toBe(false);
    }
    expect(takesKey("undo", none)).toBe(true);
    expect(takesKey("selectAll", none)).toBe(true);
    expect(takesKey("selectAll", { ...none, tool: "pen" })).toBe(false);
  });
  test("the stage's cursor says what a drag will do", () => {
    const at = (extra) =>
      stageCursor({ panning: false, spaceHeld: false, interactive: true, tool: "pen", ...extra });
    expect(at({})).toBe("crosshair");
    expect(at({ tool: "text" })).toBe("text");
    expect(at({ tool: "select" })).toBe("default");
    expect(at({ interactive: false })).toBe("default");
    expect(at({ spaceHeld: true })).toBe("grab");
    expect(at({ panning: true, spaceHeld: true })).toBe("grabbing");
  });

  test("undo, redo, delete and tool letters", () => {
    expect(keyAction(key("z", { ctrlKey: true }))).toEqual({ action: "undo" });
    expect(keyAction(key("Z", { metaKey: true, shiftKey: true }))).toEqual({ action: "redo" });
    expect(keyAction(key("y", { ctrlKey: true }))).toEqual({ action: "redo" });
    expect(keyAction(key("Delete"))).toEqual({ action: "delete" });
    expect(keyAction(key("Backspace"))).toEqual({ action: "delete" });
    expect(keyAction(key("e"))).toEqual({ action: "tool", tool: "eraser" });
    expect(keyAction(key("+"))).toEqual({ action: "zoomIn" });
    expect(keyAction(key("="))).toEqual({ action: "zoomIn" });
    expect(keyAction(key("-"))).toEqual({ action: "zoomOut" });
    expect(keyAction(key("0"))).toEqual({ action: "fit" });
    expect(keyAction(key("-", { target: { tagName: "INPUT" } }))).toBeNull();
  });

  test("keys typed into the page's fields, held keys and other chords are left alone", () => {
    expect(keyAction(key("e", { target: { tagName: "INPUT" } }))).toBeNull();
    expect(keyAction(key("z", { ctrlKey: true, target: { tagName: "TEXTAREA" } }))).toBeNull();
    expect(keyAction(key("p", { target: { tagName: "DIV", isContentEditable: true } }))).toBeNull();
    expect(keyAction(key("p", { repeat: true }))).toBeNull();
    expect(keyAction(key("p", { altKey: true }))).toBeNull();
    expect(keyAction(key("s", { ctrlKey: true }))).toBeNull();
    expect(keyAction(key("p", { defaultPrevented: true }))).toBeNull();
  });
});

describe("pointers", () => {
  const mode = { penOnly: false, autoPenOnly: true };
  test("the first pen event turns stylus-only on, and from then touches do not draw", () => {
    expect(pointerDecision({ pointerType: "pen", button: 0 }, mode)).toEqual({
      accept: true,
      penModeOn: true,
    });
    const on = { penOnly: true, autoPenOnly: false };
    expect(pointerDecision({ pointerType: "touch", button: 0 }, on).accept).toBe(false);
    expect(pointerDecision({ pointerType: "touch", button: 0 }, mode).accept).toBe(true);
  });

  test("only the main mouse button draws", () => {
    expect(pointerDecision({ pointerType: "mouse", button: 2 }, mode).accept).toBe(false);
    expect(pointerDecision({ pointerType: "mouse", button: 0 }, mode).accept).toBe(true);
  });
});

describe("changes", () => {
  const circle = { id: "c", type: "circle", x: 1, y: 1, radius: 5, color: "#000", strokeWidth: 2 };

  test("an unchanged shape is no change", () => {
    expect(putShapeChange(circle, { ...circle })).toBeNull();
  });

  test("clear names what it removes and puts it all back on undo", () => {
    const doc = normaliseDocument({
      lines: [{ points: [1, 1, 2, 2] }, { id: "l1", points: [3, 3, 4, 4] }],
      shapes: [circle],
    });
    const { doOps, undoOps } = clearChange(doc);
    expect(doOps).toEqual([{ op: "deleteElements", lineIds: ["l1"], shapeIds: ["c"] }]);
    expect(undoOps.map((o) => o.op)).toEqual(["addLine", "putShape"]);
    expect(clearChange(normaliseDocument(null))).toBeNull();
  });

  test("text: made, changed, emptied (removed) or never typed", () => {
    const shape = { id: "t", type: "text", x: 0, y: 0, text: "", strokeWidth: 24 };
    expect(textEditChange({ value: "  ", old: null, shape }, 10)).toBeNull();
    expect(textEditChange({ value: "abcdefghijkl", old: null, shape }, 5).doOps[0].shape.text).toBe(
      "abcde",
    );
    const old = { ...shape, text: "old" };
    expect(textEditChange({ value: "", old, shape }, 10).doOps[0].op).toBe("deleteElements");
    expect(textEditChange({ value: "new", old, shape }, 10).undoOps[0].shape.text).toBe("old");
  });

  test("page turns stay within the PDF", () => {
    const doc = normaliseDocument({ backgroundType: "pdf", backgroundFileId: 4, pdfPageNumber: 1 });
    expect(pageChange(doc, 2, 3).doOps[0]).toMatchObject({ pdfPageNumber: 2, pdfNumPages: 3 });
    expect(pageChange(doc, 2, 3).undoOps[0]).toMatchObject({ pdfPageNumber: 1 });
    expect(pageChange(doc, 4, 3)).toBeNull();
    expect(pageChange(normaliseDocument(null), 1, 1)).toBeNull();
  });
});

describe("stroke cache", () => {
  test("a small resize keeps the bitmap's resolution; a big one or the first sizing does not", () => {
    expect(keptRatio(0, 1.6)).toBe(1.6); // not drawn yet
    expect(keptRatio(1.6, 1.57)).toBe(1.6); // a scrollbar came: 2 % narrower
    expect(keptRatio(1.6, 1.7)).toBe(1.6); // 6 % softer than the screen at most
    expect(keptRatio(1.6, 2.0)).toBe(2.0); // 20 % softer: drawn again
    expect(keptRatio(1.6, 1.0)).toBe(1.0); // far sharper than needed: memory back
  });

  const lines = Array.from({ length: 10 }, (_v, i) => ({ id: `l${i}` }));
  test("the base is kept while only a short tail is added", () => {
    const first = splitLines(lines.slice(0, 8), [], 4);
    expect(first.baseLines).toHaveLength(8);
    const next = splitLines(lines, first.baseLines, 4);
    expect(next.baseLines).toBe(first.baseLines);
    expect(next.recentLines).toEqual(lines.slice(8));
  });

  test("a full tail's older half joins the base; a changed old stroke starts it afresh", () => {
    const base = lines.slice(0, 5);
    const grown = splitLines(lines, base, 4); // a tail of 5 > 4: 2 of them stay
    expect(grown.baseLines).toEqual(lines.slice(0, 8));
    expect(grown.recentLines).toEqual(lines.slice(8));
    const changed = [{ id: "l0", moved: true }, ...lines.slice(1)];
    expect(splitLines(changed, base, 4)).toEqual({ baseLines: changed, recentLines: [] });
    // A small drawing is drawn as lines, not from a bitmap of the whole stage.
    expect(splitLines(changed, base, 64)).toEqual({ baseLines: [], recentLines: changed });
    expect(splitLines(lines.slice(0, 4), base, 4).recentLines).toEqual(lines.slice(0, 4)); // undone
  });

  test("a bitmap is painted on while lines are only added, afresh when one before changes", () => {
    const rect = { x: 0, y: 0, width: 800, height: 600 };
    const bitmap = { lines: lines.slice(0, 5), rect: { ...rect }, ratio: 1.5 };
    expect(bitmapPlan(bitmap, bitmap.lines, rect, 1.5)).toBe("keep");
    expect(bitmapPlan(bitmap, lines, rect, 1.5)).toBe("append");
    expect(bitmapPlan(bitmap, lines.slice(0, 4), rect, 1.5)).toBe("repaint");
    expect(bitmapPlan(bitmap, [{ id: "x" }, ...lines.slice(1)], rect, 1.5)).toBe("repaint");
    expect(bitmapPlan(bitmap, lines, rect, 2)).toBe("repaint"); // another resolution
    expect(bitmapPlan(bitmap, lines, { ...rect, x: 10 }, 1.5)).toBe("repaint"); // another part
    expect(bitmapPlan(null, lines, rect, 1.5)).toBe("repaint");
    expect(bitmapPlan(bitmap, [], rect, 1.5)).toBe("clear");
    expect(bitmapPlan(bitmap, lines, rect, 0)).toBe("clear"); // not sized yet
  });

  test("a bitmap at the screen's resolution lands on whole pixels, else it is scaled", () => {
    const rect = { x: 100, y: 50, width: 200, height: 100 };
    const size = { width: 217, height: 109 };
    const atFit = { a: 1.08125, d: 1.08125, e: -0.3, f: 0.4 };
    expect(blitPlacement(atFit, rect, 1.08125, size)).toEqual({
      exact: true,
      x: 108,
      y: 54,
      width: 217,
      height: 109,
    });
    const zoomed = blitPlacement({ a: 2.1625, d: 2.1625, e: 0, f: 0 }, rect, 1.08125, size);
    expect(zoomed.exact).toBe(false);
    expect(zoomed.x).toBeCloseTo(216.25);
    expect(zoomed.width).toBeCloseTo(434);
    expect(zoomed.height).toBeCloseTo(218);
  });
});

describe("palette", () => {
  test("a tint keeps the colour's own opacity", () => {
    expect(tinted("#e5393580", "#8e24aa")).toBe("#8e24aa80");
    expect(tinted("#000", "#8e24aa")).toBe("#8e24aa");
    expect(tinted("transparent", "#8e24aa")).toBe("transparent");
    expect(tinted("#000", "")).toBe("#000");
  });

  test("an odd size is offered beside the usual ones", () => {
    expect(sizeOptions([1, 3, 5], 4)).toEqual([1, 3, 4, 5]);
    expect(sizeOptions([1, 3, 5], 3)).toEqual([1, 3, 5]);
  });
});

describe("local queues", () => {
  beforeEach(() => {
    const items = new Map();
    globalThis.localStorage = {
      getItem: (k) => (items.has(k) ? items.get(k) : null),
      setItem: (k, v) => items.set(k, String(v)),
      removeItem: (k) => items.delete(k),
    };
  });

  test("the canvas queue round-trips and an empty queue leaves no key", () => {
    const entries = [{ op: { opId: "a".repeat(32) }, sentAt: 1, tries: 0, seq: 1 }];
    expect(writePending("record-1", entries)).toBe(true);
    expect(readPending("record-1")).toEqual(entries);
    expect(readPending("record-2")).toEqual([]);
    writePending("record-1", []);
    expect(localStorage.getItem("medrec:pending:record-1")).toBeNull();
  });

  test("damaged storage reads as empty", () => {
    localStorage.setItem("medrec:pending:record-1", "{not json");
    expect(readPending("record-1")).toEqual([]);
    localStorage.setItem("medrec:pending:record-1", JSON.stringify([{ op: {} }, null]));
    expect(readPending("record-1")).toEqual([]);
  });

  test("a full storage is reported, not thrown", () => {
    localStorage.setItem = () => {
      throw new Error("QuotaExceededError");
    };
    expect(writePending("record-1", [{ op: { opId: "x".repeat(16) } }])).toBe(false);
    expect(() => markRequestDone("record-1", "n")).not.toThrow();
  });

  test("unsaved ops: the form's fields (a JSON string inside), then the canvas's", () => {
    const field = { op: "setField", opId: "f".repeat(16), path: "notes", value: "x" };
    localStorage.setItem(FORM_DRAFTS_KEY, JSON.stringify(JSON.stringify({ 42: { notes: field } })));
    const line = { op: "addLine", opId: "l".repeat(16) };
    writePending("record-42", [{ op: line, sentAt: 0, tries: 0, seq: 0 }]);
    expect(unsavedOps(42, "record-42")).toEqual([field, line]);
    expect(unsavedOps(7, "record-7")).toEqual([]);
  });

  test("a background request is done once per nonce", () => {
    expect(requestDone("record-1", "n1")).toBe(false);
    markRequestDone("record-1", "n1");
    expect(requestDone("record-1", "n1")).toBe(true);
    expect(requestDone("record-1", "n2")).toBe(false);
  });
});

describe("stroke paint", () => {
  test("each stroke is one path in its own style; erasers cut, carried marks are dashed", () => {
    const calls = [];
    const ctx = new Proxy(
      { setLineDash: (d) => calls.push(["dash", d.length]) },
      {
        get: (target, key) =>
          key in target ? target[key] : (...args) => calls.push([key, ...args]),
        set: (_t, key, value) => {
          calls.push([`=${String(key)}`, value]);
          return true;
        },
      },
    );
    paintLines(ctx, [
      { id: "a", tool: "pen", points: [0, 0, 10, 0, 10, 10], color: "#000000", strokeWidth: 3 },
      {
        id: "carried.1.20261112.line-abcd",
        tool: "pen",
        points: [5, 5],
        color: "#e53935",
        strokeWidth: 2,
      },
      { id: "e", tool: "eraser", points: [0, 0, 4, 4], color: "#ffffff", strokeWidth: 9 },
    ]);
    expect(calls.filter(([k]) => k === "stroke").length).toBe(3);
    expect(calls.filter(([k]) => k === "lineTo").length).toBe(2 + 1 + 1);
    const ops = calls.filter(([k]) => k === "=globalCompositeOperation").map(([, v]) => v);
    expect(ops).toEqual(["source-over", "source-over", "destination-out", "source-over"]);
    expect(calls.filter(([k]) => k === "dash").map(([, n]) => n)).toEqual([0, 2, 0, 0]);
    expect(calls.filter(([k]) => k === "=lineWidth").map(([, v]) => v)).toEqual([3, 2, 9]);
  });
});

describe("stroke bounds", () => {
  test("a stroke's box holds every point and half its width around", () => {
    const line = { points: [10, 50, 30, 20, 5, 40, 25, 60], strokeWidth: 4 };
    expect(lineBounds(line)).toEqual({ x: 3, y: 18, width: 29, height: 44 });
  });
  test("a dot is a box of its width; no points, no box", () => {
    expect(lineBounds({ points: [7, 8], strokeWidth: 2 })).toEqual({
      x: 6,
      y: 7,
      width: 2,
      height: 2,
    });
    expect(lineBounds({ points: [], strokeWidth: 2 })).toBeNull();
  });
});

describe("strokes in sight", () => {
  test("only the strokes whose bounds meet the view are painted sharp", () => {
    const lines = [
      { id: "in", points: [10, 10, 20, 20], strokeWidth: 2 },
      { id: "out", points: [500, 500, 600, 600], strokeWidth: 2 },
      { id: "across", points: [0, 50, 900, 50], strokeWidth: 2 },
    ];
    const boxes = lines.map(lineBounds);
    const shown = visibleLines(lines, boxes, { x: 0, y: 0, width: 100, height: 75 });
    expect(shown.map((l) => l.id)).toEqual(["in", "across"]);
  });
});
