// The shapes' topology: arcs back into rings and lines, and the arcs two cells share into the front line's borders
// (controlmap/web/assets/timeline/topology.js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const topology = require("../../controlmap/web/assets/timeline/topology.js");
const { encodeArcs, rowTopology } = require("./fixtures_topology.js");

const rounded = (values) => Array.from(values, (v) => Math.round(v * 1e9) / 1e9);
const roundedRing = (ring) => ring.map((p) => rounded(p));

test("a ring runs its arcs in order, backwards where named ~i, each shared point once, and closes", () => {
  const shapes = topology.expandTopology(rowTopology(), 4);
  const cell1 = shapes.cells.features[1];
  assert.deepEqual(cell1.properties, { row: 1 });
  assert.deepEqual(roundedRing(cell1.geometry.coordinates[0][0]),
    [[0.1, 0], [0.2, 0], [0.2, 0.05], [0.2, 0.1], [0.1, 0.1], [0.1, 0]]);
  assert.deepEqual(roundedRing(shapes.outline.features[0].geometry.coordinates[0][0]),
    [[0.1, 0.1], [0, 0.1], [0, 0], [0.1, 0], [0.2, 0], [0.3, 0], [0.4, 0], [0.4, 0.1], [0.3, 0.1], [0.2, 0.1],
      [0.1, 0.1]]);
  assert.equal(shapes.boundaries, null);
  assert.equal(shapes.raions, null);
});

test("a layer of lines keeps each ring as a line of its own", () => {
  const t = rowTopology();
  t.layers.boundaries = { lines: true, features: [{ p: { name_en: "West" }, c: [[0, 4], [5, ~2, ~1, 6, ~0]] }] };
  const geometry = topology.expandTopology(t, 4).boundaries.features[0].geometry;
  assert.equal(geometry.type, "MultiLineString");
  assert.deepEqual(geometry.coordinates.map((line) => line.length), [5, 6]);
});

test("the arcs two cells share are their borders: each line's settlements and points, each settlement's lines", () => {
  const b = topology.expandTopology(rowTopology(), 4).borders;
  assert.equal(b.count, 4);
  assert.deepEqual(Array.from(b.a), [0, 1, 1, 2]);
  assert.deepEqual(Array.from(b.b), [1, 2, 2, 3]);
  assert.deepEqual(Array.from(b.start), [0, 2, 4, 6, 8]);
  assert.deepEqual(rounded(b.lon), [0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.3, 0.3]);
  assert.deepEqual(rounded(b.lat), [0, 0.1, 0.1, 0.05, 0.05, 0, 0, 0.1]);
  const linesOf = (i) => Array.from(b.lineList.slice(b.linesOf[i], b.linesOf[i + 1])).sort();
  assert.deepEqual([0, 1, 2, 3].map(linesOf), [[0], [0, 1, 2], [1, 2, 3], [3]]);
});

test("shapes that name settlements or arcs the payload lacks, or do not add up, are refused", () => {
  assert.throws(() => topology.expandTopology(rowTopology(), 3), /cells name unknown settlements/);
  const unknownArc = rowTopology();
  unknownArc.layers.outline.features[0].c[0][0].push(10);
  assert.throws(() => topology.expandTopology(unknownArc, 4), /unknown arcs/);
  const short = rowTopology();
  short.arcs.pop();
  assert.throws(() => topology.expandTopology(short, 4), /do not add up/);
  const onePoint = Object.assign(rowTopology(), encodeArcs([[[1, 1]]]));
  assert.throws(() => topology.expandTopology(onePoint, 4), /do not add up/);
});

test("no shapes: no layers and no borders", () => {
  const shapes = topology.expandTopology(null, 4);
  assert.deepEqual([shapes.outline, shapes.boundaries, shapes.raions, shapes.cells], [null, null, null, null]);
  assert.equal(shapes.borders.count, 0);
  assert.deepEqual(Array.from(shapes.borders.linesOf), [0, 0, 0, 0, 0]);
});
