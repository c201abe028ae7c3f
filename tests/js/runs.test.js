// Run lookup: the state of settlement i on day d, and what a change of day restyles
// (controlmap/web/assets/timeline/runs.js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const decode = require("../../controlmap/web/assets/timeline/decode.js");
const runs = require("../../controlmap/web/assets/timeline/runs.js");
const { createState } = require("../../controlmap/web/assets/timeline/state.js");
const { wirePayload } = require("./fixtures.js");

const d = decode.decodePayload(wirePayload(), 0);

test("runAt finds the run in force on a day: none before the first, the latest started after", () => {
  assert.deepEqual([0, 1, 9, 10, 19].map((day) => runs.runAt(d, 0, day)), [0, 0, 0, 1, 1]);
  assert.deepEqual([0, 3, 4, 19].map((day) => runs.runAt(d, 1, day)), [-1, -1, 2, 2]);
  assert.equal(runs.runAt(d, 2, 19), -1);
});

test("runAt agrees with a linear scan on many runs", () => {
  const n = 1;
  const days = [0, 3, 3, 7, 20, 21, 50];
  const many = { start: Int32Array.from([0, days.length]), day: Int32Array.from(days), n: n };
  for (let target = -1; target < 60; target++) {
    let expected = -1;
    days.forEach((day, r) => {
      if (day <= target) expected = r;
    });
    assert.equal(runs.runAt(many, 0, target), expected, "day " + target);
  }
});

test("statusOf and stateKey: before the first run a settlement is unknown and not disputed", () => {
  assert.equal(runs.statusOf(d, -1), "unknown");
  assert.equal(runs.statusOf(d, 1), "ru");
  assert.equal(runs.stateKey(d, -1), 0);
  assert.equal(runs.stateKey(d, 1), 2 * 2 + 1);
});

test("advance restyles every settlement the first time, then only those whose state changes", () => {
  const state = createState(d.n);
  assert.equal(runs.advance(d, state.shownRun, 0, state.changed), 3);
  assert.deepEqual(Array.from(state.shownRun), [0, -1, -1]);
  assert.equal(runs.advance(d, state.shownRun, 3, state.changed), 0);
  assert.equal(runs.advance(d, state.shownRun, 4, state.changed), 1);
  assert.deepEqual(Array.from(state.changed.slice(0, 1)), [1]);
  assert.equal(runs.advance(d, state.shownRun, 12, state.changed), 1);
  assert.deepEqual(Array.from(state.changed.slice(0, 1)), [0]);
  assert.deepEqual(runs.statuses(d, state.shownRun), ["ru", "contested", "unknown"]);
  assert.equal(runs.advance(d, state.shownRun, 0, state.changed), 2);
  assert.deepEqual(runs.statuses(d, state.shownRun), ["ua", "unknown", "unknown"]);
});

test("counts tallies the shown settlements per status", () => {
  const state = createState(d.n);
  runs.advance(d, state.shownRun, 12, state.changed);
  assert.deepEqual(runs.counts(d, state.shownRun, () => true), { unknown: 1, ua: 0, ru: 1, contested: 1 });
  assert.deepEqual(runs.counts(d, state.shownRun, (i) => i < 2), { unknown: 0, ua: 0, ru: 1, contested: 1 });
});

test("changeDayNear steps to the previous or next change day, or to the ends", () => {
  assert.equal(runs.changeDayNear(d, 7, -1), 4);
  assert.equal(runs.changeDayNear(d, 7, 1), 10);
  assert.equal(runs.changeDayNear(d, 4, -1), 0);
  assert.equal(runs.changeDayNear(d, 10, 1), 19);
});
