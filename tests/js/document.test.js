/* The browser's merge against the golden fixtures the server's merge is held to. */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  applyBackground,
  applyOps,
  backgroundOp,
  newElementId,
  newOpId,
  normaliseDocument,
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
