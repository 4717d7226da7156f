/* The canvas renders again only for props that changed (same_props.js). */
import { describe, expect, test } from "bun:test";
import { sameProps } from "../../assets/canvas/same_props.js";

describe("sameProps", () => {
  const onOps = () => {};
  const base = {
    recordKey: "record-1",
    readOnly: false,
    ackedOpIds: ["a"],
    limits: { maxLines: 3 },
    onOps,
  };

  test("limits built afresh with the same values, and the same handler, are the same props", () => {
    expect(sameProps(base, { ...base, limits: { maxLines: 3 }, ackedOpIds: ["a"] })).toBe(true);
  });

  test("a changed value, a new acknowledgement, a changed limit or another handler is not", () => {
    expect(sameProps(base, { ...base, recordKey: "record-2" })).toBe(false);
    expect(sameProps(base, { ...base, ackedOpIds: ["a", "b"] })).toBe(false);
    expect(sameProps(base, { ...base, limits: { maxLines: 4 } })).toBe(false);
    expect(sameProps(base, { ...base, onOps: () => {} })).toBe(false);
  });

  test("a prop that appears or goes away is a change", () => {
    expect(sameProps(base, { ...base, layersUrl: "/layers" })).toBe(false);
    const { readOnly: _gone, ...rest } = base;
    expect(sameProps(base, rest)).toBe(false);
  });

  test("an array is not the object with its indices as keys", () => {
    expect(sameProps({ v: ["x"] }, { v: { 0: "x" } })).toBe(false);
  });
});
