/* The canvas renderer: Leaflet's canvas renderer for the vector layers (outline, lines, cells), plus
   every settlement point, projected, drawn and hit-tested from typed arrays (one Leaflet layer per
   settlement would cost the map's start ~20 µs each). Points are blitted in style order after the
   vector layers and hovered before them; hover and click reach `hub` through one small event target
   per settlement, made when it is first hovered. Leaflet's private members: leaflet_adapter.js. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const styles = parts.styles;
  const sprites = parts.sprites;
  const adapter = parts.leafletAdapter;
  const hover = parts.hover;

  // Leaflet's click tolerance of the canvas, in pixels.
  const TOLERANCE = 3;

  // The settlements as the renderer draws them: placed or not, screen offsets (fanned out hromada
  // centres), symbol style index, projected layer pixels. `isDrawn(i)` is set by the caller.
  function createPoints(d, table, unknownKey) {
    const placed = Uint8Array.from(d.lat, (lat, i) => (lat !== null && d.lon[i] !== null ? 1 : 0));
    const offsets = parts.decode.fanOffsets(d);
    let placedCount = 0;
    let south = Infinity;
    let west = Infinity;
    let north = -Infinity;
    let east = -Infinity;
    for (let i = 0; i < d.n; i++) {
      if (!placed[i]) continue;
      placedCount += 1;
      south = Math.min(south, d.lat[i]);
      north = Math.max(north, d.lat[i]);
      west = Math.min(west, d.lon[i]);
      east = Math.max(east, d.lon[i]);
    }
    return {
      n: d.n,
      lat: d.lat,
      lon: d.lon,
      dx: offsets.dx,
      dy: offsets.dy,
      placed: placed,
      placedCount: placedCount,
      extent: { south: south, west: west, north: north, east: east },
      symbol: Uint8Array.from(d.approximate, (approximate) => unknownKey * 2 + (approximate ? 1 : 0)),
      x: new Float64Array(d.n),
      y: new Float64Array(d.n),
      zoom: null,
      originX: null,
      originY: null,
      isDrawn: null,
    };
  }

  // The renderer of `points` (see createPoints) on `map`, with the symbol styles `table`
  // (styles.symbolStyles); settlements' events reach `hub`.
  function createRenderer(L, map, points, table, hub) {
    let symbolScale = 1;
    let buffer = null;
    let dirty = null;
    const spriteCache = new Map();
    const batches = table.styles.map(() => []);
    const targets = new Map();
    // Drawn after Leaflet's layers and before the points (the front line), each given the view.
    const underlays = [];

    // Layer points of the settlements for the map's current zoom and pixel origin (computed when
    // either changed since the last call).
    let grid = null;

    function project() {
      const zoom = map.getZoom();
      const origin = map.getPixelOrigin();
      if (points.zoom === zoom && points.originX === origin.x && points.originY === origin.y) return points;
      for (let i = 0; i < points.n; i++) {
        if (!points.placed[i]) continue;
        const p = map.project([points.lat[i], points.lon[i]], zoom);
        points.x[i] = Math.round(p.x) - origin.x + points.dx[i];
        points.y[i] = Math.round(p.y) - origin.y + points.dy[i];
      }
      points.zoom = zoom;
      points.originX = origin.x;
      points.originY = origin.y;
      grid = parts.regions.gridIndex(Array.from({ length: points.n }, (_, i) => (points.placed[i]
        ? { minX: points.x[i], minY: points.y[i], maxX: points.x[i], maxY: points.y[i] } : null)));
      return points;
    }

    function reach() {
      return (styles.MAX_SYMBOL_RADIUS + styles.RING_GAP + 1) * symbolScale + 8;
    }

    function hitIndex(p) {
      if (!map.hasLayer(renderer)) return -1;
      project();
      return hover.hitTest(points, table, symbolScale, hover.CLICK_TOLERANCE + TOLERANCE, p);
    }

    function target(i) {
      if (!targets.has(i)) {
        const t = new L.Evented();
        t.options = { interactive: true };
        t.cmIndex = i;
        t.getLatLng = () => map.layerPointToLatLng(L.point(points.x[i], points.y[i]));
        t.addEventParent(hub);
        targets.set(i, t);
      }
      return targets.get(i);
    }

    function markerBuffer(width, height) {
      if (!buffer || buffer.width !== width || buffer.height !== height) {
        const canvas = document.createElement("canvas");
        canvas.width = width;
        canvas.height = height;
        const ctx = canvas.getContext("2d");
        const image = ctx.createImageData(width, height);
        buffer = { canvas: canvas, ctx: ctx, image: image, px32: new Uint32Array(image.data.buffer), width: width,
          height: height };
      }
      return buffer;
    }

    // Points queued for the markers' blit (stamp per blit: a point near two repainted boxes is blitted once).
    const queued = new Uint32Array(points.n);
    let queueStamp = 1;
    let anyQueued = false;

    function draw(view) {
      for (const underlay of underlays) underlay(view);
      if (!points.isDrawn) return;
      project();
      const region = view.region;
      const r = reach();
      // Within a region, only the points near it (the grid holds each point's position).
      const near = region ? grid.query({ minX: region.minX - r, minY: region.minY - r, maxX: region.maxX + r,
        maxY: region.maxY + r }) : null;
      const count = near ? near.length : points.n;
      for (let k = 0; k < count; k++) {
        const i = near ? near[k] : k;
        if (queued[i] === queueStamp || !points.isDrawn(i)) continue;
        const x = points.x[i];
        const y = points.y[i];
        if (region && (x + r < region.minX || x - r > region.maxX || y + r < region.minY || y - r > region.maxY)) {
          continue;
        }
        queued[i] = queueStamp;
        batches[points.symbol[i]].push(i);
        anyQueued = true;
      }
      // Several boxes of one redraw share one blit (see blitMarkers): each blit costs a canvas round trip.
      if (!view.deferMarkers) blitQueued(view, region ? [region] : null);
    }

    function blitQueued(view, regions) {
      if (anyQueued) blitMarkers(view, regions);
      anyQueued = false;
      queueStamp += 1;
    }

    // Blits the queued points' markers within `regions` (layer pixels; null: the whole canvas) in one pass: the
    // buffer is cleared and drawn over the box around them, and copied onto the map clipped to the regions.
    function blitMarkers(view, regions) {
      const buf = markerBuffer(view.width, view.height);
      const scale = L.Browser.retina ? 2 : 1;
      const toDevice = (r) => ({
        x0: Math.max(0, Math.floor((r.minX - view.originX) * scale)),
        y0: Math.max(0, Math.floor((r.minY - view.originY) * scale)),
        x1: Math.min(buf.width, Math.ceil((r.maxX - view.originX) * scale)),
        y1: Math.min(buf.height, Math.ceil((r.maxY - view.originY) * scale)),
      });
      const boxes = regions ? regions.map(toDevice).filter((b) => b.x1 > b.x0 && b.y1 > b.y0) : null;
      if (boxes && !boxes.length) {
        for (const batch of batches) batch.length = 0;
        return;
      }
      const x0 = boxes ? Math.min(...boxes.map((b) => b.x0)) : 0;
      const y0 = boxes ? Math.min(...boxes.map((b) => b.y0)) : 0;
      const x1 = boxes ? Math.max(...boxes.map((b) => b.x1)) : buf.width;
      const y1 = boxes ? Math.max(...boxes.map((b) => b.y1)) : buf.height;
      for (let y = y0; y < y1; y++) buf.px32.fill(0, y * buf.width + x0, y * buf.width + x1);
      const makeCanvas = () => document.createElement("canvas");
      for (const style of table.drawOrder) {
        const batch = batches[style.index];
        if (!batch.length) continue;
        const key = style.index + "@" + symbolScale;
        if (!spriteCache.has(key)) spriteCache.set(key, sprites.makeSprite(style, scale, symbolScale, makeCanvas));
        const sprite = spriteCache.get(key);
        for (const i of batch) {
          sprites.blit(buf, sprite, ((points.x[i] - view.originX) * scale + 0.5) | 0,
            ((points.y[i] - view.originY) * scale + 0.5) | 0);
        }
        batch.length = 0;
      }
      buf.ctx.putImageData(buf.image, 0, 0, x0, y0, x1 - x0, y1 - y0);
      const ctx = view.ctx;
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      if (boxes && boxes.length > 1) {
        ctx.beginPath();
        for (const b of boxes) ctx.rect(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
        ctx.clip();
      }
      ctx.drawImage(buf.canvas, x0, y0, x1 - x0, y1 - y0, x0, y0, x1 - x0, y1 - y0);
      ctx.restore();
    }

    const renderer = adapter.canvasRenderer(L, { padding: 0.1, tolerance: TOLERANCE }, {
      draw: draw,
      // After the boxes of one redraw (each drawn with `deferMarkers`): their markers, in one blit.
      drawMarkers: (view, regions) => blitQueued(view, regions),
      hit: (p) => {
        const i = hitIndex(p);
        return i >= 0 ? target(i) : null;
      },
    });

    return {
      leaflet: renderer,
      project: project,
      hitIndex: hitIndex,
      setSymbolScale(scale) {
        symbolScale = scale;
      },
      addUnderlay(fn) {
        underlays.push(fn);
      },
      removeUnderlay(fn) {
        const k = underlays.indexOf(fn);
        if (k >= 0) underlays.splice(k, 1);
      },
      // Marks a box (layer pixels) for the next partial redraw.
      markDirtyBox(minX, minY, maxX, maxY) {
        (dirty || (dirty = [])).push({ minX: minX, minY: minY, maxX: maxX, maxY: maxY });
      },
      // Marks settlement i's neighbourhood for the next partial redraw.
      markDirty(i) {
        project();
        const r = reach();
        (dirty || (dirty = [])).push({ minX: points.x[i] - r, minY: points.y[i] - r, maxX: points.x[i] + r,
          maxY: points.y[i] + r });
      },
      // Draws now: everything, or what was marked (points, front lines and restyled cells).
      flush(everything) {
        const marked = dirty;
        dirty = null;
        adapter.redrawNow(L, renderer, everything, marked);
      },
      dispose() {
        for (const t of targets.values()) t.removeEventParent(hub);
        targets.clear();
        spriteCache.clear();
        underlays.length = 0;
        buffer = null;
        dirty = null;
      },
    };
  }

  parts.renderer = { createPoints: createPoints, createRenderer: createRenderer };
})(typeof globalThis !== "undefined" ? globalThis : this);
