/* Every use of Leaflet's private members, and nothing else. Checked against Leaflet 1.9.4 (the
   leaflet-src.js of PyPI django-js-lib-leaflet 1.9.4, which the app serves); re-check each member named
   here when Leaflet is upgraded. The rest of the map script uses Leaflet's public API only.

   Leaflet's canvas renderer draws the vector layers (outline, lines, cells); the settlement points are
   drawn after them on the same canvas, and hit before them, through two hooks:
     draw(view)        after Leaflet's own drawing of a (partial) redraw; view = {ctx, region, width,
                       height, originX, originY}: the canvas's 2D context, the redrawn region in layer
                       pixels (null: all of it), the canvas size in device pixels and the layer pixel
                       of its top left corner;
     hit(layerPoint)   the event target under a layer point, or null to let Leaflet hit its layers.
   Private members used (L.Canvas unless named): _draw, _redraw, _redrawBounds, _redrawRequest, _ctx,
   _container, _bounds, _map, _onClick, _handleMouseHover, _handleMouseOut, _hoveredLayer,
   _mouseHoverThrottled, _fireEvent, _drawFirst (and each entry's layer), L.Path#_containsPoint. */
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
        Base._draw.call(this);
        const ctx = this._ctx;
        ctx.save();
        hooks.draw({
          ctx: ctx,
          region: bounds ? { minX: bounds.min.x, minY: bounds.min.y, maxX: bounds.max.x, maxY: bounds.max.y } : null,
          width: this._container.width,
          height: this._container.height,
          originX: this._bounds.min.x,
          originY: this._bounds.min.y,
        });
        ctx.restore();
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

  // Redraws now (not on the next animation frame): everything, or what Leaflet marked for redrawing
  // (restyled cells) together with `region` ({minX, minY, maxX, maxY} in layer pixels, or null).
  function redrawNow(L, renderer, everything, region) {
    if (!renderer._map || !renderer._ctx) return;
    if (renderer._redrawRequest) {
      L.Util.cancelAnimFrame(renderer._redrawRequest);
      renderer._redrawRequest = null;
    }
    if (everything) {
      renderer._redrawBounds = null;
    } else if (region) {
      const bounds = renderer._redrawBounds || (renderer._redrawBounds = new L.Bounds());
      bounds.extend(L.point(region.minX, region.minY));
      bounds.extend(L.point(region.maxX, region.maxY));
    }
    if (everything || renderer._redrawBounds) renderer._redraw();
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
