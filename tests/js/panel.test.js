// The published site's panel rules (controlmap/web/assets/site/panel.js) on the table of cases the dashboard's
// (controlmap/web/panel.py) are tested on too: both pages list the same changes.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const panel = require("../../controlmap/web/assets/site/panel.js");

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "panel_cases.json"), "utf8"));

test("the change list compares with the day shown before, or at first with the day before", () => {
  for (const c of CASES.compared_day) {
    assert.equal(panel.comparedDay(c.previous, c.day), c.since, c.why);
  }
});
