/* The timeline layer's view: the view reported to listeners, the symbols' scale and the settlements' labels
   by zoom level. Mixed into the layer by layer.js: `this` is the layer. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const { styles, dom, labels } = parts;
  // A view change smaller than this (a resize keeping the centre) is not reported.
  const VIEW_SHIFT_PX = 3;
  // Every settlement's name is shown from this zoom level on (towns' at every level).
  const VILLAGE_LABELS_ZOOM = 12;

  parts.layerView = {
    // The view last reported stands while the map is within a pixel of it: Leaflet recomputes its centre
    // from whole pixels after any resize (the window's, or the frame filling it).
    currentView: function () {
      const map = this.map;
      const center = map.getCenter();
      const view = { lat: center.lat, lon: center.lng, zoom: map.getZoom() };
      const kept = this.state && this.state.reportedView;
      if (kept && kept.zoom === view.zoom
        && map.latLngToContainerPoint([kept.lat, kept.lon]).distanceTo(map.latLngToContainerPoint(center)) < 1) {
        return Object.assign({}, kept);
      }
      return view;
    },
    _applySymbolScale: function () {
      const points = this.points;
      if (!points.placedCount) return;
      const map = this.map;
      const zoom = map.getZoom();
      const e = points.extent;
      const a = map.project([e.north, e.west], zoom);
      const b = map.project([e.south, e.east], zoom);
      this.renderer.setSymbolScale(styles.symbolScaleFor(b.x - a.x, b.y - a.y, points.placedCount));
    },
    _onZoomEnd: function () {
      if (!this.ready) return;
      this.guard(this._applySymbolScale)();
      this.guard(this._showVillageLabels)();
    },
    // A settlement's name as its label writes it.
    _labelText: function (i) {
      const d = this.d;
      return d.nameEn[i] || d.nameUk[i] || d.katottg[i];
    },
    _label: function (i, className) {
      const d = this.d;
      const text = dom.el("span", null, this._labelText(i));
      const icon = this.L.divIcon({ html: text, className: className, iconSize: null, iconAnchor: labels.ANCHOR });
      return this.L.marker([d.lat[i], d.lon[i]], { icon: icon, interactive: false, keyboard: false });
    },
    // Every other placed settlement's name, within the town labels' layer, from VILLAGE_LABELS_ZOOM on.
    _showVillageLabels: function () {
      const close = this.map.getZoom() >= VILLAGE_LABELS_ZOOM;
      if (close && !this.villageLabels) {
        const d = this.d;
        const towns = new Set(d.labels);
        this.villageLabels = this.L.layerGroup();
        this.villageLabelList = [];
        for (let i = 0; i < d.n; i++) {
          if (towns.has(i) || !this.points.placed[i] || d.approximate[i]) continue;
          const marker = this._label(i, "cm-label cm-label-village").addTo(this.villageLabels);
          this.villageLabelList.push([marker, this._labelText(i)]);
        }
      }
      if (!this.villageLabels) return;
      if (close && !this.labels.hasLayer(this.villageLabels)) this.labels.addLayer(this.villageLabels);
      if (!close && this.labels.hasLayer(this.villageLabels)) this.labels.removeLayer(this.villageLabels);
    },
    // Each name goes where it overlaps no other, the towns' first (in the order they claim room), then, when shown,
    // the other settlements' within the view; or it is left out (labels.js). One that would run past the map's
    // right edge is written to the left of its point (on a phone, Kupiansk showed as "Kupian").
    _fitLabels: function () {
      if (!this.townLabels) return;
      const map = this.map;
      const size = map.getSize();
      const inView = (at) => at.x >= 0 && at.y >= 0 && at.x <= size.x && at.y <= size.y;
      const villages = this.villageLabels && this.labels.hasLayer(this.villageLabels) ? this.villageLabelList : [];
      const shown = [];
      const points = [];
      // Off the view, a town's name still claims its room (it may reach into the view); a village's does not.
      const claim = (list, viewOnly) => {
        for (const [marker, text] of list) {
          if (!marker.getElement()) continue;
          const at = map.latLngToContainerPoint(marker.getLatLng());
          if (viewOnly && !inView(at)) continue;
          shown.push(marker);
          points.push({ x: at.x, y: at.y, chars: text.length });
        }
      };
      claim(this.townLabels, false);
      claim(villages, true);
      const sides = labels.placeLabels(points, size.x);
      shown.forEach((marker, k) => {
        const element = marker.getElement();
        element.classList.toggle("cm-label-end", sides[k] === "left");
        element.classList.toggle("cm-label-above", sides[k] === "above");
        element.classList.toggle("cm-label-below", sides[k] === "below");
        element.classList.toggle("cm-label-hidden", sides[k] === "hidden");
      });
    },
    // Views the user moves to (pan, zoom) are told to listeners; the starting view is not, nor a
    // resize that keeps the centre within a few pixels.
    _onMoveEnd: function () {
      if (!this.ready) return;
      this.guard(this._fitLabels)();
      const state = this.state;
      const map = this.map;
      const view = this.currentView();
      const reported = state.reportedView;
      const shift = map.latLngToContainerPoint([reported.lat, reported.lon]).distanceTo(map.getSize().divideBy(2));
      if (view.zoom === reported.zoom && shift < VIEW_SHIFT_PX) return;
      state.reportedView = view;
      parts.api.callEach(state.viewListeners, view, "view");
    },
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
