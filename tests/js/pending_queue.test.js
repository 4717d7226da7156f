import { describe, expect, test } from "bun:test";
import {
  anyAcked,
  batches,
  mergeQueues,
  newEntries,
  RESEND_FIRST_MS,
  RESEND_MAX_MS,
  resendWait,
  restarted,
  takeDue,
} from "../../assets/canvas/pending_queue.js";

const op = (id, extra = {}) => ({ op: "addLine", opId: id, ...extra });

describe("pending queue", () => {
  test("entries keep the order the ops were made in", () => {
    const entries = newEntries([op("a"), op("b"), op("c")], 1000);
    expect(entries.map((e) => e.op.opId)).toEqual(["a", "b", "c"]);
    expect(entries.every((e) => e.tries === 0 && e.sentAt === 1000)).toBe(true);
  });

  test("merging keeps other tabs' entries and drops the acknowledged", () => {
    const [a, b] = newEntries([op("a"), op("b")], 1000);
    const [c] = newEntries([op("c")], 2000);
    const merged = mergeQueues([b, a], [a], [c], new Set(["b"]));
    expect(merged.map((e) => e.op.opId)).toEqual(["a", "c"]);
  });

  test("re-sends back off from 3 s to 30 s", () => {
    expect([0, 1, 2, 3, 4, 5].map(resendWait)).toEqual([3000, 6000, 12000, 24000, 30000, 30000]);
    expect(resendWait(0)).toBe(RESEND_FIRST_MS);
    expect(resendWait(50)).toBe(RESEND_MAX_MS);
  });

  test("only entries whose wait is over are due, and they are marked sent", () => {
    const entries = newEntries([op("a")], 0);
    expect(takeDue(entries, 2999)).toEqual([]);
    expect(takeDue(entries, 3000).map((o) => o.opId)).toEqual(["a"]);
    expect(entries[0]).toMatchObject({ sentAt: 3000, tries: 1 });
    expect(takeDue(entries, 3000 + 5999)).toEqual([]);
    expect(takeDue(entries, 3000 + 6000).length).toBe(1);
  });

  test("after a reload every entry goes out at once, the stored copy untouched", () => {
    const stored = newEntries([op("a")], 0);
    stored[0].tries = 4;
    const again = restarted(stored, 5000);
    expect(again[0]).toMatchObject({ sentAt: 5000, tries: 0 });
    expect(stored[0].tries).toBe(4);
  });

  test("batches keep to the server's op count and the socket's message size", () => {
    const ops = Array.from({ length: 7 }, (_v, i) => op(`o${i}`));
    expect(batches(ops, 3).map((b) => b.length)).toEqual([3, 3, 1]);
    const big = [op("x", { pad: "a".repeat(600) }), op("y", { pad: "b".repeat(600) })];
    expect(batches(big, 0, 1000).map((b) => b.length)).toEqual([1, 1]);
    expect(batches([op("alone", { pad: "c".repeat(5000) })], 0, 1000)).toHaveLength(1);
  });

  test("an acknowledgement counts when either queue holds the op", () => {
    const [a] = newEntries([op("a")], 0);
    expect(anyAcked(new Set(["a"]), [], [a])).toBe(true);
    expect(anyAcked(new Set(["z"]), [a], [a])).toBe(false);
  });
});
