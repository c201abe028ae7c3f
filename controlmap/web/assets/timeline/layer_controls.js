/* The timeline layer's controls: the date control, the points/cells switch, the layer list and the legend, and
   the contested cells' hatching. Mixed into the layer by layer.js: `this` is the layer. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const { decode, runs, dom } = parts;

  parts.layerControls = {
    _addControls: function (map) {
      const d = this.d;
      const state = this.state;
      const g = (fn) => this.guard(fn);
      this.dateControl = parts.dateControl.createDateControl(L, d.nDays, (day) => decode.isoDate(d.day0, day), {
        prev: g(() => {
          this.stop();
          this._paint(runs.changeDayNear(d, state.day, -1));
          this._commit();
        }),
        togglePlay: g(() => (state.playing ? this.pause() : this.play())),
        setSpeed: g((days) => {
          state.speed = days;
        }),
        scrub: g((value) => {
          this.stop();
          this._paint(value);
        }),
        release: g((value) => {
          this._paint(value);
          this._commit();
        }),
        next: g(() => {
          this.stop();
          this._paint(runs.changeDayNear(d, state.day, 1));
          this._commit();
        }),
      }).addTo(map);
      this.modeControl = this.cellCount
        ? parts.mapControls.createModeControl(L, g((mode) => this.setMode(mode))).addTo(map)
        : null;
      const layers = parts.mapControls.createLayersControl(
        L,
        { frontLine: this.frontLine && this.frontLine.layer, boundaries: this.boundaries, raions: this.raions,
          outline: this.outline, labels: this.labels },
        this.boundaries ? this.config.boundaries.features : [],
        this.config.tiles,
      );
      this.overlays = layers.overlays;
      this.layersControl = layers.control.addTo(map);
      // Beside the layer list, top right (see the style sheet): the date control and the scale take the
      // bottom left.
      this.legend = parts.mapControls.createLegend(L, this.vocab, Boolean(this.frontLine)).addTo(map);
    },
    // Calls `fn` once Leaflet's style sheet applies (streamlit-folium adds it as the map script starts; the
    // controls have no place before), now if it does.
    _whenStyled: function (fn) {
      const sheets = Array.from(document.querySelectorAll("link[rel=stylesheet]"));
      const link = sheets.find((l) => /leaflet\.css/.test(l.href));
      if (!link || link.sheet) {
        fn();
        return;
      }
      const styled = () => {
        this._unstyled = null;
        link.removeEventListener("load", styled);
        if (this.ready) this.guard(fn)();
      };
      link.addEventListener("load", styled);
      this._unstyled = () => link.removeEventListener("load", styled);
    },
    // At the fitted starting view the legend never covers the oblast: folded to its title if it would.
    _foldLegendOffOblast: function (bounds) {
      const map = this.map;
      const sw = map.latLngToContainerPoint(bounds[0]);
      const ne = map.latLngToContainerPoint(bounds[1]);
      const frame = map.getContainer().getBoundingClientRect();
      const box = this.legend.getContainer().getBoundingClientRect();
      const left = box.left - frame.left;
      const top = box.top - frame.top;
      const apart = left > ne.x || left + box.width < sw.x || top > sw.y || top + box.height < ne.y;
      if (!apart) this.legend.collapse();
    },
    // Contested cells are hatched (the status's fill and line colours), so that the contested band
    // between the sides reads as a band.
    _hatchContested: function () {
      const code = this.d.statuses.indexOf("contested");
      if (code < 0) return;
      const palette = { fill: this.vocab.fill.contested, line: this.vocab.line.contested };
      const tile = dom.el("canvas");
      tile.width = tile.height = 8;
      const ctx = tile.getContext("2d");
      ctx.fillStyle = palette.fill;
      ctx.fillRect(0, 0, 8, 8);
      ctx.strokeStyle = palette.line;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      for (const shift of [-8, 0, 8]) {
        ctx.moveTo(shift, 8);
        ctx.lineTo(shift + 8, 0);
      }
      ctx.stroke();
      const pattern = ctx.createPattern(tile, "repeat");
      for (const key of [code * 2, code * 2 + 1]) {
        this.cellStyles[key] = Object.assign({}, this.cellStyles[key], { fillColor: pattern });
      }
    },
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
