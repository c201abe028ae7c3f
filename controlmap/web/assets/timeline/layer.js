/* The timeline layer: builds the map's parts when added and removes all of them (layers, controls,
   map and DOM listeners, the play loop, window.controlmap) when removed, by map.removeLayer or
   map.remove. It owns the state (state.js) and is the only writer of it: paint a day, play, commit,
   switch mode. An exception in any of its entry points stops playing and shows a message in the map.
   Entry point: window.controlmapTimeline(map, packed, options), which web/maps.py's TimelineLayer calls. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const { decode, runs, styles, dom, frontline, topology } = parts;

  // Above this share of changed settlements a repaint redraws everything instead of dirty rectangles.
  const FULL_REDRAW_SHARE = 0.1;
  // The fitted view keeps the oblast clear of the row of controls at the top (Leaflet's layer button is 44 px,
  // 10 px from the edge; the folded legend stands beside it), and as far from the bottom.
  const FIT_MARGIN = 56;
  // In cells mode, settlements' points are drawn over their cells from this zoom level on.
  const POINTS_OVER_CELLS_ZOOM = 10;

  function failureText(err) {
    return "The settlement map stopped working (" + dom.describe(err) + "). Reload the page to try again; if "
      + "this message comes back, please report it.";
  }

  // The layer's methods: its own below, and those of its parts (controls, claimant selections, the view, playing;
  // layer_*.js), mixed in.
  function defineLayer(L) {
    return L.Layer.extend(Object.assign({
      // `config`: the unpacked data (the timeline and the expanded shapes) and the options (see maps.map_of_layer).
      initialize: function (config) {
        this.config = config;
        this.L = L;
        this.el = dom.el;
        this.ready = false;
        this.paint = this.guard(this._paint, true);
        this._stepBound = this.guard(this._step);
      },

      // Map events, added and removed by Leaflet with the layer.
      getEvents: function () {
        return { zoomend: this._onZoomEnd, moveend: this._onMoveEnd };
      },

      onAdd: function (map) {
        this.map = map;
        try {
          this._build(map);
        } catch (err) {
          this._fail(err);
        }
      },

      onRemove: function () {
        this._teardown();
      },

      // `fn` as called from the browser (listeners, animation frames, the API): an exception stops the
      // map with a message; `rethrow` passes it on to the caller too.
      guard: function (fn, rethrow) {
        const layer = this;
        return function () {
          try {
            return fn.apply(layer, arguments);
          } catch (err) {
            layer._fail(err);
            if (rethrow) throw err;
            return undefined;
          }
        };
      },

      _fail: function (err) {
        console.error("controlmap: the map stopped", err);
        try {
          this.stop();
        } catch (ignored) {
          /* already failing */
        }
        if (this.state) this.state.stopped = true;
        if (this.map) dom.showProblem(this.map.getContainer(), failureText(err));
      },

      _build: function (map) {
        const config = this.config;
        parts.leafletAdapter.checkVersion(L);
        const d = (this.d = decode.decodePayload(config.timeline, config.initialDay));
        // Claimant selections: the timeline's own (`config.selection`), and others sent along (decoded when
        // first shown) or added later through the API.
        this.selectionKey = config.selection || "";
        this.selections = new Map([[this.selectionKey, { wire: null, runs: Object.assign({}, d) }]]);
        for (const [key, wire] of Object.entries(config.selections || {})) {
          if (!this.selections.has(key)) this.selections.set(key, { wire: wire, runs: null });
        }
        this.compare = null;
        // The map's size, then the starting view, so that every layer is projected and drawn once; not
        // animated, so that it is settled before views are reported (see _onMoveEnd).
        const fill = config.fillWindow;
        if (fill && dom.fillWindow(map.getContainer(), fill.margin, fill.min)) map.invalidateSize({ pan: false });
        // Exactly the view asked for: a resize keeping the centre (this one, or the frame's first) rounds it to
        // whole pixels.
        if (config.view) map.setView(config.view.center, config.view.zoom, { reset: true });
        if (config.fitBounds) {
          const margin = { paddingTopLeft: [0, FIT_MARGIN], paddingBottomRight: [0, FIT_MARGIN] };
          map.fitBounds(config.fitBounds, Object.assign({ animate: false }, margin));
        }
        const state = (this.state = parts.state.createState(d.n));
        const vocab = (this.vocab = styles.vocabulary(d.legend));
        const table = styles.symbolStyles(d.statuses, vocab);
        this.cellStyles = styles.cellStyles(d.statuses, vocab);
        this._hatchContested();
        const unknownKey = Math.max(0, d.statuses.indexOf("unknown")) * 2;
        this.hub = new L.Evented();
        const points = (this.points = parts.renderer.createPoints(d, table, unknownKey));
        const renderer = (this.renderer = parts.renderer.createRenderer(L, map, points, table, this.hub));

        this.outline = config.outline
          ? L.geoJSON(config.outline, {
              renderer: renderer.leaflet,
              interactive: false,
              style: { color: "#222222", weight: 2, fill: false },
            }).addTo(map)
          : null;
        this.boundaries = config.boundaries
          ? L.geoJSON(config.boundaries, {
              renderer: renderer.leaflet,
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
                layer.bindTooltip(() => dom.el("span", null, text), { sticky: true, className: "cm-tooltip" });
              },
            }).addTo(map)
          : null;

        this.raions = config.raions
          ? L.geoJSON(config.raions, {
              renderer: renderer.leaflet,
              style: { color: "#333333", weight: 2, opacity: 0.85 },
              onEachFeature: (f, layer) => {
                const props = f.properties || {};
                const name = (props.name_en || props.name_uk || "Raion") + " raion";
                layer.bindTooltip(() => dom.el("span", null, name), { sticky: true, className: "cm-tooltip" });
              },
            }).addTo(map)
          : null;

        // Cells are built the first time they are shown: points are the starting view. They arrive naming their
        // settlement by row (wire._cells_by_row), each in range (topology.js refuses any other).
        this.rowOf = new Map(d.katottg.map((k, i) => [k, i]));
        this.cellFeatures = config.cells ? config.cells.features : [];
        this.cellCount = this.cellFeatures.length;
        const hasCell = new Uint8Array(d.n);
        for (const f of this.cellFeatures) {
          f.properties.katottg = d.katottg[f.properties.row];
          hasCell[f.properties.row] = 1;
        }
        this.hasCell = hasCell;
        this.cellOf = new Array(d.n).fill(null);
        this.cellsGroup = null;

        map.addLayer(renderer.leaflet);
        points.isDrawn = (i) => points.placed[i] === 1
          && !(state.mode === "cells" && hasCell[i] && map.getZoom() < POINTS_OVER_CELLS_ZOOM);

        // The front line, along the cells' borders, from each settlement's side for the day shown.
        this.borders = config.borders;
        this.sideOf = frontline.sideCodes(d.statuses);
        this.side = new Uint8Array(d.n).fill(frontline.NEITHER);
        this.frontLine = this.borders.count
          ? frontline.createFrontLine(L, map, this.borders, this.side, renderer, () => this.ready)
          : null;
        if (this.frontLine) this.frontLine.layer.addTo(map);

        // Town names as icon markers: placed by a transform, never measured (a permanent tooltip reads
        // its size, forcing a layout per label). The other settlements' names join them from a closer zoom level
        // (made the first time it is reached).
        this.labels = L.layerGroup();
        this.townLabels = [];
        for (const i of d.labels) {
          if (d.lat[i] === null || d.lon[i] === null) continue;
          const marker = this._label(i, "cm-label").addTo(this.labels);
          this.townLabels.push([marker, this._labelText(i)]);
        }
        this.villageLabels = null;
        this.labels.addTo(map);

        this.townPageUrl = config.townPageUrl;
        this.hover = parts.hover.attachHover(this, config.townPageUrl);
        this._addControls(map);
        if (config.fitBounds) this._whenStyled(() => this._foldLegendOffOblast(config.fitBounds));

        this.setMode(config.mode);
        this._applySymbolScale();
        this._showVillageLabels();
        this._fitLabels();
        const fromHost = parts.api.hostDay();
        this._paint(Number.isFinite(fromHost) ? fromHost : d.initialDay);
        state.reportedView = this.currentView();
        this.api = parts.api.createApi(this);
        root.controlmap = this.api;
        // Add-ons: parts registered in `controlmapParts.addOns`, each {attach(layer) → {remove()}}.
        this.addOns = (parts.addOns || []).map((addOn) => addOn.attach(this));
        this.ready = true;
        parts.api.announce();
      },

      _teardown: function () {
        const map = this.map;
        this.ready = false;
        if (this.state) {
          this.stop();
          this.state.stopped = true;
          this.state.committedListeners.clear();
          this.state.viewListeners.clear();
          this.state.clickListeners.clear();
        }
        if (this._unstyled) this._unstyled();
        for (const addOn of (this.addOns || []).splice(0)) addOn.remove();
        if (this.hover) this.hover.remove();
        for (const control of [this.layersControl, this.modeControl, this.legend, this.dateControl]) {
          if (control) control.remove();
        }
        const layers = [this.cellsGroup, this.boundaries, this.raions, this.outline, this.labels];
        for (const layer of layers.concat(Object.values(this.overlays || {}))) {
          if (layer) map.removeLayer(layer);
        }
        if (this.frontLine) {
          map.removeLayer(this.frontLine.layer);
          this.frontLine.dispose();
        }
        if (this.compare) {
          map.removeLayer(this.compare.line.layer);
          this.compare.line.dispose();
          this.compare = null;
        }
        if (this.renderer) {
          map.removeLayer(this.renderer.leaflet);
          this.renderer.dispose();
        }
        if (this.hub) this.hub.off();
        const container = map.getContainer();
        delete container.dataset.day;
        delete container.dataset.painted;
        if (this.api && root.controlmap === this.api) delete root.controlmap;
        this.hover = this.dateControl = this.legend = this.modeControl = this.layersControl = null;
        this.renderer = this.cellsGroup = this.overlays = this.api = this.frontLine = null;
      },

      // --- painting a day --------------------------------------------------------------------------

      _paint: function (target) {
        const d = this.d;
        const state = this.state;
        if (state.stopped) return state.day;
        const t0 = performance.now();
        state.day = decode.clampDay(d.nDays, target);
        const restyled = runs.advance(d, state.shownRun, state.day, state.changed);
        const everything = state.paints === 0 || restyled > d.n * FULL_REDRAW_SHARE;
        for (let k = 0; k < restyled; k++) {
          const i = state.changed[k];
          this._restyle(i, runs.stateKey(d, state.shownRun[i]), !everything);
        }
        if (this.frontLine) this.frontLine.refresh();
        if (this.compare) this._paintCompare(everything);
        this.renderer.flush(everything);
        state.lastPaintMs = performance.now() - t0;
        state.lastRestyled = restyled;
        state.paints += 1;
        const container = this.map.getContainer();
        container.dataset.day = String(state.day);
        container.dataset.painted = String(state.paints);
        this.dateControl.show(state.day);
        this.hover.refresh();
        return state.day;
      },

      _restyle: function (i, key, dirtyRect) {
        const points = this.points;
        const symbol = key * 2 + (this.d.approximate[i] ? 1 : 0);
        if (points.placed[i] && points.symbol[i] !== symbol) {
          points.symbol[i] = symbol;
          if (dirtyRect && points.isDrawn(i)) this.renderer.markDirty(i);
        }
        const side = this.sideOf[key >> 1];
        if (this.side[i] !== side) {
          this.side[i] = side;
          if (dirtyRect && this.frontLine) this.frontLine.markDirty(i);
        }
        const cell = this.cellOf[i];
        if (cell) {
          if (this.map.hasLayer(cell)) cell.setStyle(this.cellStyles[key]);
          else L.Util.setOptions(cell, this.cellStyles[key]);
        }
      },

      clicked: function (katottg) {
        parts.api.callEach(this.state.clickListeners, katottg, "click");
      },

      isShown: function (i) {
        return (this.state.mode === "cells" && this.hasCell[i] === 1) || this.points.placed[i] === 1;
      },

      _commit: function () {
        parts.api.tellHostDay(this.state.day);
        parts.api.callEach(this.state.committedListeners, this.state.day, "day");
      },

      // --- points or cells -------------------------------------------------------------------------

      _cells: function () {
        if (this.cellsGroup || !this.cellFeatures.length) return this.cellsGroup;
        const state = this.state;
        this.cellsGroup = L.geoJSON(
          { type: "FeatureCollection", features: this.cellFeatures },
          {
            renderer: this.renderer.leaflet,
            style: (f) => this.cellStyles[runs.stateKey(this.d, state.shownRun[this.rowOf.get(f.properties.katottg)])],
            onEachFeature: (f, layer) => {
              const i = this.rowOf.get(f.properties.katottg);
              layer.cmIndex = i;
              layer.addEventParent(this.hub);
              this.cellOf[i] = layer;
            },
          },
        );
        return this.cellsGroup;
      },

      setMode: function (next) {
        const state = this.state;
        const map = this.map;
        state.mode = next === "cells" && this._cells() ? "cells" : "points";
        if (state.mode === "cells") {
          map.addLayer(this.cellsGroup);
          // Hover picks the last vector layer drawn under the mouse (points come first): lines above cells.
          for (const layer of [this.boundaries, this.raions, this.outline]) if (layer) layer.bringToFront();
        } else if (this.cellsGroup) {
          map.removeLayer(this.cellsGroup);
        }
        if (this.modeControl) this.modeControl.show(state.mode);
        // Points in cells mode are only those without a cell: everything is redrawn (once painted).
        if (state.paints > 0) this.renderer.flush(true);
        return state.mode;
      },

    }, parts.layerControls, parts.layerSelections, parts.layerView, parts.layerPlaying));
  }

  let TimelineLayer = null;

  // `packed`: the timeline and shapes (see wire.layer_data); `options`: the view and the day to start
  // on. Resolves to the map's API (undefined if the map could not start: it then shows why).
  function controlmapTimeline(map, packed, options) {
    return decode.unpack(packed).then(
      (data) => {
        try {
          // The timeline first: the shapes name its settlements.
          const problem = decode.payloadProblem(data.timeline);
          if (problem) throw new Error(problem);
          Object.assign(data, topology.expandTopology(data.shapes, data.timeline.katottg.length));
          TimelineLayer = TimelineLayer || defineLayer(root.L);
          const layer = new TimelineLayer(Object.assign(data, options));
          layer.addTo(map);
          return layer.api || undefined;
        } catch (err) {
          console.error("controlmap: the map could not start", err);
          dom.showProblem(map.getContainer(), failureText(err));
          return undefined;
        }
      },
      (err) => {
        console.error("controlmap: the map data could not be unpacked", err);
        dom.showProblem(map.getContainer(), "This browser could not unpack the settlement data (" + err + "). A "
          + "current Chrome, Edge, Firefox or Safari can.");
        return undefined;
      },
    );
  }

  controlmapTimeline.layerClass = () => (TimelineLayer = TimelineLayer || defineLayer(root.L));
  root.controlmapTimeline = controlmapTimeline;
})(typeof globalThis !== "undefined" ? globalThis : this);
