/* Undo and redo kept per record in the browser: bounded, aged out, never in the way. */
import { beforeEach, describe, expect, test } from "bun:test";
import { History } from "../../assets/canvas/history.js";
import {
  forgetHistories,
  HISTORY_MAX_AGE_MS,
  MAX_HISTORIES,
  MAX_HISTORY_CHARS,
  readHistory,
  readPending,
  writeHistory,
  writePending,
} from "../../assets/record/local_queues.js";

/** A Storage with a quota, as browsers have. */
function storage(quotaChars = Number.POSITIVE_INFINITY) {
  const items = new Map();
  const used = () => [...items].reduce((n, [k, v]) => n + k.length + v.length, 0);
  return {
    items,
    get length() {
      return items.size;
    },
    key: (i) => [...items.keys()][i] ?? null,
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem(k, v) {
      const before = items.get(k);
      items.set(k, String(v));
      if (used() > quotaChars) {
        if (before === undefined) items.delete(k);
        else items.set(k, before);
        throw new Error("QuotaExceededError");
      }
    },
    removeItem: (k) => items.delete(k),
  };
}

const entry = (id, size = 10) => ({
  doOps: [{ op: "addLine", line: { id, points: new Array(size).fill(1) } }],
  undoOps: [{ op: "deleteElements", lineIds: [id], shapeIds: [] }],
});

describe("history kept per record", () => {
  beforeEach(() => {
    globalThis.localStorage = storage();
  });

  test("undo and redo come back for the same record only", () => {
    const history = new History();
    history.record(entry("a").doOps, entry("a").undoOps);
    history.record(entry("b").doOps, entry("b").undoOps);
    history.undo();
    writeHistory("record-1", history.stacks(), 1000);
    const again = new History();
    again.restore(readHistory("record-1", 2000));
    expect(again.sizes()).toEqual({ undo: 1, redo: 1 });
    expect(again.redo()[0].line.id).toBe("b");
    expect(readHistory("record-2", 2000)).toBeNull();
  });

  test("a history older than the limit, or damaged, is not taken up", () => {
    writeHistory("record-1", { undo: [entry("a")], redo: [] }, 0);
    expect(readHistory("record-1", HISTORY_MAX_AGE_MS - 1)).not.toBeNull();
    expect(readHistory("record-1", HISTORY_MAX_AGE_MS)).toBeNull();
    localStorage.setItem("medrec:history:record-1", '{"savedAt": 5, "undo": [{"doOps": 3}, null]}');
    expect(readHistory("record-1", 10)).toEqual({ undo: [], redo: [] });
  });

  test("a long history keeps its newest changes within the size limit", () => {
    const undo = Array.from({ length: 300 }, (_, i) => entry(`l${i}`, 1000));
    writeHistory("record-1", { undo, redo: [] }, 1);
    const raw = localStorage.getItem("medrec:history:record-1");
    expect(raw.length).toBeLessThanOrEqual(MAX_HISTORY_CHARS);
    const kept = readHistory("record-1", 2).undo;
    expect(kept.length).toBeGreaterThan(50);
    expect(kept.at(-1).doOps[0].line.id).toBe("l299");
  });

  test("only the records last worked on keep a history", () => {
    for (let i = 0; i < MAX_HISTORIES + 2; i++) {
      writeHistory(`record-${i}`, { undo: [entry("a")], redo: [] }, 100 + i);
    }
    const kept = [...localStorage.items.keys()].filter((k) => k.startsWith("medrec:history:"));
    expect(kept.length).toBe(MAX_HISTORIES);
    expect(readHistory(`record-${MAX_HISTORIES + 1}`, 200)).not.toBeNull();
    expect(readHistory("record-0", 200)).toBeNull();
  });

  test("the sign-in page forgets every history and no unsaved change", () => {
    writeHistory("record-1", { undo: [entry("a")], redo: [] }, 1);
    writePending("record-1", [{ op: { opId: "p".repeat(16) }, sentAt: 0, tries: 0, seq: 0 }]);
    forgetHistories();
    expect(readHistory("record-1", 2)).toBeNull();
    expect(readPending("record-1").length).toBe(1);
  });

  test("when storage is full the unsaved changes get the room undo had", () => {
    globalThis.localStorage = storage(60000);
    const undo = Array.from({ length: 20 }, (_, i) => entry(`l${i}`, 1000));
    writeHistory("record-1", { undo, redo: [] }, 1);
    expect(readHistory("record-1", 2).undo.length).toBeGreaterThan(0);
    const big = {
      op: { opId: "q".repeat(16), pad: "x".repeat(30000) },
      sentAt: 0,
      tries: 0,
      seq: 0,
    };
    expect(writePending("record-1", [big])).toBe(true);
    expect(readPending("record-1").length).toBe(1);
    expect(readHistory("record-1", 2)).toBeNull();
  });
});
