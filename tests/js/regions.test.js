// Partial redraws: the boxes repainted and the layer index (controlmap/web/assets/timeline/regions.js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const regions = require("../../controlmap/web/assets/timeline/regions.js");

const box = (minX, minY, maxX, maxY) => ({ minX, minY, maxX, maxY });

test("rectangles far apart are repainted as boxes of their own", () => {
  assert.deepEqual(regions.repaintBoxes([box(0, 0, 10, 10), box(500, 500, 510, 510)]),
    [box(0, 0, 10, 10), box(500, 500, 510, 510)]);
});

test("rectangles that touch or nearly touch are gathered, also through a third", () => {
  const rects = [box(0, 0, 10, 10), box(100, 0, 110, 10), box(15, 0, 95, 5)];
  assert.deepEqual(regions.repaintBoxes(rects), [box(0, 0, 110, 10)]);
});

test("more boxes than the limit are repainted as the one box around them", () => {
  const rects = Array.from({ length: regions.MAX_BOXES + 1 }, (_, k) => box(k * 100, 0, k * 100 + 5, 5));
  assert.deepEqual(regions.repaintBoxes(rects), [box(0, 0, regions.MAX_BOXES * 100 + 5, 5)]);
  assert.deepEqual(regions.repaintBoxes([]), []);
});

test("the index finds the layers in a box's grid cells, wide ones always, in drawing order", () => {
  const layers = [box(0, 0, 2000, 2000), box(10, 10, 20, 20), null, box(700, 700, 720, 720), box(60, 60, 70, 70)];
  const index = regions.gridIndex(layers);
  assert.deepEqual(index.query(box(0, 0, 30, 30)), [0, 1, 4]);
  assert.deepEqual(index.query(box(690, 690, 700, 700)), [0, 3]);
  assert.deepEqual(index.query(box(5000, 5000, 5001, 5001)), [0]);
});

test("a query box larger than the index visits the cells that hold something, with the same answer", () => {
  // Zoomed in close, the map's whole pixel box spans millions of grid cells: visiting each one took seconds a paint
  // (zoom 17 never finished). The answer is that of a small box around the same layers.
  const layers = [box(1e7, 1e7, 1e7 + 30, 1e7 + 30), box(10, 10, 20, 20), box(2e7, 5, 2e7 + 1, 6)];
  const index = regions.gridIndex(layers);
  assert.deepEqual(index.query(box(-1e9, -1e9, 1e9, 1e9)), [0, 1, 2]);
  assert.deepEqual(index.query(box(0, 0, 1.5e7, 1.5e7)), [0, 1]);
  assert.deepEqual(index.query(box(1.9e7, 0, 3e7, 10)), [2]);
  assert.deepEqual(index.query(box(0, 0, 30, 30)), [1]);
});
