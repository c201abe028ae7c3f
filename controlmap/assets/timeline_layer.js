/* Settlement timeline layer for Leaflet 1.9: every settlement on one canvas, recoloured for any day
   in the browser from a timeline sent once. Inlined by controlmap.mapview.TimelineLayer, which calls
   window.controlmapTimeline(map, packed, options): the timeline and shapes as deflated JSON in base64,
   and the starting view and day. Payload strings are untrusted: they only ever reach the page through
   textContent. */
(function () {
  "use strict";

  const DAY_MS = 86400000;
  const SPEEDS = [1, 7, 30];
  const RING_GAP = 3.5;
  // Symbols shrink when the view is crowded: typical spacing in pixels → symbol scale.
  const SPACING_FOR_FULL_SIZE = 12;
  const SYMBOL_SCALES = [1, 0.8, 0.6, 0.45, 0.3];
  // Sprite edge pixels: drop the faintest, treat the nearly opaque as opaque (far fewer blends).
  const MIN_SPRITE_ALPHA = 40;
  const OPAQUE_SPRITE_ALPHA = 210;
  // Above this share of changed settlements a repaint redraws everything instead of dirty rectangles.
  const FULL_REDRAW_SHARE = 0.1;
  // A view change smaller than this (a resize keeping the centre) is not reported.
  const VIEW_SHIFT_PX = 3;
  // A town's name starts 8 px right of its point, centred on it (12 px text).
  const LABEL_ANCHOR = [-8, 7];
  const APPROXIMATE_NOTE = "approximate position (hromada centre)";
  const STATUS_TEXT = {
    unknown: "unknown",
    ua: "Ukrainian control",
    ru: "Russian control",
    contested: "contested",
  };
  // Okabe–Ito colours; the shape repeats the status for readers who cannot tell the colours apart.
  const PALETTE = {
    unknown: { fill: "#999999", line: "#555555", shape: "circle", radius: 3.5 },
    ua: { fill: "#0072B2", line: "#00395a", shape: "circle", radius: 5 },
    ru: { fill: "#D55E00", line: "#5e2900", shape: "square", radius: 5 },
    contested: { fill: "#F0E442", line: "#222222", shape: "triangle", radius: 6 },
  };

  const MAX_SYMBOL_RADIUS = Math.max(...Object.values(PALETTE).map((p) => p.radius));
  // As for a Leaflet circle marker of weight 4: half its stroke, on top of the renderer's tolerance.
  const CLICK_TOLERANCE = 2;

  function paletteOf(status) {
    return PALETTE[status] || PALETTE.unknown;
  }

  function symbolStyle(status, disputed, approximate, index) {
    const p = paletteOf(status);
    return {
      index: index,
      status: status,
      disputed: disputed,
      approximate: approximate,
      shape: p.shape,
      radius: approximate ? Math.max(3, p.radius - 1) : p.radius,
      fill: p.fill,
      fillOpacity: approximate ? 0.2 : 1,
      line: approximate && status !== "contested" ? p.fill : p.line,
      lineWidth: approximate ? 1.5 : status === "contested" ? 1.5 : 1,
      dash: approximate ? [2, 2] : [],
    };
  }

  function cellStyle(status, disputed) {
    const p = paletteOf(status);
    return {
      fillColor: p.fill,
      fillOpacity: 0.55,
      color: disputed ? "#000000" : status === "contested" ? "#222222" : "#ffffff",
      opacity: 1,
      weight: disputed ? 2.5 : 0.6,
      dashArray: disputed ? "4 3" : null,
    };
  }

  function shapePath(ctx, shape, x, y, r) {
    if (shape === "square") {
      const s = r * 0.9;
      ctx.rect(x - s, y - s, 2 * s, 2 * s);
    } else if (shape === "triangle") {
      ctx.moveTo(x, y - r * 1.1);
      ctx.lineTo(x + r, y + r * 0.7);
      ctx.lineTo(x - r, y + r * 0.7);
      ctx.closePath();
    } else {
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
  }

  // One path per style: draws the legend's symbols and each marker sprite.
  function drawSymbols(ctx, style, points, scale = 1) {
    const radius = style.radius * scale;
    ctx.beginPath();
    for (const p of points) shapePath(ctx, style.shape, p.x, p.y, radius);
    ctx.globalAlpha = style.fillOpacity;
    ctx.fillStyle = style.fill;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.setLineDash(style.dash);
    ctx.lineWidth = style.lineWidth;
    ctx.strokeStyle = style.line;
    ctx.stroke();
    if (style.disputed) {
      const ring = (style.radius + RING_GAP) * scale;
      ctx.beginPath();
      for (const p of points) {
        ctx.moveTo(p.x + ring, p.y);
        ctx.arc(p.x, p.y, ring, 0, 2 * Math.PI);
      }
      ctx.setLineDash([3, 2]);
      ctx.lineWidth = 2 * Math.max(scale, 0.6);
      ctx.strokeStyle = "#000000";
      ctx.stroke();
    }
  }

  // Markers are copied from pre-rendered sprites into one ImageData: without a GPU, the canvas
  // rasteriser spends ~10 µs on each anti-aliased shape; copying its ~100 pixels in JS is far cheaper.
  function makeSprite(style, pixelRatio, symbolScale) {
    const half = Math.ceil(((style.radius + (style.disputed ? RING_GAP : 0)) * symbolScale + 2) * pixelRatio) + 1;
    const size = 2 * half;
    const canvas = el("canvas");
    canvas.width = canvas.height = size;
    const ctx = canvas.getContext("2d");
    ctx.scale(pixelRatio, pixelRatio);
    drawSymbols(ctx, style, [{ x: half / pixelRatio, y: half / pixelRatio }], symbolScale);
    const rgba = new Uint32Array(ctx.getImageData(0, 0, size, size).data.buffer);
    const parts = { opaque: { dx: [], dy: [], color: [] }, translucent: { dx: [], dy: [], color: [] } };
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const value = rgba[y * size + x];
        const alpha = value >>> 24;
        if (alpha < MIN_SPRITE_ALPHA) continue;
        const opaque = alpha >= OPAQUE_SPRITE_ALPHA;
        const part = opaque ? parts.opaque : parts.translucent;
        part.dx.push(x - half);
        part.dy.push(y - half);
        part.color.push(opaque ? (value | 0xff000000) >>> 0 : value);
      }
    }
    const typed = (part) => ({
      dx: Int16Array.from(part.dx),
      dy: Int16Array.from(part.dy),
      color: Uint32Array.from(part.color),
      offsets: null,
      width: 0,
    });
    return { half: half, opaque: typed(parts.opaque), translucent: typed(parts.translucent) };
  }

  function offsetsFor(part, width) {
    if (part.width !== width) {
      part.offsets = Int32Array.from(part.dx, (x, k) => part.dy[k] * width + x);
      part.width = width;
    }
    return part.offsets;
  }

  function blendTranslucent(src, dst) {
    const sa = src >>> 24;
    const da = dst >>> 24;
    if (da === 0) return src;
    if (da === 255) {
      // Over an opaque pixel: two integer multiplies per pixel (alpha stays 255).
      const keep = 255 - sa;
      const rb = (((src & 0xff00ff) * sa + (dst & 0xff00ff) * keep) >>> 8) & 0xff00ff;
      const g = (((src & 0xff00) * sa + (dst & 0xff00) * keep) >>> 8) & 0xff00;
      return (0xff000000 | rb | g) >>> 0;
    }
    const rest = (da * (255 - sa)) / 255;
    const oa = sa + rest;
    const r = ((src & 255) * sa + (dst & 255) * rest) / oa;
    const g = (((src >>> 8) & 255) * sa + ((dst >>> 8) & 255) * rest) / oa;
    const b = (((src >>> 16) & 255) * sa + ((dst >>> 16) & 255) * rest) / oa;
    return ((Math.round(oa) << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0;
  }

  // Source-over of one sprite into an RGBA buffer of 32-bit little-endian pixels.
  function blit(buffer, sprite, cx, cy) {
    const px32 = buffer.px32;
    const width = buffer.width;
    const height = buffer.height;
    const half = sprite.half;
    if (cx < half || cy < half || cx >= width - half || cy >= height - half) {
      blitClipped(buffer, sprite, cx, cy);
      return;
    }
    const base = cy * width + cx;
    const opaque = sprite.opaque;
    const opaqueAt = offsetsFor(opaque, width);
    const opaqueColor = opaque.color;
    for (let k = 0; k < opaqueColor.length; k++) px32[base + opaqueAt[k]] = opaqueColor[k];
    const translucent = sprite.translucent;
    const translucentAt = offsetsFor(translucent, width);
    const translucentColor = translucent.color;
    for (let k = 0; k < translucentColor.length; k++) {
      const at = base + translucentAt[k];
      px32[at] = blendTranslucent(translucentColor[k], px32[at]);
    }
  }

  function blitClipped(buffer, sprite, cx, cy) {
    for (const part of [sprite.opaque, sprite.translucent]) {
      for (let k = 0; k < part.color.length; k++) {
        const x = cx + part.dx[k];
        const y = cy + part.dy[k];
        if (x < 0 || y < 0 || x >= buffer.width || y >= buffer.height) continue;
        const at = y * buffer.width + x;
        buffer.px32[at] = blendTranslucent(part.color[k], buffer.px32[at]);
      }
    }
  }

  // Leaflet's canvas renderer for the vector layers (outline, lines, cells), plus every settlement
  // point, drawn and hit-tested from typed arrays: one Leaflet layer per settlement would cost the
  // map's start ~20 µs each. Points are blitted in style order after the vector layers and are
  // hovered before them. `cmPoints` is set by startTimeline (its `points`).
  const TimelineCanvas = L.Canvas.extend({
    _draw: function () {
      const bounds = this._redrawBounds;
      const ctx = this._ctx;
      ctx.save();
      if (bounds) {
        const size = bounds.getSize();
        ctx.beginPath();
        ctx.rect(bounds.min.x, bounds.min.y, size.x, size.y);
        ctx.clip();
      }
      this._drawing = true;
      for (let order = this._drawFirst; order; order = order.next) {
        const layer = order.layer;
        if (bounds && !(layer._pxBounds && layer._pxBounds.intersects(bounds))) continue;
        layer._updatePath();
      }
      this._drawing = false;
      if (this.cmPoints) this._blitPoints(bounds);
      ctx.restore();
    },

    // Layer points of the settlements for the map's current zoom and pixel origin (computed when
    // either changed since the last call).
    _cmProject: function () {
      const pts = this.cmPoints;
      const map = this._map;
      const zoom = map.getZoom();
      const origin = map.getPixelOrigin();
      if (pts.zoom === zoom && pts.originX === origin.x && pts.originY === origin.y) return pts;
      const crs = map.options.crs;
      for (let i = 0; i < pts.n; i++) {
        if (!pts.placed[i]) continue;
        const p = crs.latLngToPoint(L.latLng(pts.lat[i], pts.lon[i]), zoom);
        pts.x[i] = Math.round(p.x) - origin.x + pts.dx[i];
        pts.y[i] = Math.round(p.y) - origin.y + pts.dy[i];
      }
      pts.zoom = zoom;
      pts.originX = origin.x;
      pts.originY = origin.y;
      return pts;
    },

    _cmReach: function () {
      return (MAX_SYMBOL_RADIUS + RING_GAP + 1) * this.options.cmScale + 8;
    },

    // Marks settlement i's neighbourhood for the next partial redraw.
    cmExtend: function (i) {
      if (!this._map) return;
      const pts = this._cmProject();
      const reach = this._cmReach();
      const bounds = this._redrawBounds || (this._redrawBounds = new L.Bounds());
      bounds.extend(L.point(pts.x[i] - reach, pts.y[i] - reach));
      bounds.extend(L.point(pts.x[i] + reach, pts.y[i] + reach));
    },

    // The settlement drawn on top under layer point p (-1 if none): the latest in draw order, then
    // the nearest.
    cmHit: function (p) {
      const pts = this.cmPoints;
      if (!pts || !this._map) return -1;
      this._cmProject();
      const scale = this.options.cmScale;
      const tolerance = CLICK_TOLERANCE + (this.options.tolerance || 0);
      let best = -1;
      let bestRank = -1;
      let bestDistance = Infinity;
      for (let i = 0; i < pts.n; i++) {
        if (!pts.isDrawn(i)) continue;
        const style = this.options.cmStyles[pts.symbol[i]];
        const dx = pts.x[i] - p.x;
        const dy = pts.y[i] - p.y;
        const distance = Math.sqrt(dx * dx + dy * dy);
        if (distance > style.radius * scale + tolerance) continue;
        const rank = pts.rank[style.index];
        if (rank > bestRank || (rank === bestRank && distance < bestDistance)) {
          best = i;
          bestRank = rank;
          bestDistance = distance;
        }
      }
      return best;
    },

    _hitLayer: function (point, e) {
      const i = this.cmHit(point);
      if (i >= 0) return this.cmPoints.target(i);
      let found;
      for (let order = this._drawFirst; order; order = order.next) {
        const layer = order.layer;
        if (layer.options.interactive && layer._containsPoint(point)) {
          if (!e || !(e.type === "click" || e.type === "preclick") || !this._map._draggableMoved(layer)) found = layer;
        }
      }
      return found;
    },

    // As L.Canvas, with settlements hit before the vector layers.
    _onClick: function (e) {
      const layer = this._hitLayer(this._map.mouseEventToLayerPoint(e), e);
      this._fireEvent(layer ? [layer] : false, e);
    },

    _handleMouseHover: function (e, point) {
      if (this._mouseHoverThrottled) return;
      const candidate = this._hitLayer(point, null);
      if (candidate !== this._hoveredLayer) {
        this._handleMouseOut(e);
        if (candidate) {
          L.DomUtil.addClass(this._container, "leaflet-interactive");
          this._fireEvent([candidate], e, "mouseover");
          this._hoveredLayer = candidate;
        }
      }
      this._fireEvent(this._hoveredLayer ? [this._hoveredLayer] : false, e);
      this._mouseHoverThrottled = true;
      setTimeout(() => {
        this._mouseHoverThrottled = false;
      }, 32);
    },

    _markerBuffer: function () {
      const width = this._container.width;
      const height = this._container.height;
      let buffer = this._cmBuffer;
      if (!buffer || buffer.width !== width || buffer.height !== height) {
        const canvas = el("canvas");
        canvas.width = width;
        canvas.height = height;
        const ctx = canvas.getContext("2d");
        const image = ctx.createImageData(width, height);
        buffer = this._cmBuffer = {
          canvas: canvas,
          ctx: ctx,
          image: image,
          px32: new Uint32Array(image.data.buffer),
          width: width,
          height: height,
        };
      }
      return buffer;
    },

    _blitPoints: function (bounds) {
      const pts = this._cmProject();
      const styles = this.options.cmStyles;
      const batches = this._cmBatches || (this._cmBatches = styles.map(() => []));
      const reach = this._cmReach();
      let any = false;
      for (let i = 0; i < pts.n; i++) {
        if (!pts.isDrawn(i)) continue;
        const x = pts.x[i];
        const y = pts.y[i];
        if (bounds && (x + reach < bounds.min.x || x - reach > bounds.max.x || y + reach < bounds.min.y
          || y - reach > bounds.max.y)) continue;
        batches[pts.symbol[i]].push(i);
        any = true;
      }
      if (any) this._blitMarkers(batches, bounds, pts);
    },

    _blitMarkers: function (batches, bounds, pts) {
      const buffer = this._markerBuffer();
      const scale = L.Browser.retina ? 2 : 1;
      const min = this._bounds.min;
      let x0 = 0;
      let y0 = 0;
      let x1 = buffer.width;
      let y1 = buffer.height;
      if (bounds) {
        x0 = Math.max(0, Math.floor((bounds.min.x - min.x) * scale));
        y0 = Math.max(0, Math.floor((bounds.min.y - min.y) * scale));
        x1 = Math.min(buffer.width, Math.ceil((bounds.max.x - min.x) * scale));
        y1 = Math.min(buffer.height, Math.ceil((bounds.max.y - min.y) * scale));
      }
      if (x1 <= x0 || y1 <= y0) {
        for (const batch of batches) batch.length = 0;
        return;
      }
      for (let y = y0; y < y1; y++) buffer.px32.fill(0, y * buffer.width + x0, y * buffer.width + x1);
      const sprites = this._cmSprites || (this._cmSprites = new Map());
      const symbolScale = this.options.cmScale;
      for (const style of this.options.cmDrawOrder) {
        const batch = batches[style.index];
        if (!batch.length) continue;
        const key = style.index + "@" + symbolScale;
        if (!sprites.has(key)) sprites.set(key, makeSprite(style, scale, symbolScale));
        const sprite = sprites.get(key);
        for (const i of batch) {
          blit(buffer, sprite, ((pts.x[i] - min.x) * scale + 0.5) | 0, ((pts.y[i] - min.y) * scale + 0.5) | 0);
        }
        batch.length = 0;
      }
      buffer.ctx.putImageData(buffer.image, 0, 0, x0, y0, x1 - x0, y1 - y0);
      this._ctx.setTransform(1, 0, 0, 1, 0, 0);
      this._ctx.drawImage(buffer.canvas, x0, y0, x1 - x0, y1 - y0, x0, y0, x1 - x0, y1 - y0);
    },
  });

  function decodePayload(p, initialDay) {
    const n = p.katottg.length;
    const start = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) start[i + 1] = start[i] + p.run_count[i];
    const day = Int32Array.from(p.day);
    const since = new Int32Array(day.length);
    for (let r = 0; r < day.length; r++) since[r] = day[r] - p.since_gap[r];
    return {
      n: n,
      day0: Date.parse(p.day0 + "T00:00:00Z"),
      nDays: p.n_days,
      initialDay: initialDay,
      statuses: p.statuses,
      changeDays: Int32Array.from(p.change_days),
      katottg: p.katottg.map((k) => p.id_prefix + k),
      nameEn: p.name_en,
      nameUk: p.name_uk,
      lat: p.lat,
      lon: p.lon,
      approximate: p.quality.map((q) => q === 1),
      labels: p.labels,
      start: start,
      day: day,
      since: since,
      status: Uint8Array.from(p.state, (v) => v >> 1),
      disputed: Uint8Array.from(p.state, (v) => v & 1),
      event: Int32Array.from(p.event),
      eventDay: p.event_day,
      eventSource: p.event_source,
      sources: p.sources,
    };
  }

  // Golden-angle spiral around the hromada centre, in screen pixels, in katottg order.
  function fanOffsets(d) {
    const groups = new Map();
    for (let i = 0; i < d.n; i++) {
      if (!d.approximate[i] || d.lat[i] === null || d.lon[i] === null) continue;
      const key = d.lat[i] + "," + d.lon[i];
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(i);
    }
    const dx = new Float32Array(d.n);
    const dy = new Float32Array(d.n);
    for (const members of groups.values()) {
      members.sort((a, b) => (d.katottg[a] < d.katottg[b] ? -1 : d.katottg[a] > d.katottg[b] ? 1 : 0));
      members.forEach((i, k) => {
        const angle = k * 2.399963;
        // Start clear of the centre's own marker, so the exactly placed town stays hoverable.
        const radius = 12 + 6.5 * Math.sqrt(k);
        dx[i] = radius * Math.cos(angle);
        dy[i] = radius * Math.sin(angle);
      });
    }
    return { dx: dx, dy: dy };
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function symbolCanvas(style, size) {
    const ratio = window.devicePixelRatio || 1;
    const canvas = el("canvas", "cm-symbol");
    canvas.width = canvas.height = size * ratio;
    canvas.style.width = canvas.style.height = size + "px";
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    drawSymbols(ctx, style, [{ x: size / 2, y: size / 2 }]);
    return canvas;
  }

  function navigateTop(url) {
    // The component iframe is sandboxed without allow-top-navigation; a link that lives in the
    // (same-origin) top document navigates as that document.
    try {
      const top = window.top;
      const link = top.document.createElement("a");
      link.href = url;
      top.document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (err) {
      window.location.href = url;
    }
  }

  function hostDay() {
    try {
      if (window.parent !== window) return window.parent.__controlmapDay;
    } catch (err) {
      return undefined;
    }
    return undefined;
  }

  function startTimeline(map, config) {
    const d = decodePayload(config.payload, config.initialDay);
    // The starting view first, so that every layer is projected and drawn once; not animated, so
    // that it is settled before views are reported (see watchView).
    if (config.fitBounds) map.fitBounds(config.fitBounds, { animate: false });
    const container = map.getContainer();
    const styles = [];
    d.statuses.forEach((status, code) => {
      [false, true].forEach((disputed) => {
        [false, true].forEach((approximate) => {
          const index = (code * 2 + (disputed ? 1 : 0)) * 2 + (approximate ? 1 : 0);
          styles[index] = symbolStyle(status, disputed, approximate, index);
        });
      });
    });
    const unknownKey = Math.max(0, d.statuses.indexOf("unknown")) * 2;
    const statusRank = (s) => ["unknown", "ua", "ru", "contested"].indexOf(s.status);
    const drawOrder = styles
      .slice()
      .sort((a, b) => b.approximate - a.approximate || statusRank(a) - statusRank(b) || a.disputed - b.disputed);
    const cellStyles = [];
    d.statuses.forEach((status, code) => {
      cellStyles[code * 2] = cellStyle(status, false);
      cellStyles[code * 2 + 1] = cellStyle(status, true);
    });
    const renderer = new TimelineCanvas({
      padding: 0.1,
      tolerance: 3,
      cmStyles: styles,
      cmDrawOrder: drawOrder,
      cmScale: 1,
    });
    const hub = new L.Evented();

    const outline = config.outline
      ? L.geoJSON(config.outline, {
          renderer: renderer,
          interactive: false,
          style: { color: "#222222", weight: 2, fill: false },
        }).addTo(map)
      : null;
    const boundaries = config.boundaries
      ? L.geoJSON(config.boundaries, {
          renderer: renderer,
          style: (f) => ({
            color: "#555555",
            weight: 1,
            opacity: 0.8,
            dashArray: f.properties && f.properties.approximate ? "4 4" : null,
          }),
          onEachFeature: (f, layer) => {
            const props = f.properties || {};
            const name = props.name_en || props.name || props.name_uk || "Boundary";
            const text = props.approximate ? name + " (approximate boundary)" : name;
            layer.bindTooltip(() => el("span", null, text), { sticky: true, className: "cm-tooltip" });
          },
        }).addTo(map)
      : null;

    // Cells are built the first time they are shown: points are the starting view.
    const rowOf = new Map(d.katottg.map((k, i) => [k, i]));
    const cellFeatures = config.cells
      ? config.cells.features.filter((f) => rowOf.has(f.properties && f.properties.katottg))
      : [];
    const hasCell = new Uint8Array(d.n);
    for (const f of cellFeatures) hasCell[rowOf.get(f.properties.katottg)] = 1;
    const cellOf = new Array(d.n).fill(null);
    let cellsGroup = null;

    function cells() {
      if (cellsGroup || !cellFeatures.length) return cellsGroup;
      cellsGroup = L.geoJSON(
        { type: "FeatureCollection", features: cellFeatures },
        {
          renderer: renderer,
          style: (f) => cellStyles[stateKey(shownRun[rowOf.get(f.properties.katottg)])],
          onEachFeature: (f, layer) => {
            const i = rowOf.get(f.properties.katottg);
            layer.cmIndex = i;
            layer.addEventParent(hub);
            cellOf[i] = layer;
          },
        },
      );
      return cellsGroup;
    }

    // Settlement points: drawn by the renderer (see TimelineCanvas); hover and click reach `hub`
    // through one small event target per settlement, made when it is first hovered.
    const placed = Uint8Array.from(d.lat, (lat, i) => (lat !== null && d.lon[i] !== null ? 1 : 0));
    const symbolOf = Uint8Array.from(d.approximate, (approximate) => unknownKey * 2 + (approximate ? 1 : 0));
    const offsets = fanOffsets(d);
    const targets = new Map();
    const rank = new Int32Array(styles.length);
    drawOrder.forEach((style, k) => {
      rank[style.index] = k;
    });
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
    const points = {
      n: d.n,
      lat: d.lat,
      lon: d.lon,
      dx: offsets.dx,
      dy: offsets.dy,
      placed: placed,
      symbol: symbolOf,
      rank: rank,
      x: new Float64Array(d.n),
      y: new Float64Array(d.n),
      zoom: null,
      originX: null,
      originY: null,
      isDrawn: (i) => placed[i] === 1 && !(mode === "cells" && hasCell[i]),
      target: (i) => {
        if (!targets.has(i)) {
          const target = new L.Evented();
          target.options = { interactive: true };
          target.cmIndex = i;
          target.getLatLng = () => map.layerPointToLatLng(L.point(points.x[i], points.y[i]));
          target.addEventParent(hub);
          targets.set(i, target);
        }
        return targets.get(i);
      },
    };
    map.addLayer(renderer);
    renderer.cmPoints = points;

    function applySymbolScale() {
      if (!placedCount) return;
      const zoom = map.getZoom();
      const a = map.project([north, west], zoom);
      const b = map.project([south, east], zoom);
      const spacing = Math.sqrt(Math.max(1, Math.abs(b.x - a.x) * Math.abs(b.y - a.y)) / placedCount);
      const scale = SYMBOL_SCALES.find((k) => spacing >= SPACING_FOR_FULL_SIZE * k) || SYMBOL_SCALES.at(-1);
      renderer.options.cmScale = scale;
    }
    map.on("zoomend", applySymbolScale);

    // Town names as icon markers: placed by a transform, never measured (a permanent tooltip reads its
    // size, forcing a layout per label).
    const labels = L.layerGroup();
    for (const i of d.labels) {
      if (d.lat[i] === null || d.lon[i] === null) continue;
      const text = el("span", null, d.nameEn[i] || d.nameUk[i] || d.katottg[i]);
      const icon = L.divIcon({ html: text, className: "cm-label", iconSize: null, iconAnchor: LABEL_ANCHOR });
      L.marker([d.lat[i], d.lon[i]], { icon: icon, interactive: false, keyboard: false }).addTo(labels);
    }
    labels.addTo(map);

    // State: the run shown for each settlement (-1: before its first run; -2: never painted).
    const shownRun = new Int32Array(d.n).fill(-2);
    let day = 0;
    let mode = "points";
    let paints = 0;
    let lastPaintMs = 0;
    let lastRestyled = 0;
    let hovered = -1;
    let playing = false;
    let speed = SPEEDS[0];
    let frame = 0;
    const committedListeners = new Set();

    const clampDay = (value) => Math.min(d.nDays - 1, Math.max(0, Math.round(Number(value)) || 0));
    const isoDate = (value) => new Date(d.day0 + value * DAY_MS).toISOString().slice(0, 10);
    const stateKey = (r) => (r < 0 ? unknownKey : d.status[r] * 2 + d.disputed[r]);

    function runAt(i, target) {
      let lo = d.start[i];
      let hi = d.start[i + 1] - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (d.day[mid] <= target) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return found;
    }

    function restyle(i, key, dirtyRect) {
      const symbol = key * 2 + (d.approximate[i] ? 1 : 0);
      if (placed[i] && symbolOf[i] !== symbol) {
        symbolOf[i] = symbol;
        if (dirtyRect && points.isDrawn(i)) renderer.cmExtend(i);
      }
      const cell = cellOf[i];
      if (cell) {
        if (cell._map) cell.setStyle(cellStyles[key]);
        else L.Util.setOptions(cell, cellStyles[key]);
      }
    }

    function flush(everything) {
      if (!renderer._map || !renderer._ctx) return;
      if (renderer._redrawRequest) {
        L.Util.cancelAnimFrame(renderer._redrawRequest);
        renderer._redrawRequest = null;
      }
      if (everything) renderer._redrawBounds = null;
      if (everything || renderer._redrawBounds) renderer._redraw();
    }

    function isShown(i) {
      return (mode === "cells" && hasCell[i] === 1) || placed[i] === 1;
    }

    const changed = new Int32Array(d.n);

    function paint(target) {
      const t0 = performance.now();
      day = clampDay(target);
      let restyled = 0;
      for (let i = 0; i < d.n; i++) {
        const r = runAt(i, day);
        const before = shownRun[i];
        if (r === before) continue;
        shownRun[i] = r;
        if (before === -2 || stateKey(r) !== stateKey(before)) changed[restyled++] = i;
      }
      const everything = paints === 0 || restyled > d.n * FULL_REDRAW_SHARE;
      for (let k = 0; k < restyled; k++) restyle(changed[k], stateKey(shownRun[changed[k]]), !everything);
      flush(everything);
      lastPaintMs = performance.now() - t0;
      lastRestyled = restyled;
      paints += 1;
      container.dataset.day = String(day);
      container.dataset.painted = String(paints);
      control.show(day);
      if (hovered >= 0) hover.setContent(tooltipContent(hovered));
      return day;
    }

    function commit() {
      try {
        if (window.parent !== window) window.parent.__controlmapDay = day;
      } catch (err) {
        /* a cross-origin host keeps its own day */
      }
      for (const listener of committedListeners) {
        try {
          listener(day);
        } catch (err) {
          console.error("controlmap: day listener failed", err);
        }
      }
    }

    function changeDayNear(direction) {
      const days = d.changeDays;
      if (direction < 0) {
        for (let k = days.length - 1; k >= 0; k--) if (days[k] < day) return days[k];
        return 0;
      }
      for (let k = 0; k < days.length; k++) if (days[k] > day) return days[k];
      return d.nDays - 1;
    }

    function step() {
      if (!playing) return;
      const next = Math.min(d.nDays - 1, day + speed);
      paint(next);
      if (next >= d.nDays - 1) pause();
      else frame = requestAnimationFrame(step);
    }

    function play() {
      if (playing) return;
      if (day >= d.nDays - 1) paint(0);
      playing = true;
      control.showPlaying(true);
      frame = requestAnimationFrame(step);
    }

    function stop() {
      if (!playing) return false;
      playing = false;
      cancelAnimationFrame(frame);
      control.showPlaying(false);
      return true;
    }

    function pause() {
      if (stop()) commit();
    }

    // --- tooltip and click ------------------------------------------------------------------------
    const hover = L.tooltip({ direction: "top", offset: [0, -8], className: "cm-tooltip", opacity: 1 });

    function tooltipContent(i) {
      const r = shownRun[i];
      const status = r < 0 ? "unknown" : d.statuses[d.status[r]];
      const box = el("div", "cm-tip");
      box.appendChild(el("div", "cm-tip-name", d.nameEn[i] || d.katottg[i]));
      if (d.nameUk[i]) box.appendChild(el("div", "cm-tip-name-uk", d.nameUk[i]));
      const rows = [
        ["Status", STATUS_TEXT[status] || status],
        ["Since", r < 0 ? "no record yet" : isoDate(d.since[r])],
        ["Disputed", r >= 0 && d.disputed[r] ? "disputed" : "not disputed"],
      ];
      const e = r < 0 ? -1 : d.event[r];
      if (e >= 0) {
        const when = d.eventDay[e] === null ? "date unknown" : isoDate(d.eventDay[e]);
        rows.push(["Latest source", d.sources[d.eventSource[e]] + " (" + when + ")"]);
      } else if (r >= 0) {
        rows.push(["Latest source", "baseline (" + isoDate(d.day[r]) + ")"]);
      }
      const table = el("table", "cm-tip-rows");
      for (const [label, value] of rows) {
        const tr = el("tr");
        tr.appendChild(el("th", null, label));
        tr.appendChild(el("td", "cm-tip-" + label.toLowerCase().replace(" ", "-"), value));
        table.appendChild(tr);
      }
      box.appendChild(table);
      if (d.approximate[i]) box.appendChild(el("div", "cm-tip-note", APPROXIMATE_NOTE));
      return box;
    }

    hub.on("mouseover", (e) => {
      hovered = e.sourceTarget.cmIndex;
      hover.setLatLng(e.latlng).setContent(tooltipContent(hovered));
      map.addLayer(hover);
    });
    hub.on("mouseout", () => {
      hovered = -1;
      map.removeLayer(hover);
    });
    hub.on("click", (e) => {
      const url = config.townPageUrl + "?settlement=" + encodeURIComponent(d.katottg[e.sourceTarget.cmIndex]);
      navigateTop(url);
    });

    // --- controls ---------------------------------------------------------------------------------
    const DateControl = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        const root = el("div", "cm-date leaflet-bar");
        const button = (cls, text, label, onClick) => {
          const b = el("button", cls, text);
          b.type = "button";
          b.title = label;
          b.setAttribute("aria-label", label);
          b.addEventListener("click", onClick);
          root.appendChild(b);
          return b;
        };
        button("cm-prev", "\u2039", "Previous change", () => {
          stop();
          paint(changeDayNear(-1));
          commit();
        });
        this.playButton = button("cm-play", "\u25B6", "Play", () => (playing ? pause() : play()));
        const speedSelect = el("select", "cm-speed");
        speedSelect.title = "Days per frame";
        speedSelect.setAttribute("aria-label", "Days per frame");
        for (const s of SPEEDS) {
          const option = el("option", null, s + " d");
          option.value = String(s);
          speedSelect.appendChild(option);
        }
        speedSelect.addEventListener("change", () => {
          speed = Number(speedSelect.value);
        });
        root.appendChild(speedSelect);
        const slider = el("input", "cm-slider");
        slider.type = "range";
        slider.min = "0";
        slider.max = String(d.nDays - 1);
        slider.step = "1";
        slider.setAttribute("aria-label", "Date");
        slider.addEventListener("input", () => {
          stop();
          paint(slider.value);
        });
        slider.addEventListener("change", () => {
          paint(slider.value);
          commit();
        });
        root.appendChild(slider);
        button("cm-next", "\u203A", "Next change", () => {
          stop();
          paint(changeDayNear(1));
          commit();
        });
        this.dateText = el("output", "cm-date-text");
        root.appendChild(this.dateText);
        this.slider = slider;
        L.DomEvent.disableClickPropagation(root);
        L.DomEvent.disableScrollPropagation(root);
        return root;
      },
      show: function (value) {
        if (Number(this.slider.value) !== value) this.slider.value = String(value);
        this.dateText.textContent = isoDate(value);
      },
      showPlaying: function (isPlaying) {
        this.playButton.textContent = isPlaying ? "\u275A\u275A" : "\u25B6";
        const label = isPlaying ? "Pause" : "Play";
        this.playButton.title = label;
        this.playButton.setAttribute("aria-label", label);
      },
    });

    const Legend = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        const root = el("div", "cm-legend");
        root.appendChild(el("div", "cm-legend-title", "Control"));
        const row = (style, text) => {
          const line = el("div", "cm-legend-row");
          line.appendChild(symbolCanvas(style, 22));
          line.appendChild(el("span", null, text));
          root.appendChild(line);
        };
        for (const status of ["ua", "ru", "contested", "unknown"]) {
          row(symbolStyle(status, false, false, 0), STATUS_TEXT[status]);
        }
        row(symbolStyle("unknown", true, false, 0), "disputed");
        row(symbolStyle("ua", false, true, 0), APPROXIMATE_NOTE);
        L.DomEvent.disableClickPropagation(root);
        return root;
      },
    });

    const ModeControl = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        const root = el("div", "cm-mode leaflet-bar");
        this.inputs = {};
        for (const [value, text] of [["points", "Points"], ["cells", "Cells"]]) {
          const label = el("label");
          const input = el("input");
          input.type = "radio";
          input.name = "cm-mode";
          input.value = value;
          input.addEventListener("change", () => setMode(value));
          label.appendChild(input);
          label.appendChild(el("span", null, text));
          root.appendChild(label);
          this.inputs[value] = input;
        }
        L.DomEvent.disableClickPropagation(root);
        return root;
      },
      show: function (value) {
        this.inputs[value].checked = true;
      },
    });

    function setMode(next) {
      mode = next === "cells" && cells() ? "cells" : "points";
      if (mode === "cells") {
        map.addLayer(cellsGroup);
        // Hover picks the last vector layer drawn under the mouse (points come first): lines above cells.
        for (const layer of [boundaries, outline]) if (layer) layer.bringToFront();
      } else if (cellsGroup) {
        map.removeLayer(cellsGroup);
      }
      if (modeControl) modeControl.show(mode);
      // Points in cells mode are only those without a cell: everything is redrawn (once painted).
      if (paints > 0) flush(true);
      return mode;
    }

    const control = new DateControl().addTo(map);
    new Legend().addTo(map);
    const modeControl = cellFeatures.length ? new ModeControl().addTo(map) : null;
    const overlays = {};
    if (boundaries) {
      const approximate = config.boundaries.features.some((f) => f.properties && f.properties.approximate);
      overlays[approximate ? "Approximate boundaries" : "Hromada boundaries"] = boundaries;
    }
    if (outline) overlays["Oblast outline"] = outline;
    overlays["Town labels"] = labels;
    if (config.tiles) {
      overlays[config.tiles.name] = L.tileLayer(config.tiles.url, {
        maxZoom: 19,
        attribution: config.tiles.attribution,
      });
    }
    L.control.layers(null, overlays, { position: "topright", collapsed: true }).addTo(map);

    setMode(config.mode);
    applySymbolScale();
    const fromHost = hostDay();
    paint(Number.isFinite(fromHost) ? fromHost : d.initialDay);
    const viewListeners = new Set();
    watchView();

    function currentView() {
      const center = map.getCenter();
      return { lat: center.lat, lon: center.lng, zoom: map.getZoom() };
    }

    // Views the user moves to (pan, zoom) are told to listeners; the starting view is not, nor a
    // resize that keeps the centre within a few pixels.
    function watchView() {
      let reported = currentView();
      map.on("moveend", () => {
        const view = currentView();
        const shift = map.latLngToContainerPoint([reported.lat, reported.lon]).distanceTo(map.getSize().divideBy(2));
        if (view.zoom === reported.zoom && shift < VIEW_SHIFT_PX) return;
        reported = view;
        for (const listener of viewListeners) {
          try {
            listener(view);
          } catch (err) {
            console.error("controlmap: view listener failed", err);
          }
        }
      });
    }

    function counts() {
      const result = {};
      for (const status of d.statuses) result[status] = 0;
      for (let i = 0; i < d.n; i++) {
        if (!isShown(i)) continue;
        const r = shownRun[i];
        result[r < 0 ? "unknown" : d.statuses[d.status[r]]] += 1;
      }
      return result;
    }

    // Displayed status of every settlement, in payload order (what the map shows, for tests and tools).
    function statuses() {
      const out = new Array(d.n);
      for (let i = 0; i < d.n; i++) {
        const r = shownRun[i];
        out[i] = r < 0 ? "unknown" : d.statuses[d.status[r]];
      }
      return out;
    }

    function features() {
      let shown = 0;
      for (let i = 0; i < d.n; i++) if (isShown(i)) shown += 1;
      return shown;
    }

    const api = {
      setDay: (value) => paint(value),
      getDay: () => day,
      onDayCommitted: (listener) => {
        committedListeners.add(listener);
        return () => committedListeners.delete(listener);
      },
      stats: () => ({
        lastPaintMs: lastPaintMs,
        paints: paints,
        features: features(),
        restyled: lastRestyled,
        settlements: d.n,
        cells: cellFeatures.length,
        day: day,
        mode: mode,
      }),
      counts: counts,
      statuses: statuses,
      view: currentView,
      onViewChanged: (listener) => {
        viewListeners.add(listener);
        return () => viewListeners.delete(listener);
      },
      play: play,
      pause: pause,
      // Stop playing without committing (a day chosen elsewhere is about to be shown).
      stop: () => stop(),
      setMode: setMode,
      getMode: () => mode,
      isoDate: isoDate,
      // Where settlement `katottg` is drawn, in pixels of the map container (tests hover there).
      pixelOf: (katottg) => {
        const i = d.katottg.indexOf(katottg);
        if (i < 0 || !placed[i]) return null;
        renderer._cmProject();
        const p = map.layerPointToContainerPoint(L.point(points.x[i], points.y[i]));
        return { x: p.x, y: p.y };
      },
    };
    window.controlmap = api;
    try {
      if (window.parent !== window) {
        window.parent.dispatchEvent(new window.parent.CustomEvent("controlmap:ready", { detail: { source: window } }));
      }
    } catch (err) {
      /* no same-origin host to tell */
    }
    return api;
  }

  function base64Bytes(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  // Shapes arrive compact (see mapview.compact_shapes): rings as integer steps of 1/scale degree.
  function expandShapes(compact) {
    if (!compact) return null;
    const k = 1 / compact.scale;
    const line = (steps) => {
      const points = new Array(steps.length / 2);
      let x = 0;
      let y = 0;
      for (let i = 0; i < steps.length; i += 2) {
        x += steps[i];
        y += steps[i + 1];
        points[i / 2] = [x * k, y * k];
      }
      return points;
    };
    return {
      type: "FeatureCollection",
      features: compact.features.map((f) => ({
        type: "Feature",
        properties: f.p,
        geometry: compact.lines
          ? { type: "MultiLineString", coordinates: f.c.map(line) }
          : { type: "MultiPolygon", coordinates: f.c.map((polygon) => polygon.map(line)) },
      })),
    };
  }

  async function unpack(packed) {
    const bytes = base64Bytes(packed);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return JSON.parse(await new Response(stream).text());
  }

  function showProblem(map, message) {
    const box = el("div", "cm-problem", message);
    box.setAttribute("role", "alert");
    map.getContainer().appendChild(box);
  }

  // `packed`: the timeline and shapes (see mapview.layer_data); `options`: the view and the day to start on.
  window.controlmapTimeline = (map, packed, options) =>
    unpack(packed).then(
      (data) => {
        for (const key of ["outline", "boundaries", "cells"]) data[key] = expandShapes(data[key]);
        return startTimeline(map, Object.assign(data, options));
      },
      (err) => {
        console.error("controlmap: the map data could not be unpacked", err);
        showProblem(map, "This browser could not unpack the settlement data (" + err + "). A current Chrome, "
          + "Edge, Firefox or Safari can.");
      },
    );
})();
