// The front line: decoding the cells' borders, each settlement's side, which borders are drawn and how
// long they are (controlmap/web/assets/timeline/frontline.js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const frontline = require("../../controlmap/web/assets/timeline/frontline.js");

// Four settlements in a row of cells 0.1° wide: 0 | 1 | 2 | 3, the border of i and i + 1 at longitude
// (i + 1) / 10, from latitude 0 to 0.1; the border of 1 and 2 in two lines (as frontline.py sends a border
// that a corner splits). As frontline.wire_borders sends them: rows as steps, points as steps of 1/scale
// degree from the last point sent.
function wireBorders() {
  return {
    scale: 20,
    a: [0, 1, 0, 1],
    b: [1, 1, 1, 1],
    n: [2, 2, 2, 2],
    c: [2, 0, 0, 2, 2, 0, 0, -1, 0, 0, 0, -1, 2, 0, 0, 2],
  };
}

const rounded = (values) => Array.from(values, (v) => Math.round(v * 1e9) / 1e9);

test("decodeBorders gives each line its settlements and points, and each settlement its lines", () => {
  const b = frontline.decodeBorders(wireBorders(), 4);
  assert.equal(b.count, 4);
  assert.deepEqual(Array.from(b.a), [0, 1, 1, 2]);
  assert.deepEqual(Array.from(b.b), [1, 2, 2, 3]);
  assert.deepEqual(Array.from(b.start), [0, 2, 4, 6, 8]);
  assert.deepEqual(rounded(b.lon), [0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.3, 0.3]);
  assert.deepEqual(rounded(b.lat), [0, 0.1, 0.1, 0.05, 0.05, 0, 0, 0.1]);
  const linesOf = (i) => Array.from(b.lineList.slice(b.linesOf[i], b.linesOf[i + 1])).sort();
  assert.deepEqual([0, 1, 2, 3].map(linesOf), [[0], [0, 1, 2], [1, 2, 3], [3]]);
});

test("decodeBorders refuses borders that name settlements the payload lacks, or do not add up", () => {
  assert.throws(() => frontline.decodeBorders(wireBorders(), 3), /unknown settlements/);
  const short = wireBorders();
  short.c.pop();
  assert.throws(() => frontline.decodeBorders(short, 4), /do not add up/);
  assert.equal(frontline.decodeBorders(null, 4).count, 0);
});

test("the front runs between Ukrainian-held and the rest; the band's edge between contested and Russian-held", () => {
  const side = frontline.sideCodes(["unknown", "ua", "ru", "contested"]);
  assert.deepEqual(Array.from(side), [frontline.NEITHER, 0, 2, 1]);
  const { FRONT, BAND, NONE } = frontline;
  const kind = (x, y) => frontline.borderKind(side[x], side[y]);
  assert.deepEqual([kind(1, 2), kind(2, 1), kind(1, 3), kind(3, 2), kind(1, 1), kind(2, 2), kind(0, 2), kind(0, 1)],
    [FRONT, FRONT, FRONT, BAND, NONE, NONE, NONE, NONE]);
});

test("lineKinds and summary follow the settlements' sides: none where nothing is Russian-held", () => {
  const b = frontline.decodeBorders(wireBorders(), 4);
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
