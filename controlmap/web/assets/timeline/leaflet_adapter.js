/* Every use of Leaflet's private members, and nothing else. Checked against Leaflet 1.9.4 (the
   leaflet-src.js of PyPI django-js-lib-leaflet 1.9.4, which the app serves); re-check each member named
   here when Leaflet is upgraded. The rest of the map script uses Leaflet's public API only.

   Leaflet's canvas renderer draws the vector layers (outline, lines, cells); the settlement points are
   drawn after them on the same canvas, and hit before them, through two hooks:
     draw(view)        after Leaflet's own drawing of a (partial) redraw; view = {ctx, region, width,
                       height, originX, originY, deferMarkers}: the canvas's 2D context, the redrawn region
                       in layer pixels (null: all of it), the canvas size in device pixels, the layer pixel
                       of its top left corner, and whether the points' markers wait for drawMarkers;
     drawMarkers(view, regions)  after the regions of one redraw: the markers they deferred;
     hit(layerPoint)   the event target under a layer point, or null to let Leaflet hit its layers.
   Private members used (L.Canvas unless named): _draw, _redraw, _redrawBounds, _redrawRequest, _ctx,
   _container, _bounds, _map, _initPath, _removePath, _updatePath, _extendRedrawBounds, _onClick, _handleMouseHover, _handleMouseOut, _hoveredLayer,
   _mouseHoverThrottled, _fireEvent, _drawFirst (and each entry's layer), _drawing, L.Path#_containsPoint,
   L.Path#_pxBounds, L.Path#_updatePath. */
(function (root) {
  "use strict";

  const CHECKED_AGAINST = "1.9.4";
  // Leaflet's throttle of canvas hover tests (ms), as in 1.9.4.
  const HOVER_THROTTLE_MS = 32;

  function canvasRenderer(L, options, hooks) {
    const Base = L.Canvas.prototype;
    const TimelineCanvas = L.Canvas.extend({
      _draw: function () {
        const bounds = this._redrawBounds;
        if (bounds) this._cmDrawIndexed(bounds);
        else Base._draw.call(this);
        const ctx = this._ctx;
        ctx.save();
        const view = this._cmView();
        view.region = bounds ? { minX: bounds.min.x, minY: bounds.min.y, maxX: bounds.max.x, maxY: bounds.max.y } : null;
        view.deferMarkers = Boolean(bounds && this._cmDeferMarkers);
        hooks.draw(view);
        ctx.restore();
      },

      _cmView: function () {
        return { ctx: this._ctx, width: this._container.width, height: this._container.height,
          originX: this._bounds.min.x, originY: this._bounds.min.y };
      },

      // Redraws each of `boxes` (layer pixels) in turn, then the markers of them all in one pass.
      _cmRedrawBoxes: function (boxes) {
        this._cmDeferMarkers = true;
        try {
          for (const box of boxes) {
            this._redrawBounds = new L.Bounds(L.point(box.minX, box.minY), L.point(box.maxX, box.maxY));
            this._redraw();
          }
        } finally {
          this._cmDeferMarkers = false;
          this._redrawBounds = null;
        }
        const ctx = this._ctx;
        ctx.save();
        hooks.drawMarkers(this._cmView(), boxes);
        ctx.restore();
      },

      // As Leaflet's _draw within `bounds`, with the layers found through a grid index (regions.gridIndex) rather
      // than by testing every one.
      _cmDrawIndexed: function (bounds) {
        const ctx = this._ctx;
        const size = bounds.getSize();
        ctx.save();
        ctx.beginPath();
        ctx.rect(bounds.min.x, bounds.min.y, size.x, size.y);
        ctx.clip();
        this._drawing = true;
        const index = this._cmLayerIndex();
        const box = { minX: bounds.min.x, minY: bounds.min.y, maxX: bounds.max.x, maxY: bounds.max.y };
        for (const k of index.grid.query(box)) {
          const layer = index.layers[k];
          if (layer._pxBounds && layer._pxBounds.intersects(bounds)) layer._updatePath();
        }
        this._drawing = false;
        ctx.restore();
      },

      // The layers in drawing order and their grid index, rebuilt when layers come or go and when their pixel
      // boxes move (a zoom or a new pixel origin).
      _cmLayerIndex: function () {
        const origin = this._map.getPixelOrigin();
        const key = this._map.getZoom() + "@" + origin.x + "," + origin.y + "#" + (this._cmLayersVersion || 0);
        if (this._cmIndex && this._cmIndex.key === key) return this._cmIndex;
        const layers = [];
        for (let order = this._drawFirst; order; order = order.next) layers.push(order.layer);
        const boxes = layers.map((layer) => (layer._pxBounds ? { minX: layer._pxBounds.min.x,
          minY: layer._pxBounds.min.y, maxX: layer._pxBounds.max.x, maxY: layer._pxBounds.max.y } : null));
        this._cmIndex = { key: key, layers: layers, grid: root.controlmapParts.regions.gridIndex(boxes) };
        return this._cmIndex;
      },

      _initPath: function (layer) {
        this._cmLayersVersion = (this._cmLayersVersion || 0) + 1;
        Base._initPath.call(this, layer);
      },

      _removePath: function (layer) {
        this._cmLayersVersion = (this._cmLayersVersion || 0) + 1;
        Base._removePath.call(this, layer);
      },

      // A layer's geometry projected again (setLatLngs, a zoom): its box in the index is stale.
      _updatePath: function (layer) {
        this._cmLayersVersion = (this._cmLayersVersion || 0) + 1;
        Base._updatePath.call(this, layer);
      },

      // Whatever asks for it (a frame Leaflet requested, redrawNow), a redraw uses up the boxes kept.
      _redraw: function () {
        this._cmRects = null;
        Base._redraw.call(this);
      },

      // As Leaflet's, and each layer's box is kept too (see redrawNow).
      _extendRedrawBounds: function (layer) {
        Base._extendRedrawBounds.call(this, layer);
        if (!layer._pxBounds) return;
        const pad = (layer.options.weight || 0) + 1;
        (this._cmRects || (this._cmRects = [])).push({ minX: layer._pxBounds.min.x - pad,
          minY: layer._pxBounds.min.y - pad, maxX: layer._pxBounds.max.x + pad, maxY: layer._pxBounds.max.y + pad });
      },

      _onClick: function (e) {
        const target = hooks.hit(this._map.mouseEventToLayerPoint(e));
        if (target) this._fireEvent([target], e);
        else Base._onClick.call(this, e);
      },

      // As Leaflet's, with the hook's target ahead of Leaflet's layers, and its timer kept to be cleared.
      _handleMouseHover: function (e, point) {
        if (this._mouseHoverThrottled) return;
        let candidate = hooks.hit(point);
        if (!candidate) {
          for (let order = this._drawFirst; order; order = order.next) {
            const layer = order.layer;
            if (layer.options.interactive && layer._containsPoint(point)) candidate = layer;
          }
        }
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
        this._cmHoverTimer = setTimeout(() => {
          this._mouseHoverThrottled = false;
        }, HOVER_THROTTLE_MS);
      },

      onRemove: function (map) {
        clearTimeout(this._cmHoverTimer);
        this._mouseHoverThrottled = false;
        this._hoveredLayer = null;
        Base.onRemove.call(this, map);
      },
    });
    return new TimelineCanvas(options);
  }

  // Redraws now (not on the next animation frame): everything, or what Leaflet marked for redrawing (restyled
  // cells) together with `rects` ([{minX, minY, maxX, maxY}] in layer pixels), box by box (regions.repaintBoxes).
  function redrawNow(L, renderer, everything, rects) {
    if (!renderer._map || !renderer._ctx) return;
    if (renderer._redrawRequest) {
      L.Util.cancelAnimFrame(renderer._redrawRequest);
      renderer._redrawRequest = null;
    }
    const marked = (renderer._cmRects || []).concat(rects || []);
    renderer._cmRects = null;
    if (everything) {
      renderer._redrawBounds = null;
      renderer._redraw();
      return;
    }
    const boxes = root.controlmapParts.regions.repaintBoxes(marked);
    if (boxes.length) renderer._cmRedrawBoxes(boxes);
  }

  function checkVersion(L) {
    if (L.version !== CHECKED_AGAINST) {
      console.warn("controlmap: the map script was checked against Leaflet " + CHECKED_AGAINST + ", not " + L.version);
    }
  }

  root.controlmapParts.leafletAdapter = {
    CHECKED_AGAINST: CHECKED_AGAINST,
    canvasRenderer: canvasRenderer,
    redrawNow: redrawNow,
    checkVersion: checkVersion,
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
