/* The shapes' topology (see controlmap/web/topology.py): arcs, each sent once, that the outline, the hromada and
   raion lines and the cells name. Expanded here into GeoJSON for Leaflet, and into the cells' borders, which the
   front line is drawn along: the arcs two cells share. Pure: no DOM, no Leaflet; loaded by the browser and by
   tests/js in Node. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory(require("./decode.js"));
  else root.controlmapParts.topology = factory(root.controlmapParts.decode);
})(typeof globalThis !== "undefined" ? globalThis : this, function (decode) {
  "use strict";

  const LAYERS = ["outline", "boundaries", "raions", "cells"];

  // The arcs' points in degrees: arc `i` is points `start[i]` to `start[i + 1] - 1` of `lon`, `lat`.
  function decodeArcs(t) {
    const count = t.arc_points.length;
    const start = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) {
      if (!(t.arc_points[i] >= 2)) throw new Error("the map data's shapes do not add up");
      start[i + 1] = start[i] + t.arc_points[i];
    }
    const points = start[count];
    if (t.arcs.length !== 2 * points) throw new Error("the map data's shapes do not add up");
    const lon = new Float64Array(points);
    const lat = new Float64Array(points);
    const k = 1 / t.scale;
    let x = 0;
    let y = 0;
    for (let p = 0; p < points; p++) {
      x += t.arcs[2 * p];
      y += t.arcs[2 * p + 1];
      lon[p] = x * k;
      lat[p] = y * k;
    }
    return { count: count, start: start, lon: lon, lat: lat };
  }

  // A ring named by its arcs' references (`~i`: arc i backwards) as [lon, lat] points, closed.
  function ringPoints(arcs, refs) {
    const out = [];
    for (const ref of refs) {
      const i = ref < 0 ? ~ref : ref;
      if (!Number.isInteger(ref) || i >= arcs.count) throw new Error("the map data's shapes name unknown arcs");
      const first = arcs.start[i];
      const last = arcs.start[i + 1] - 1;
      // Each arc after the first starts where the one before it ended: that point is there already.
      const skip = out.length ? 1 : 0;
      if (ref >= 0) for (let p = first + skip; p <= last; p++) out.push([arcs.lon[p], arcs.lat[p]]);
      else for (let p = last - skip; p >= first; p--) out.push([arcs.lon[p], arcs.lat[p]]);
    }
    return out;
  }

  function layerGeoJSON(arcs, layer) {
    return layer ? decode.featureCollection(layer, (refs) => ringPoints(arcs, refs)) : null;
  }

  // The borders of the cells of `n` settlements: per line (an arc two cells share), its two settlements' rows
  // (`a` < `b`) and its points (`start` offsets into `lon`, `lat`); per settlement, its lines (`linesOf` offsets
  // into `lineList`). A cell naming a row out of range is an error: the payload is from elsewhere.
  function cellBorders(arcs, cells, n) {
    const first = new Int32Array(arcs.count).fill(-1);
    const second = new Int32Array(arcs.count).fill(-1);
    for (const f of cells ? cells.features : []) {
      const row = f.p && f.p.row;
      if (!Number.isInteger(row) || row < 0 || row >= n) throw new Error("the map data's cells name unknown settlements");
      for (const polygon of f.c) {
        for (const ring of polygon) {
          for (const ref of ring) {
            const i = ref < 0 ? ~ref : ref;
            if (!(i < arcs.count)) throw new Error("the map data's shapes name unknown arcs");
            if (first[i] === -1) first[i] = row;
            else if (first[i] !== row && second[i] === -1) second[i] = row;
          }
        }
      }
    }
    const shared = [];
    for (let i = 0; i < arcs.count; i++) if (second[i] !== -1) shared.push(i);
    const count = shared.length;
    const a = new Int32Array(count);
    const b = new Int32Array(count);
    const start = new Int32Array(count + 1);
    shared.forEach((i, l) => {
      a[l] = Math.min(first[i], second[i]);
      b[l] = Math.max(first[i], second[i]);
      start[l + 1] = start[l] + arcs.start[i + 1] - arcs.start[i];
    });
    const lon = new Float64Array(start[count]);
    const lat = new Float64Array(start[count]);
    shared.forEach((i, l) => {
      lon.set(arcs.lon.subarray(arcs.start[i], arcs.start[i + 1]), start[l]);
      lat.set(arcs.lat.subarray(arcs.start[i], arcs.start[i + 1]), start[l]);
    });
    const linesOf = new Int32Array(n + 1);
    for (let l = 0; l < count; l++) {
      linesOf[a[l] + 1] += 1;
      linesOf[b[l] + 1] += 1;
    }
    for (let i = 0; i < n; i++) linesOf[i + 1] += linesOf[i];
    const fill = linesOf.slice(0, n);
    const lineList = new Int32Array(2 * count);
    for (let l = 0; l < count; l++) {
      lineList[fill[a[l]]++] = l;
      lineList[fill[b[l]]++] = l;
    }
    return { count: count, a: a, b: b, start: start, lon: lon, lat: lat, linesOf: linesOf, lineList: lineList };
  }

  // The payload's `shapes` for a timeline of `n` settlements: each layer as GeoJSON (null when not sent) and the
  // cells' borders.
  function expandTopology(t, n) {
    const arcs = decodeArcs(t || { scale: 1, arc_points: [], arcs: [], layers: {} });
    const layers = (t && t.layers) || {};
    const out = {};
    for (const name of LAYERS) out[name] = layerGeoJSON(arcs, layers[name]);
    out.borders = cellBorders(arcs, layers.cells, n);
    return out;
  }

  return {
    decodeArcs: decodeArcs,
    ringPoints: ringPoints,
    cellBorders: cellBorders,
    expandTopology: expandTopology,
  };
});
