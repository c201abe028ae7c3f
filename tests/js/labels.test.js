// Room for the towns' names (controlmap/web/assets/timeline/labels.js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const labels = require("../../controlmap/web/assets/timeline/labels.js");

// A name of 8 characters is 60 px wide at 7.5 px a character, from 8 px right of its point (or ending 8 px left of
// it), 12 px high from 7 px above it, or a line of 14 px above or below; 2 px are kept clear between two names.

test("names far apart all go right of their points", () => {
  const points = [{ x: 100, y: 100, chars: 8 }, { x: 100, y: 200, chars: 8 }, { x: 400, y: 100, chars: 8 }];
  assert.deepEqual(labels.placeLabels(points, 1000), ["right", "right", "right"]);
});

test("a name goes right of its point, else left, else a line above, else below, else nowhere", () => {
  const point = { x: 100, y: 100, chars: 8 }; // right: 108…168 × 93…105; left: 32…92; above: 79…91; below: 107…119
  assert.deepEqual(labels.placeLabels([point, point, point, point, point], 1000),
    ["right", "left", "above", "below", "hidden"]);
});

test("names in rows 14 px apart both stay, 13 px apart the second is written left", () => {
  assert.deepEqual(labels.placeLabels([{ x: 100, y: 100, chars: 8 }, { x: 100, y: 114, chars: 8 }], 1000),
    ["right", "right"]);
  assert.deepEqual(labels.placeLabels([{ x: 100, y: 100, chars: 8 }, { x: 100, y: 113, chars: 8 }], 1000),
    ["right", "left"]);
});

test("a name that would run past the map's right edge is written left, or left out", () => {
  assert.deepEqual(labels.placeLabels([{ x: 950, y: 100, chars: 8 }], 1000), ["left"]); // 958 + 60 > 1000
  assert.deepEqual(labels.placeLabels([{ x: 900, y: 100, chars: 8 }, { x: 950, y: 100, chars: 8 }], 1000),
    ["right", "hidden"]); // its left side, 882…942, is taken by the first (908…968)
});

test("the names claim room in the order given: the later one gives way", () => {
  const a = { x: 100, y: 100, chars: 8 }; // right: 108…168, left: 32…92
  const b = { x: 120, y: 100, chars: 8 }; // right: 128…188, left: 52…112
  assert.deepEqual(labels.placeLabels([a, b], 1000), ["right", "above"]);
  assert.deepEqual(labels.placeLabels([b, a], 1000), ["right", "left"]);
});
