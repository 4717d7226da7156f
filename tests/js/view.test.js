/* The view (zoom and pan) and the gestures that move it: stored coordinates never change. */
import { describe, expect, test } from "bun:test";
import { createGestures, TAP_MS } from "../../assets/canvas/gestures.js";
import {
  clampView,
  FIT,
  MAX_ZOOM,
  panBy,
  pinchView,
  toDocument,
  toScreen,
  wheelFactor,
  zoomAt,
  zoomCentred,
} from "../../assets/canvas/view.js";

const SIZE = { width: 800, height: 600 };
const SCALE = 0.5; // the stage shown 400 px wide at fit

describe("view", () => {
  test("at fit a screen point is the document point over the fit scale", () => {
    expect(toDocument(FIT, SCALE, { x: 100, y: 50 })).toEqual({ x: 200, y: 100 });
    expect(toScreen(FIT, SCALE, { x: 200, y: 100 })).toEqual({ x: 100, y: 50 });
  });

  test("zooming keeps the document point under the anchor", () => {
    const anchor = { x: 120, y: 80 };
    const before = toDocument(FIT, SCALE, anchor);
    const view = zoomAt(FIT, 2, anchor, SCALE, SIZE);
    expect(view.zoom).toBe(2);
    const after = toDocument(view, SCALE, anchor);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
  });

  test("screen and document points round-trip at any view", () => {
    const view = { zoom: 3.5, x: 123.4, y: 56.7 };
    const p = { x: 321.25, y: 222.5 };
    const back = toDocument(view, SCALE, toScreen(view, SCALE, p));
    expect(back.x).toBeCloseTo(p.x, 9);
    expect(back.y).toBeCloseTo(p.y, 9);
  });

  test("the view never leaves the document nor passes the zoom limits", () => {
    expect(clampView({ zoom: 0.2, x: -50, y: 900 }, SIZE)).toEqual(FIT);
    const far = clampView({ zoom: 99, x: 5000, y: 5000 }, SIZE);
    expect(far.zoom).toBe(MAX_ZOOM);
    expect(far.x).toBe(800 - 800 / MAX_ZOOM);
    expect(far.y).toBe(600 - 600 / MAX_ZOOM);
    expect(zoomCentred(FIT, 1 / 1.5, SCALE, SIZE)).toEqual(FIT);
  });

  test("the centred zoom keeps the stage's middle", () => {
    const view = zoomCentred(FIT, 2, SCALE, SIZE);
    expect(view).toEqual({ zoom: 2, x: 200, y: 150 });
  });

  test("panning moves the document with the pointer, in screen px", () => {
    const view = panBy({ zoom: 2, x: 200, y: 150 }, 50, -20, SCALE, SIZE);
    // 50 px at 2x zoom of the 0.5 fit scale is 50 document units.
    expect(view).toEqual({ zoom: 2, x: 150, y: 170 });
    expect(panBy(FIT, 40, 40, SCALE, SIZE)).toEqual(FIT);
  });

  test("a pinch zooms by the fingers' spread about the point between them", () => {
    const from = [
      { x: 100, y: 100 },
      { x: 200, y: 100 },
    ];
    const to = [
      { x: 50, y: 100 },
      { x: 250, y: 100 },
    ];
    const view = pinchView(FIT, from, to, SCALE, SIZE);
    expect(view.zoom).toBe(2);
    const mid = toDocument(view, SCALE, { x: 150, y: 100 });
    expect(mid.x).toBeCloseTo(300, 9);
    expect(mid.y).toBeCloseTo(200, 9);
  });

  test("a mouse notch zooms about 1.4x, a trackpad step a little", () => {
    expect(wheelFactor(-100, 0)).toBeCloseTo(Math.SQRT2, 9);
    expect(wheelFactor(100, 0)).toBeCloseTo(Math.SQRT1_2, 9);
    expect(wheelFactor(-3, 1)).toBeCloseTo(2 ** 0.48, 9);
    expect(wheelFactor(-4, 0)).toBeCloseTo(2 ** 0.04, 9);
  });
});

const env = (over = {}) => ({
  view: FIT,
  scale: SCALE,
  size: SIZE,
  spaceHeld: false,
  penOnly: false,
  drawingWith: null,
  ...over,
});
const ev = (type, pointerId, pointerType, x, y, time = 0, button = 0) => ({
  type,
  pointerId,
  pointerType,
  button,
  x,
  y,
  time,
});

describe("gestures", () => {
  test("one finger, a mouse and a stylus draw: the tools get them", () => {
    const g = createGestures();
    expect(g.handle(ev("down", 1, "touch", 10, 10), env()).take).toBe(false);
    expect(g.handle(ev("move", 1, "touch", 20, 10), env()).take).toBe(false);
    expect(g.handle(ev("up", 1, "touch", 20, 10), env()).take).toBe(false);
    expect(g.handle(ev("down", 2, "mouse", 10, 10), env()).take).toBe(false);
    expect(g.handle(ev("down", 3, "pen", 10, 10), env()).take).toBe(false);
  });

  test("a second finger cancels the first one's stroke and pinches", () => {
    const g = createGestures();
    g.handle(ev("down", 1, "touch", 100, 100), env());
    const second = g.handle(ev("down", 2, "touch", 200, 100), env({ drawingWith: "touch" }));
    expect(second).toEqual({ take: true, cancelTool: true });
    g.handle(ev("move", 1, "touch", 50, 100, 50), env());
    const spread = g.handle(ev("move", 2, "touch", 250, 100, 60), env());
    expect(spread.take).toBe(true);
    expect(spread.view.zoom).toBe(2);
    expect(g.handle(ev("up", 1, "touch", 50, 100, 400), env())).toEqual({ take: true });
    // The finger left on the glass draws nothing until it lifts.
    expect(g.handle(ev("move", 2, "touch", 260, 100, 410), env()).take).toBe(true);
    expect(g.handle(ev("up", 2, "touch", 260, 100, 420), env()).take).toBe(true);
    expect(g.handle(ev("down", 3, "touch", 10, 10, 500), env()).take).toBe(false);
  });

  test("a quick two-finger tap is undo; a slow one or one that moves is not", () => {
    const tap = (t, dx) => {
      const g = createGestures();
      g.handle(ev("down", 1, "touch", 100, 100, 0), env());
      g.handle(ev("down", 2, "touch", 200, 100, 20), env());
      g.handle(ev("move", 2, "touch", 200 + dx, 100, t / 2), env());
      return g.handle(ev("up", 1, "touch", 100, 100, t), env());
    };
    expect(tap(120, 2).undo).toBe(true);
    expect(tap(TAP_MS + 50, 2).undo).toBeUndefined();
    expect(tap(120, 40).undo).toBeUndefined();
  });

  test("space + drag and the middle button pan; the tools never see it", () => {
    const g = createGestures();
    const zoomed = { zoom: 2, x: 200, y: 150 };
    expect(g.handle(ev("down", 1, "mouse", 100, 100), env({ spaceHeld: true })).take).toBe(true);
    const moved = g.handle(ev("move", 1, "mouse", 150, 80), env({ view: zoomed }));
    expect(moved.view).toEqual({ zoom: 2, x: 150, y: 170 });
    expect(g.handle(ev("up", 1, "mouse", 150, 80), env()).take).toBe(true);
    expect(g.handle(ev("down", 2, "mouse", 1, 1, 0, 1), env()).take).toBe(true);
  });

  test("in stylus-only mode one finger pans", () => {
    const g = createGestures();
    expect(g.handle(ev("down", 1, "touch", 100, 100), env({ penOnly: true })).take).toBe(true);
    const moved = g.handle(ev("move", 1, "touch", 90, 100), env({ view: { zoom: 4, x: 0, y: 0 } }));
    expect(moved.view.x).toBe(5);
  });

  test("a stylus landing while a palm draws discards the palm's stroke", () => {
    const g = createGestures();
    g.handle(ev("down", 1, "touch", 300, 300), env());
    const pen = g.handle(ev("down", 2, "pen", 100, 100), env({ drawingWith: "touch" }));
    expect(pen).toEqual({ take: false, cancelTool: true });
    // The palm keeps moving and more of it lands: swallowed.
    expect(g.handle(ev("move", 1, "touch", 310, 300), env({ drawingWith: "pen" })).take).toBe(true);
    expect(g.handle(ev("down", 3, "touch", 320, 300), env({ drawingWith: "pen" })).take).toBe(true);
    expect(g.handle(ev("move", 2, "pen", 120, 100), env({ drawingWith: "pen" })).take).toBe(false);
  });

  test("fingers are ignored while the stylus draws", () => {
    const g = createGestures();
    g.handle(ev("down", 1, "pen", 100, 100), env());
    expect(g.handle(ev("down", 2, "touch", 300, 300), env({ drawingWith: "pen" })).take).toBe(true);
    expect(g.handle(ev("move", 2, "touch", 310, 300), env({ drawingWith: "pen" })).take).toBe(true);
    expect(g.handle(ev("up", 2, "touch", 310, 300), env({ drawingWith: "pen" })).take).toBe(true);
  });
});
