import { describe, expect, test } from "bun:test";
import { roundHalfEven, roundPoints, simplifyPoints } from "../../assets/canvas/geometry.js";

describe("rounding as Python's round()", () => {
  test.each([
    [0.125, 0.12],
    [0.375, 0.38],
    [0.625, 0.62],
    [0.875, 0.88],
    [-0.125, -0.12],
    [2.675, 2.67], // 2.67499999... in binary
    [1.005, 1],
    [12.345, 12.35],
    [100.125, 100.12],
  ])("%p -> %p", (value, rounded) => {
    expect(roundHalfEven(value, 2)).toBe(rounded);
  });

  test("never -0, which JSON would write as 0 anyway", () => {
    expect(Object.is(roundHalfEven(-0.001, 2), 0)).toBe(true);
  });

  test("whole points", () => {
    expect(roundPoints([1.999, 2.001, 3])).toEqual([2, 2, 3]);
  });
});

describe("simplifying", () => {
  test("collinear points go, corners stay", () => {
    expect(simplifyPoints([0, 0, 50, 0.2, 100, 0, 100, 100])).toEqual([0, 0, 100, 0, 100, 100]);
  });

  test("a closed loop keeps its turning points (distance to the segment)", () => {
    const loop = [0, 0, 100, 0, 100, 100, 0, 100, 0, 0];
    expect(simplifyPoints(loop)).toEqual(loop);
  });

  test("two points and odd input are returned as they are", () => {
    expect(simplifyPoints([1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
    expect(simplifyPoints([1, 2, 3])).toEqual([1, 2, 3]);
  });

  test("a 20,000-value zigzag is simplified quickly (balanced splits)", () => {
    const zigzag = [];
    for (let i = 0; i < 10000; i++) zigzag.push(i, i % 2 ? 10 : 0);
    const started = performance.now();
    const kept = simplifyPoints(zigzag);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(kept.length).toBe(zigzag.length); // every corner is further than 0.5 px
  });
});
