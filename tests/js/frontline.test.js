// The front line: each settlement's side, which borders are drawn and how
// long they are (controlmap/web/assets/timeline/frontline.js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const frontline = require("../../controlmap/web/assets/timeline/frontline.js");
const topology = require("../../controlmap/web/assets/timeline/topology.js");
const { rowTopology } = require("./fixtures_topology.js");

// The borders of four settlements in a row of cells (fixtures_topology.js): 0 | 1 | 2 | 3, the border of 1 and 2 in
// two lines.
const borders = () => topology.expandTopology(rowTopology(), 4).borders;

test("the front runs between Ukrainian-held and the rest; the band's edge between contested and Russian-held", () => {
  const side = frontline.sideCodes(["unknown", "ua", "ru", "contested"]);
  assert.deepEqual(Array.from(side), [frontline.NEITHER, 0, 2, 1]);
  const { FRONT, BAND, NONE } = frontline;
  const kind = (x, y) => frontline.borderKind(side[x], side[y]);
  assert.deepEqual([kind(1, 2), kind(2, 1), kind(1, 3), kind(3, 2), kind(1, 1), kind(2, 2), kind(0, 2), kind(0, 1)],
    [FRONT, FRONT, FRONT, BAND, NONE, NONE, NONE, NONE]);
});

test("lineKinds and summary follow the settlements' sides: none where nothing is Russian-held", () => {
  const b = borders();
  const kinds = new Uint8Array(b.count);
  const { ua, contested, ru } = frontline.SIDE;
  frontline.lineKinds(b, Uint8Array.from([ua, ua, contested, ru]), kinds);
  assert.deepEqual(Array.from(kinds), [0, 1, 1, 2]);
  const s = frontline.summary(b, kinds);
  assert.equal(s.front.lines, 2);
  assert.equal(s.band.lines, 1);
  // The front's two lines are 0.05° of latitude each: 11.1 km in all.
  assert.ok(Math.abs(s.front.km - 11.12) < 0.01, String(s.front.km));
  frontline.lineKinds(b, Uint8Array.from([ua, ua, ua, ua]), kinds);
  assert.deepEqual(frontline.summary(b, kinds), { front: { lines: 0, km: 0 }, band: { lines: 0, km: 0 } });
  frontline.lineKinds(b, Uint8Array.from([ua, frontline.NEITHER, ru, ru]), kinds);
  assert.deepEqual(Array.from(kinds), [0, 0, 0, 0]);
});
