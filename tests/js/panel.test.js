// The panel's rules (controlmap/web/assets/site/panel.js), the dashboard's map page's and the published site's alike:
// which day the change list compares with (tests/fixtures/panel_cases.json), and the citation.
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

test("the citation names the title, date, claimants, data file, sha256 and link", () => {
  const sha = "ab".repeat(32);
  assert.equal(panel.citation({ title: "Kharkiv oblast: who controlled which settlement, day by day",
    date: "2025-12-20", claimants: ["Russian officials", "independent observers"], dataFile: "data/events.csv",
    sha256: sha, uploaded: false, url: "http://x/?date=2025-12-20" }),
  "Kharkiv oblast: who controlled which settlement, day by day. Map of 20 December 2025 (2025-12-20). Statements by: "
    + "Russian officials, independent observers. Data: data/events.csv, sha256 " + sha + ". http://x/?date=2025-12-20");
});

test("without claimants the citation names the baseline, and an upload is said to be outside the sha256", () => {
  const text = panel.citation({ title: "T", date: "2022-03-01", claimants: [], dataFile: "e.csv", sha256: "0",
    uploaded: true, url: "u" });
  assert.equal(text, "T. Map of 1 March 2022 (2022-03-01). Statements by: none (every settlement at its 24 Feb 2022 "
    + "baseline). Data: e.csv, sha256 0 plus events uploaded in this browser session only (not published). u");
});

const NAMES = { katottg: ["UA01", "UA02", "UA03"], nameEn: ["Bairak", "", "Bairak"], nameUk: ["Байрак", "Ізюм", "Байрак"] };

test("a settlement is named in the language chosen, else in the other, else by its code", () => {
  assert.deepEqual([0, 1, 2].map((i) => panel.nameOf(NAMES, i, "en")), ["Bairak", "Ізюм", "Bairak"]);
  assert.deepEqual([0, 1, 2].map((i) => panel.nameOf(NAMES, i, "uk")), ["Байрак", "Ізюм", "Байрак"]);
  const nameless = { katottg: ["UA09"], nameEn: [""], nameUk: [""] };
  assert.equal(panel.nameOf(nameless, 0, "uk"), "UA09");
  assert.deepEqual(panel.searchNames(NAMES, "en"), ["Bairak", "Ізюм"], "namesakes once");
});

test("a settlement is found by its code or its name in either language, in any case", () => {
  assert.equal(panel.findSettlement(NAMES, "ua02"), 1);
  assert.equal(panel.findSettlement(NAMES, " ізюм "), 1);
  assert.equal(panel.findSettlement(NAMES, "BAIRAK"), 0, "the first of the namesakes");
  assert.equal(panel.findSettlement(NAMES, "байрак"), 0);
  assert.equal(panel.findSettlement(NAMES, "Kupiansk"), -1);
  assert.equal(panel.findSettlement(NAMES, "  "), -1);
});

