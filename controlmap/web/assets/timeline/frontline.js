/* The front line: for the day shown, the borders between Ukrainian-held cells and Russian-held or contested
   ones (solid), and between contested and Russian-held ones (dashed: the far edge of the contested band),
   along the arcs two cells share (the cells' borders: see topology.js). The sides and which borders are drawn
   are pure (tests/js run them in Node); in the browser, the line is drawn on the map's canvas between the cells
   and the points, and is a layer of its own in the layer list. */
(function (root, factory) {
  const part = factory();
  if (typeof module === "object" && module.exports) module.exports = part;
  else (root.controlmapParts = root.controlmapParts || {}).frontline = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  // A settlement's side of the front, by status name; anything else (unknown) is on neither side.
  const SIDE = { ua: 0, contested: 1, ru: 2 };
  const NEITHER = 3;
  // What a border between two sides is: not drawn, the front line, or the far edge of the contested band.
  const NONE = 0;
  const FRONT = 1;
  const BAND = 2;
  const EARTH_RADIUS_KM = 6371.0088;

  // The side of each status code of a payload (its `statuses`).
  function sideCodes(statuses) {
    return Uint8Array.from(statuses, (s) => (Object.prototype.hasOwnProperty.call(SIDE, s) ? SIDE[s] : NEITHER));
  }

  function borderKind(sideA, sideB) {
    if (sideA === NEITHER || sideB === NEITHER || sideA === sideB) return NONE;
    return sideA === SIDE.ua || sideB === SIDE.ua ? FRONT : BAND;
  }

  // How each line is drawn (NONE, FRONT or BAND) given each settlement's side (`side`, by row), into `out`.
  function lineKinds(borders, side, out) {
    for (let l = 0; l < borders.count; l++) out[l] = borderKind(side[borders.a[l]], side[borders.b[l]]);
    return out;
  }

  function lineKm(borders, l) {
    let km = 0;
    const rad = Math.PI / 180;
    for (let p = borders.start[l] + 1; p < borders.start[l + 1]; p++) {
      const lat1 = borders.lat[p - 1] * rad;
      const lat2 = borders.lat[p] * rad;
      const dLat = lat2 - lat1;
      const dLon = (borders.lon[p] - borders.lon[p - 1]) * rad;
      const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLon / 2) ** 2;
      km += 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
    }
    return km;
  }

  // The lines of each kind and their length in km: {front: {lines, km}, band: {lines, km}}.
  function summary(borders, kinds) {
    const out = { front: { lines: 0, km: 0 }, band: { lines: 0, km: 0 } };
    for (let l = 0; l < borders.count; l++) {
      const entry = kinds[l] === FRONT ? out.front : kinds[l] === BAND ? out.band : null;
      if (!entry) continue;
      entry.lines += 1;
      entry.km += lineKm(borders, l);
    }
    return out;
  }

  // --- browser ------------------------------------------------------------------------------------

  const STYLE = {
    casing: { color: "#ffffff", width: 5 },
    front: { color: "#1a1a1a", width: 2.5 },
    band: { color: "#1a1a1a", width: 1.2, dash: [5, 4] },
  };
  // The line of a second claimant selection, drawn over the first for comparison (Okabe–Ito reddish purple:
  // apart from every status colour).
  const COMPARE_STYLE = {
    casing: { color: "#ffffff", width: 4.5 },
    front: { color: "#CC79A7", width: 2.5, dash: [8, 5] },
    band: { color: "#CC79A7", width: 1.2, dash: [2, 4] },
  };

  // The front line of `borders` on `map`, drawn by `renderer` (renderer.createRenderer) between the cells
  // and the points; `side` (by row) is the layer's, kept current by it; `style`: STYLE unless given. Returns
  // {layer (for the layer list; on while on the map), refresh() (the kinds after a paint), markDirty(i), summary(),
  // dispose()}.
  function createFrontLine(L, map, borders, side, renderer, isLive, style) {
    const look = style || STYLE;
    const kinds = new Uint8Array(borders.count);
    const x = new Float64Array(borders.lon.length);
    const y = new Float64Array(borders.lon.length);
    const box = new Float64Array(borders.count * 4);
    let projected = null;
    let grid = null;
    let shown = false;

    function project() {
      const zoom = map.getZoom();
      const origin = map.getPixelOrigin();
      const key = zoom + "@" + origin.x + "," + origin.y;
      if (projected === key) return;
      for (let p = 0; p < x.length; p++) {
        const q = map.project([borders.lat[p], borders.lon[p]], zoom);
        x[p] = q.x - origin.x;
        y[p] = q.y - origin.y;
      }
      for (let l = 0; l < borders.count; l++) {
        let minX = Infinity;
        let minY = Infinity;
        let maxX = -Infinity;
        let maxY = -Infinity;
        for (let p = borders.start[l]; p < borders.start[l + 1]; p++) {
          minX = Math.min(minX, x[p]);
          maxX = Math.max(maxX, x[p]);
          minY = Math.min(minY, y[p]);
          maxY = Math.max(maxY, y[p]);
        }
        box.set([minX, minY, maxX, maxY], l * 4);
      }
      const boxes = Array.from({ length: borders.count }, (_, l) => ({ minX: box[l * 4], minY: box[l * 4 + 1],
        maxX: box[l * 4 + 2], maxY: box[l * 4 + 3] }));
      grid = globalThis.controlmapParts.regions.gridIndex(boxes);
      projected = key;
    }

    // The lines that may cross `region`, through the grid (all of them without a region).
    function candidates(region) {
      return region ? grid.query(region) : null;
    }

    function path(ctx, kind, region, near) {
      ctx.beginPath();
      let any = false;
      const count = near ? near.length : borders.count;
      for (let k = 0; k < count; k++) {
        const l = near ? near[k] : k;
        if (kinds[l] !== kind) continue;
        const o = l * 4;
        if (region && (box[o + 2] < region.minX || box[o] > region.maxX || box[o + 3] < region.minY
          || box[o + 1] > region.maxY)) continue;
        const s = borders.start[l];
        ctx.moveTo(x[s], y[s]);
        for (let p = s + 1; p < borders.start[l + 1]; p++) ctx.lineTo(x[p], y[p]);
        any = true;
      }
      return any;
    }

    function stroke(ctx, style) {
      ctx.strokeStyle = style.color;
      ctx.lineWidth = style.width;
      ctx.setLineDash(style.dash || []);
      ctx.stroke();
    }

    // Draws on the canvas's context as Leaflet left it (layer pixels), within the redrawn region.
    function draw(view) {
      if (!shown || !borders.count) return;
      project();
      const ctx = view.ctx;
      const region = view.region;
      ctx.save();
      if (region) {
        ctx.beginPath();
        ctx.rect(region.minX, region.minY, region.maxX - region.minX, region.maxY - region.minY);
        ctx.clip();
      }
      ctx.lineJoin = "round";
      ctx.lineCap = "round";
      const near = candidates(region);
      if (path(ctx, BAND, region, near)) stroke(ctx, look.band);
      if (path(ctx, FRONT, region, near)) {
        stroke(ctx, look.casing);
        stroke(ctx, look.front);
      }
      ctx.restore();
    }

    const FrontLineLayer = L.Layer.extend({
      onAdd: function () {
        shown = true;
        if (isLive()) renderer.flush(true);
      },
      onRemove: function () {
        shown = false;
        if (isLive()) renderer.flush(true);
      },
    });
    const layer = new FrontLineLayer();
    renderer.addUnderlay(draw);

    return {
      layer: layer,
      refresh() {
        lineKinds(borders, side, kinds);
      },
      // Settlement i changed sides: its lines' boxes are redrawn by the next partial redraw.
      markDirty(i) {
        if (!shown) return;
        project();
        const pad = look.casing.width;
        for (let k = borders.linesOf[i]; k < borders.linesOf[i + 1]; k++) {
          const o = borders.lineList[k] * 4;
          renderer.markDirtyBox(box[o] - pad, box[o + 1] - pad, box[o + 2] + pad, box[o + 3] + pad);
        }
      },
      isShown: () => shown,
      summary: () => summary(borders, kinds),
      dispose() {
        renderer.removeUnderlay(draw);
      },
    };
  }

  return {
    SIDE: SIDE,
    NEITHER: NEITHER,
    NONE: NONE,
    FRONT: FRONT,
    BAND: BAND,
    STYLE: STYLE,
    COMPARE_STYLE: COMPARE_STYLE,
    sideCodes: sideCodes,
    borderKind: borderKind,
    lineKinds: lineKinds,
    lineKm: lineKm,
    summary: summary,
    createFrontLine: createFrontLine,
  };
});
