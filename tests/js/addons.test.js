// The map's add-ons (controlmap/web/assets/timeline): the PNG export's caption and line wrapping (export_image.js), and
// settlements' own boundaries fetched once, when zoomed in close, and shown only there (own_shapes.js).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const zlib = require("node:zlib");
const exportImage = require("../../controlmap/web/assets/timeline/export_image.js");
const ownShapes = require("../../controlmap/web/assets/timeline/own_shapes.js");

const LABELS = { ua: "Ukrainian officials", ru: "Russian officials", independent: "independent observers" };

function layerFor(selectionKey, compare) {
  return { d: { day0: Date.UTC(2022, 1, 24) }, state: { day: 10 }, config: { claimantLabels: LABELS }, selectionKey, compare };
}

test("the PNG's caption gives the date, whose statements and whose front line is dashed", () => {
  assert.deepEqual(exportImage.caption(layerFor("ru,independent", { key: "ru" })), [
    "2022-03-06",
    "Statements by: Russian officials, independent observers",
    "Dashed front line: Russian officials",
  ]);
  assert.deepEqual(exportImage.caption(layerFor("ua", null)), ["2022-03-06", "Statements by: Ukrainian officials"]);
  // A map without a selection, or without the claimants' names, says only the date.
  assert.deepEqual(exportImage.caption(layerFor("", null)), ["2022-03-06"]);
  const bare = layerFor("ru", null);
  bare.config = {};
  assert.deepEqual(exportImage.caption(bare), ["2022-03-06"]);
  assert.equal(exportImage.claimantsText(LABELS, ""), "none (the 24 Feb 2022 baseline)");
});

test("wrap cuts text into lines no wider than asked, word by word", () => {
  const ctx = { measureText: (text) => ({ width: text.length * 6 }) };
  assert.deepEqual(exportImage.wrap(ctx, "Statements by: Ukrainian officials, Russian officials", 120),
    ["Statements by:", "Ukrainian officials,", "Russian officials"]);
  assert.deepEqual(exportImage.wrap(ctx, "averyveryverylongword x", 30), ["averyveryverylongword", "x"]);
  assert.deepEqual(exportImage.wrap(ctx, "  ", 30), []);
});

// --- own boundaries: a Leaflet stand-in that keeps what is on the map, in groups and in the layer list.

function fakeLeaflet() {
  const evented = () => {
    const handlers = {};
    return {
      on(type, fn) {
        (handlers[type] = handlers[type] || []).push(fn);
        return this;
      },
      off(type, fn) {
        handlers[type] = (handlers[type] || []).filter((h) => h !== fn);
        return this;
      },
      fire(type, event) {
        for (const fn of handlers[type] || []) fn(event);
      },
      count(type) {
        return (handlers[type] || []).length;
      },
    };
  };
  const map = Object.assign(evented(), {
    zoom: 8,
    layers: new Set(),
    getZoom() {
      return this.zoom;
    },
    hasLayer(layer) {
      return this.layers.has(layer);
    },
    addLayer(layer) {
      this.layers.add(layer);
      layer.fire("add");
      this.fire("layeradd", { layer: layer });
    },
    removeLayer(layer) {
      this.layers.delete(layer);
    },
    zoomTo(zoom) {
      this.zoom = zoom;
      this.fire("zoomend");
    },
  });
  const L = {
    layerGroup() {
      const group = Object.assign(evented(), {
        members: new Set(),
        addTo(m) {
          m.addLayer(group);
          return group;
        },
        hasLayer: (layer) => group.members.has(layer),
        // As Leaflet's: a layer added to a group on the map is on the map.
        addLayer(layer) {
          group.members.add(layer);
          if (map.hasLayer(group)) map.layers.add(layer);
        },
        removeLayer(layer) {
          group.members.delete(layer);
          map.layers.delete(layer);
        },
      });
      return group;
    },
    geoJSON(collection, options) {
      return { collection: collection, options: options, bringToFront() {} };
    },
  };
  return { L, map };
}

function packedShapes() {
  const compact = {
    scale: 5000,
    lines: true,
    features: [
      { p: { katottg: "UA1" }, c: [[185000, 245000, 50, 0, 0, 50, -50, -50]] },
      { p: { katottg: "UA9" }, c: [[180000, 250000, 10, 0, -10, 0]] }, // not on this map
    ],
  };
  return zlib.deflateSync(Buffer.from(JSON.stringify(compact))).toString("base64");
}

function timelineLayer(url) {
  const { L, map } = fakeLeaflet();
  const overlays = new Map();
  return {
    L: L,
    map: map,
    config: { ownShapesUrl: url },
    rowOf: new Map([["UA1", 0]]),
    renderer: { leaflet: "canvas" },
    layersControl: {
      addOverlay: (layer, name) => overlays.set(name, layer),
      removeLayer: (layer) => overlays.forEach((value, key) => value === layer && overlays.delete(key)),
    },
    overlays: overlays,
    api: {},
    guard: (fn) => fn,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

// Waits (2 s at most) until the boundaries have loaded or failed.
async function fetched(tl) {
  for (let k = 0; k < 200; k++) {
    const status = tl.api.ownShapes();
    if (status.loaded || status.failed) return status;
    await settle();
  }
  return tl.api.ownShapes();
}

test("own boundaries are fetched once, the first time the map is zoomed in close, and shown only there", async () => {
  const tl = timelineLayer("/app/static/vendor/controlmap/settlement-shapes-x.txt");
  const asked = [];
  const fetchText = (url) => {
    asked.push(url);
    return Promise.resolve(packedShapes());
  };
  const addOn = ownShapes.attach(tl, fetchText);
  assert.ok(tl.overlays.has(ownShapes.NAME), "a line in the layer list");
  await settle();
  assert.deepEqual(asked, [], "not at the oblast's zoom");
  assert.equal(tl.api.ownShapes().shown, false);

  tl.map.zoomTo(ownShapes.MIN_ZOOM);
  const status = await fetched(tl);
  assert.equal(status.failed, null);
  assert.deepEqual([status.requested, status.loaded, status.shown, status.features], [true, true, true, 1]);
  const group = tl.overlays.get(ownShapes.NAME);
  const shapes = [...group.members][0];
  assert.equal(shapes.options.renderer, "canvas");
  assert.equal(shapes.options.interactive, false);
  const second = shapes.collection.features[0].geometry.coordinates[0][1];
  assert.deepEqual(second.map((x) => Math.round(x * 1e6) / 1e6), [37.01, 49]);
  assert.deepEqual(shapes.collection.features.map((f) => f.properties.katottg), ["UA1"], "this map's only");

  tl.map.zoomTo(9);
  assert.equal(tl.api.ownShapes().shown, false);
  tl.map.zoomTo(12);
  assert.equal(tl.api.ownShapes().shown, true);
  assert.equal(asked.length, 1, "fetched once");

  addOn.remove();
  assert.equal(tl.overlays.size, 0);
  assert.equal(tl.api.ownShapes, undefined);
  assert.equal(tl.map.count("zoomend"), 0);
  assert.equal(tl.map.hasLayer(group), false);
});

test("without an installed copy there is no boundary layer, and a failed fetch is told", async () => {
  const none = timelineLayer(null);
  ownShapes.attach(none, () => assert.fail("nothing to fetch")).remove();
  assert.equal(none.overlays.size, 0);

  const tl = timelineLayer("/missing.txt");
  const originalError = console.error;
  console.error = () => {};
  try {
    ownShapes.attach(tl, () => Promise.reject(new Error("HTTP 404 for /missing.txt")));
    tl.map.zoomTo(13);
    await fetched(tl);
  } finally {
    console.error = originalError;
  }
  const status = tl.api.ownShapes();
  assert.deepEqual([status.loaded, status.shown, status.failed], [false, false, "HTTP 404 for /missing.txt"]);
});
