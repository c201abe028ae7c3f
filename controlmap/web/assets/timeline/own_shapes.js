/* Settlements' own boundaries (OpenStreetMap), an add-on: drawn as thin dashed lines over the cells once the map is
   zoomed in close. They are not in the map's data: the file `install-assets` writes (controlmap/web/own_shapes.py,
   its URL in the options as `ownShapesUrl`) is fetched the first time the map is zoomed in that far, once. A line in
   the layer list turns them off; `window.controlmap.ownShapes()` tells whether they are loaded and shown. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./decode.js"));
  } else {
    const parts = root.controlmapParts;
    parts.ownShapes = factory(parts.decode);
    (parts.addOns = parts.addOns || []).push({ name: "ownShapes", attach: (tl) => parts.ownShapes.attach(tl) });
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function (decode) {
  "use strict";

  // From this zoom level on (settlement_shapes.MIN_ZOOM).
  const MIN_ZOOM = 11;
  const NAME = "Settlement boundaries (zoom 11+)";
  const STYLE = { color: "#1a1a1a", weight: 1.3, opacity: 0.85, dashArray: "3 3", fill: false };

  // `tl`: the timeline layer (layer.js: L, map, config, rowOf, renderer, layersControl, api, guard); `fetchText(url)`:
  // a promise of the file's text (fetch by default; tests give their own). Returns {remove()}.
  function attach(tl, fetchText) {
    const url = tl.config.ownShapesUrl;
    if (!url) return { remove() {} };
    const L = tl.L;
    const map = tl.map;
    const group = L.layerGroup();
    const status = { url: url, requested: false, loaded: false, features: 0, failed: null };
    let shapes = null;
    let removed = false;
    const get = fetchText || ((address) => fetch(address, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status + " for " + address);
      return response.text();
    }));

    const show = tl.guard(function () {
      if (removed) return;
      const close = map.getZoom() >= MIN_ZOOM && map.hasLayer(group);
      if (close && !shapes) {
        load();
        return;
      }
      if (!shapes) return;
      if (close && !group.hasLayer(shapes)) group.addLayer(shapes);
      else if (!close && group.hasLayer(shapes)) group.removeLayer(shapes);
    });

    function load() {
      if (status.requested) return;
      status.requested = true;
      get(url)
        .then(decode.unpack)
        .then((data) => {
          if (removed) return;
          const all = decode.expandShapes(data).features;
          const features = all.filter((f) => tl.rowOf.has(f.properties && f.properties.katottg));
          shapes = L.geoJSON({ type: "FeatureCollection", features: features },
            { renderer: tl.renderer.leaflet, interactive: false, style: STYLE });
          status.loaded = true;
          status.features = features.length;
          show();
        })
        .catch((err) => {
          status.failed = err && err.message ? err.message : String(err);
          console.error("controlmap: settlement boundaries could not be loaded", err);
        });
    }

    // Cells added later (points → cells) would cover the lines: they are brought back on top.
    const onLayerAdd = tl.guard(function (event) {
      if (shapes && event.layer === tl.cellsGroup && map.hasLayer(shapes)) shapes.bringToFront();
    });

    map.on("zoomend", show);
    map.on("layeradd", onLayerAdd);
    group.on("add", show);
    group.addTo(map);
    if (tl.layersControl) tl.layersControl.addOverlay(group, NAME);
    tl.api.ownShapes = () => Object.assign({}, status, {
      minZoom: MIN_ZOOM,
      shown: Boolean(shapes && map.hasLayer(shapes)),
    });
    show();

    return {
      remove() {
        removed = true;
        map.off("zoomend", show);
        map.off("layeradd", onLayerAdd);
        group.off("add", show);
        if (tl.layersControl) tl.layersControl.removeLayer(group);
        map.removeLayer(group);
        if (tl.api) delete tl.api.ownShapes;
        shapes = null;
      },
    };
  }

  return { attach: attach, MIN_ZOOM: MIN_ZOOM, NAME: NAME };
});
