/* Carrying elements forward from the last visit, and confirming them. */
import { describe, expect, test } from "bun:test";
import {
  carriedMark,
  carryChange,
  confirmChange,
  unconfirmedCount,
  unconfirmedMarks,
  visitLabel,
} from "../../assets/canvas/carry.js";
import { applyOps, normaliseDocument } from "../../assets/canvas/document.js";

const fixture = await Bun.file(new URL("../fixtures/carried_ids.json", import.meta.url)).json();

describe("carried marks", () => {
  test("an id says what the server reads in it", () => {
    for (const { id, mark } of fixture.cases) expect([id, carriedMark(id)]).toEqual([id, mark]);
  });

  test("visits are named by day and month", () => {
    expect(visitLabel("2026-11-12")).toBe("12 Nov");
    expect(visitLabel("2027-01-03")).toBe("3 Jan");
  });
});

const LAST = normaliseDocument({
  lines: [
    { id: "l1", tool: "pen", points: [10, 10, 50, 10], color: "#000000", strokeWidth: 3 },
    { id: "l2", tool: "pen", points: [10, 40, 50, 40], color: "#000000", strokeWidth: 3 },
  ],
  shapes: [
    { id: "s1", type: "circle", x: 200, y: 200, radius: 20, color: "#e53935", strokeWidth: 3 },
  ],
});
const SOURCE = { recordId: 12, visitDate: "2026-11-12" };

describe("carry forward", () => {
  test("copies carry the source in their ids and leave the last visit alone", () => {
    const { change, selection } = carryChange(LAST, { lines: ["l2"], shapes: ["s1"] }, SOURCE);
    const doc = applyOps(normaliseDocument(null), change.doOps);
    expect(doc.lines.map((l) => carriedMark(l.id))).toEqual([
      { recordId: 12, visitDate: "2026-11-12", confirmed: false },
    ]);
    expect(doc.lines[0].points).toEqual(LAST.lines[1].points);
    expect(carriedMark(doc.shapes[0].id).confirmed).toBe(false);
    expect(selection.lines).toEqual([doc.lines[0].id]);
    expect(applyOps(doc, change.undoOps)).toEqual(normaliseDocument(null));
    expect(carryChange(LAST, { lines: [], shapes: [] }, SOURCE).change).toBeNull();
  });

  test("confirming one keeps its source and place in the record; undo takes it back", () => {
    const carried = carryChange(LAST, { lines: ["l1", "l2"], shapes: [] }, SOURCE);
    const doc = applyOps(normaliseDocument(null), carried.change.doOps);
    const [first, second] = doc.lines.map((l) => l.id);
    expect(unconfirmedCount(doc, carried.selection)).toBe(2);
    const change = confirmChange(doc, { lines: [first], shapes: [] });
    const confirmed = applyOps(doc, change.doOps);
    expect(confirmed.lines.map((l) => carriedMark(l.id).confirmed).sort()).toEqual([false, true]);
    expect(confirmed.lines.find((l) => l.id === second)).toBeDefined();
    expect(confirmed.lines.find((l) => l.id === first.replace("carried.", "from."))).toBeDefined();
    expect(
      applyOps(confirmed, change.undoOps)
        .lines.map((l) => l.id)
        .sort(),
    ).toEqual([first, second].sort());
    expect(
      confirmChange(confirmed, { lines: [first.replace("carried.", "from.")], shapes: [] }),
    ).toBeNull();
  });

  test("each carried element not yet confirmed is marked where it is, with its visit", () => {
    const carried = carryChange(LAST, { lines: ["l1"], shapes: ["s1"] }, SOURCE);
    const doc = applyOps(LAST, carried.change.doOps);
    const marks = unconfirmedMarks(doc);
    expect(marks.map((m) => m.visitDate)).toEqual(["2026-11-12", "2026-11-12"]);
    expect(marks[0].box.x).toBeLessThanOrEqual(10);
    expect(marks[1].box.x).toBeLessThanOrEqual(180);
    const confirmed = applyOps(doc, confirmChange(doc, carried.selection).doOps);
    expect(unconfirmedMarks(confirmed)).toEqual([]);
  });
});
