// The published site's URL values (controlmap/web/assets/site/urlvalues.js) on the table of cases the dashboard's rules
// (controlmap/web/urlvalues.py) are tested on too: a link means the same on both.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const urlValues = require("../../controlmap/web/assets/site/urlvalues.js");

const CASES = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "url_cases.json"), "utf8"));

test("map views: finite numbers only, clamped to the map's limits or bounds", () => {
  for (const c of CASES.map_view) {
    const got = urlValues.mapView(c.lat, c.lon, c.zoom, CASES.limits, c.bounded ? CASES.bounds : null);
    assert.deepEqual(got, { center: c.center, zoom: c.zoomed }, JSON.stringify(c));
  }
});

test("dates: a day that exists, in YYYY-MM-DD, clamped; anything else is not used", () => {
  const { low, high, cases } = CASES.iso_date;
  for (const [raw, expected] of cases) {
    assert.equal(urlValues.isoDate(raw, low, high), expected, JSON.stringify(raw));
  }
});

test("the limits the site clamps with are the dashboard's", () => {
  assert.deepEqual(Object.keys(CASES.limits).sort(), ["maxLatitude", "maxLongitude", "maxZoom", "minZoom", "zoomStep"]);
});
