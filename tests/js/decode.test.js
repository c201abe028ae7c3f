// Payload decoding, shape expansion and day formatting (controlmap/web/assets/timeline/decode.js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const zlib = require("node:zlib");
const decode = require("../../controlmap/web/assets/timeline/decode.js");
const { wirePayload } = require("./fixtures.js");

test("unpack reads deflated JSON in base64, as wire.packed_json writes it", async () => {
  const value = { name: "Ізюм", list: [1, 2, 3], nested: { none: null } };
  const packed = zlib.deflateSync(Buffer.from(JSON.stringify(value), "utf8")).toString("base64");
  assert.deepEqual(await decode.unpack(packed), value);
});

test("unpack refuses what is not deflated", async () => {
  await assert.rejects(decode.unpack(Buffer.from("not deflated").toString("base64")));
});

test("base64Bytes decodes every byte value", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(decode.base64Bytes(Buffer.from(bytes).toString("base64")), bytes);
});

test("expandShapes turns quantized steps back into polygons", () => {
  const compact = { scale: 10, lines: false, features: [{ p: { katottg: "A" }, c: [[[360, 490, 10, 0, 0, 10, -10, -10]]] }] };
  assert.deepEqual(decode.expandShapes(compact), {
    type: "FeatureCollection",
    features: [{
      type: "Feature",
      properties: { katottg: "A" },
      geometry: { type: "MultiPolygon", coordinates: [[[[36, 49], [37, 49], [37, 50], [36, 49]]]] },
    }],
  });
});

test("expandShapes keeps lines as lines, and no shapes as none", () => {
  const compact = { scale: 2, lines: true, features: [{ p: {}, c: [[2, 4, 1, 1], [0, 0]] }] };
  const geometry = decode.expandShapes(compact).features[0].geometry;
  assert.deepEqual(geometry, { type: "MultiLineString", coordinates: [[[1, 2], [1.5, 2.5]], [[0, 0]]] });
  assert.equal(decode.expandShapes(null), null);
});

test("decodePayload builds run offsets, since days, status and disputed flags", () => {
  const d = decode.decodePayload(wirePayload(), 5);
  assert.equal(d.n, 3);
  assert.deepEqual(Array.from(d.start), [0, 2, 3, 3]);
  assert.deepEqual(Array.from(d.day), [0, 10, 4]);
  assert.deepEqual(Array.from(d.since), [0, 8, 1]);
  assert.deepEqual(Array.from(d.status), [1, 2, 3]);
  assert.deepEqual(Array.from(d.disputed), [0, 1, 0]);
  assert.deepEqual(d.katottg, ["UA6300000000000000001", "UA6300000000000000002", "UA6300000000000000003"]);
  assert.deepEqual(d.approximate, [false, true, false]);
  assert.equal(d.initialDay, 5);
  assert.equal(d.day0, Date.UTC(2022, 1, 24));
  assert.deepEqual(d.legend, wirePayload().legend);
});

test("decodePayload names what a payload lacks or gets wrong, in words", () => {
  const lacking = wirePayload();
  delete lacking.run_count;
  delete lacking.sources;
  assert.throws(() => decode.decodePayload(lacking, 0), { message: "the map data lacks run_count, sources" });
  const short = wirePayload();
  short.state.pop();
  assert.throws(() => decode.decodePayload(short, 0), { message: "the map data has 2 state for 3 runs" });
  const names = wirePayload();
  names.name_uk = ["one"];
  assert.throws(() => decode.decodePayload(names, 0), { message: "the map data has 1 name_uk for 3 settlements" });
  assert.throws(() => decode.decodePayload(null, 0), { message: "the map data holds no timeline" });
  assert.throws(() => decode.decodePayload({ ...wirePayload(), day0: "soon" }, 0), /first day is not a date/);
  const colourless = wirePayload();
  delete colourless.legend.fill.contested;
  assert.throws(() => decode.decodePayload(colourless, 0), {
    message: "the map data's legend lacks the colours or words of contested",
  });
});

test("isoDate counts days from day0 in UTC, across leap days and years", () => {
  const day0 = Date.UTC(2022, 1, 24);
  assert.equal(decode.isoDate(day0, 0), "2022-02-24");
  assert.equal(decode.isoDate(day0, 6), "2022-03-02");
  assert.equal(decode.isoDate(day0, 365), "2023-02-24");
  assert.equal(decode.isoDate(day0, 735), "2024-02-29");
});

test("clampDay rounds and clamps any value to a day of the timeline", () => {
  assert.equal(decode.clampDay(10, 3), 3);
  assert.equal(decode.clampDay(10, "7"), 7);
  assert.equal(decode.clampDay(10, 2.6), 3);
  assert.equal(decode.clampDay(10, -4), 0);
  assert.equal(decode.clampDay(10, 99), 9);
  assert.equal(decode.clampDay(10, "tomorrow"), 0);
  assert.equal(decode.clampDay(10, NaN), 0);
});

test("fanOffsets spreads settlements sharing a hromada centre, in katottg order, and no others", () => {
  const d = {
    n: 4,
    katottg: ["B", "A", "C", "D"],
    approximate: [true, true, true, false],
    lat: [50, 50, 49, 50],
    lon: [36, 36, 37, 36],
  };
  const { dx, dy } = decode.fanOffsets(d);
  assert.deepEqual([dx[1], dy[1]], [12, 0]); // "A" first: angle 0, radius 12
  const second = Math.hypot(dx[0], dy[0]);
  assert.ok(Math.abs(second - 18.5) < 1e-4, String(second));
  assert.deepEqual([dx[2], dy[2]], [12, 0]); // alone at its centre
  assert.deepEqual([dx[3], dy[3]], [0, 0]); // placed exactly
});

// A second selection of the fixture's settlements: only settlement 2 has a run, Russian-held from day 6.
function otherSelection() {
  return {
    day0: "2022-02-24", n_days: 20, change_days: [6], run_count: [0, 1, 0], day: [6], state: [4],
    since_gap: [1], event: [0], event_day: [5], event_source: [0], sources: ["S3"],
  };
}

test("useRuns swaps a selection's run columns into the decoded payload, settlements untouched", () => {
  const d = decode.decodePayload(wirePayload(), 0);
  const names = d.nameEn;
  decode.useRuns(d, decode.decodeRuns(otherSelection(), d.n));
  assert.deepEqual(Array.from(d.start), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(d.status), [2]);
  assert.deepEqual(Array.from(d.since), [5]);
  assert.deepEqual(Array.from(d.changeDays), [6]);
  assert.deepEqual(d.sources, ["S3"]);
  assert.equal(d.nameEn, names);
});

test("a selection of other days or of other settlements is refused, in words", () => {
  const d = decode.decodePayload(wirePayload(), 0);
  const longer = decode.decodeRuns({ ...otherSelection(), n_days: 21 }, d.n);
  assert.throws(() => decode.useRuns(d, longer), { message: "the selection's timeline spans other days than the map's" });
  assert.throws(() => decode.decodeRuns(otherSelection(), 2), { message: "the map data has 3 run_count for 2 settlements" });
  const { sources, ...lacking } = otherSelection();
  assert.throws(() => decode.decodeRuns(lacking, 3), { message: "the map data lacks sources" });
});
