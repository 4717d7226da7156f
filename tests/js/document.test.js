/* The browser's merge against the golden fixtures the server's merge is held to. */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  applyBackground,
  applyOp,
  applyOps,
  backgroundOp,
  keepUnchanged,
  newElementId,
  newOpId,
  normaliseDocument,
  sizeProblem,
} from "../../assets/canvas/document.js";

const FOLDER = join(import.meta.dir, "..", "fixtures", "edits");
const cases = readdirSync(FOLDER)
  .filter((name) => name.endsWith(".json"))
  .map((name) => [name, JSON.parse(readFileSync(join(FOLDER, name), "utf8"))]);

describe("golden edits", () => {
  test("the fixtures are there", () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });
  for (const [name, fixture] of cases) {
    test(name, () => {
      const got = applyOps(normaliseDocument(fixture.document), fixture.operations);
      expect(got).toEqual(normaliseDocument(fixture.expected));
    });
  }
});

// The golden size fixture (tests/golden_sizes.py): the drawings are built here as there.
const SIZES = JSON.parse(
  readFileSync(join(import.meta.dir, "..", "fixtures", "sizes.json"), "utf8"),
);
const zigzag = (values, row) =>
  Array.from({ length: values }, (_v, k) =>
    k % 2 === 0 ? Math.floor(k / 2) * 10 : (row % 500) + 10 * (Math.floor(k / 2) % 2),
  );
function describedDocument(spec) {
  const pairs = Math.floor(Math.floor(spec.values / 2) / spec.lines);
  const extra = Math.floor(spec.values / 2) % spec.lines;
  const lines = Array.from({ length: spec.lines }, (_v, i) => ({
    id: `line-${i}`,
    tool: "pen",
    points: zigzag(2 * (pairs + (i < extra ? 1 : 0)), i),
    color: "#000000",
    strokeWidth: 2,
  }));
  const shapes = Array.from({ length: spec.shapes }, (_v, i) => ({
    id: `shape-${i}`,
    type: "rect",
    x: i % 700,
    y: 10,
    width: 20,
    height: 20,
    color: "#000000",
    strokeWidth: 2,
  }));
  return normaliseDocument({ lines, shapes, stageSize: { width: 800, height: 600 } });
}

describe("golden sizes: the canvas refuses what the server refuses", () => {
  test("a described document holds what it says", () => {
    const doc = describedDocument({ lines: 3, values: 14, shapes: 2 });
    expect(doc.lines.map((l) => l.points.length)).toEqual([6, 4, 4]);
    expect(doc.shapes).toHaveLength(2);
  });
  for (const [name, fixture] of Object.entries(SIZES.cases)) {
    test(name, () => {
      const before = describedDocument(fixture.document);
      const after = applyOps(before, fixture.operations);
      expect(sizeProblem(before, after, SIZES.limits) !== "").toBe(fixture.refused);
    });
  }
});

describe("document", () => {
  test("normalising fills the spec's defaults and keeps other keys", () => {
    expect(normaliseDocument(null)).toEqual({
      lines: [],
      shapes: [],
      stageSize: { width: 800, height: 600 },
    });
    const doc = normaliseDocument({ version: 1, stageSize: { width: 1024, height: 0 } });
    expect(doc.version).toBe(1);
    expect(doc.stageSize).toEqual({ width: 1024, height: 600 });
  });

  test("applying never changes the input", () => {
    const doc = normaliseDocument({ lines: [{ id: "l", points: [1, 1, 2, 2] }] });
    const before = JSON.stringify(doc);
    applyOps(doc, [{ op: "deleteElements", lineIds: ["l"], shapeIds: [] }]);
    expect(JSON.stringify(doc)).toBe(before);
  });

  test("an unknown operation changes nothing", () => {
    const doc = normaliseDocument(null);
    expect(applyOps(doc, [{ op: "setField", path: "notes", value: "x" }])).toBe(doc);
  });

  test("backgroundOp undoes applyBackground", () => {
    const doc = normaliseDocument({ backgroundType: "image", backgroundFileId: 3 });
    const undo = backgroundOp(doc);
    const changed = applyBackground(doc, {
      backgroundType: "pdf",
      backgroundFileId: 9,
      pdfPageNumber: 2,
      pdfNumPages: 4,
    });
    expect(changed.pdfPageNumber).toBe(2);
    expect(applyBackground(changed, undo)).toEqual(doc);
  });

  test("ids keep to the server's rules", () => {
    const opIds = new Set(Array.from({ length: 100 }, newOpId));
    expect(opIds.size).toBe(100);
    for (const id of opIds) expect(id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(newElementId("line")).toMatch(/^line-[0-9a-f]{32}$/);
  });
});

describe("the drawing's size", () => {
  const limits = { maxLines: 3, maxShapes: 1, maxTotalPoints: 12 };
  const line = (id, n = 2) => ({ id, tool: "pen", points: Array(n).fill(1), color: "#000000" });
  const doc = (lines, shapes = []) => normaliseDocument({ lines, shapes });

  test("a change that takes the strokes past the limit is refused with the limit named", () => {
    const full = doc([line("a"), line("b"), line("c")]);
    const problem = sizeProblem(full, doc([...full.lines, line("d")]), limits);
    expect(problem).toContain("the most strokes a record can (3)");
    expect(problem).toContain("select tool");
  });

  test("shapes and ink have their own limits; arrows' points count as ink", () => {
    const shape = (id) => ({ id, type: "arrow", points: [0, 0, 5, 5] });
    expect(sizeProblem(doc([]), doc([], [shape("s"), shape("t")]), limits)).toContain("shapes");
    expect(sizeProblem(doc([line("a", 8)]), doc([line("a", 8)], [shape("s")]), limits)).toBe("");
    expect(sizeProblem(doc([line("a", 8)]), doc([line("a", 8), line("b", 6)]), limits)).toContain(
      "as much ink",
    );
  });

  test("a change that makes nothing bigger passes, even on a drawing over the limit", () => {
    const over = doc([line("a"), line("b"), line("c"), line("d")]);
    expect(sizeProblem(over, doc(over.lines.slice(1)), limits)).toBe("");
    expect(sizeProblem(over, over, limits)).toBe("");
    expect(sizeProblem(over, doc([...over.lines, line("e")]), {})).toBe("");
  });

  test("the ink counted along operations is the ink counted afresh", () => {
    const zigzag = (id, n) => ({
      ...line(id),
      points: Array.from({ length: n }, (_v, i) => (i % 4) * 10 + i),
    });
    const inkOf = (d) => [...d.lines, ...d.shapes].reduce((n, e) => n + (e.points?.length ?? 0), 0);
    let current = doc([zigzag("a", 8), zigzag("b", 12)]);
    sizeProblem(current, current, limits); // counted once: what follows counts from it
    for (const op of [
      { op: "addLine", line: zigzag("c", 16) },
      { op: "addLine", line: zigzag("a", 20) },
      { op: "putShape", shape: { id: "s", type: "arrow", points: [0, 0, 5, 5] } },
      { op: "deleteElements", lineIds: ["b", "missing"], shapeIds: [] },
      { op: "putShape", shape: { id: "s", type: "rect", x: 1, y: 1 } },
    ]) {
      const next = applyOp(current, op);
      const more = applyOp(next, { op: "addLine", line: zigzag("grow", 2) });
      const ink = inkOf(next);
      expect(sizeProblem(next, more, { maxTotalPoints: ink + 2 })).toBe("");
      expect(sizeProblem(next, more, { maxTotalPoints: ink + 1 })).toContain("as much ink");
      current = next;
    }
  });

  test("putting a line with a known id replaces the first one with it, in its place", () => {
    const start = doc([line("a"), line("b", 4), line("b", 6)]);
    const next = applyOp(start, { op: "addLine", line: { ...line("b", 2), color: "#ff0000" } });
    expect(next.lines.map((l) => [l.id, l.color])).toEqual([
      ["a", "#000000"],
      ["b", "#ff0000"],
      ["b", "#000000"],
    ]);
    expect(applyOp(start, { op: "addLine", line: line("c") }).lines).toHaveLength(4);
  });
});

describe("a record fetched again", () => {
  const line = (id, points) => ({ id, tool: "pen", points, color: "#000000", strokeWidth: 3 });
  const shown = normaliseDocument({
    lines: [line("a", [1, 1, 2, 2]), line("b", [3, 3, 4, 4])],
    shapes: [{ id: "s", type: "rect", x: 1, y: 2, width: 3, height: 4 }],
  });

  test("keeps the lists shown when the stored ones equal them", () => {
    const fetched = JSON.parse(JSON.stringify(shown));
    fetched.shapes[0] = { height: 4, width: 3, y: 2, x: 1, type: "rect", id: "s" };
    const kept = keepUnchanged(shown, fetched);
    expect(kept.lines).toBe(shown.lines);
    expect(kept.shapes).toBe(shown.shapes);
  });

  test("takes what changed, and each unchanged element from what was shown", () => {
    const fetched = JSON.parse(JSON.stringify(shown));
    fetched.lines[1].points[3] = 4.5;
    fetched.lines.push(line("c", [5, 5, 6, 6]));
    const kept = keepUnchanged(shown, fetched);
    expect(kept).toEqual(fetched);
    expect(kept.lines[0]).toBe(shown.lines[0]);
    expect(kept.lines[1]).toBe(fetched.lines[1]);
    expect(kept.shapes).toBe(shown.shapes);
    expect(keepUnchanged(shown, normaliseDocument(null)).lines).toEqual([]);
  });
});
