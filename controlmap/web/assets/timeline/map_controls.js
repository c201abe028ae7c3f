/* The other controls: the legend, the points/cells switch and the layer list. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const el = parts.dom.el;
  const styles = parts.styles;

  function symbolCanvas(style, size) {
    const ratio = window.devicePixelRatio || 1;
    const canvas = el("canvas", "cm-symbol");
    canvas.width = canvas.height = size * ratio;
    canvas.style.width = canvas.style.height = size + "px";
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    styles.drawSymbols(ctx, style, [{ x: size / 2, y: size / 2 }]);
    return canvas;
  }

  // A sample of a front line style (frontline.js STYLE) for the legend.
  function lineCanvas(styleList, width, height) {
    const ratio = window.devicePixelRatio || 1;
    const canvas = el("canvas", "cm-symbol");
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.lineCap = "round";
    for (const style of styleList) {
      ctx.beginPath();
      ctx.moveTo(3, height / 2);
      ctx.lineTo(width - 3, height / 2);
      ctx.strokeStyle = style.color;
      ctx.lineWidth = style.width;
      ctx.setLineDash(style.dash || []);
      ctx.stroke();
    }
    return canvas;
  }

  // `vocab`: styles.vocabulary(...): the statuses listed in its order, with its words and colours;
  // `frontLine`: whether the map has a front line to explain. A <details> element: it folds to its title
  // (`collapse()`, or by a click on it).
  function createLegend(L, vocab, frontLine) {
    const Legend = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        const root = el("details", "cm-legend");
        root.open = true;
        root.appendChild(el("summary", "cm-legend-title", "Legend"));
        const row = (style, text) => {
          const line = el("div", "cm-legend-row");
          line.appendChild(symbolCanvas(style, 22));
          line.appendChild(el("span", null, text));
          root.appendChild(line);
        };
        const lineRow = (styleList, text) => {
          const line = el("div", "cm-legend-row");
          line.appendChild(lineCanvas(styleList, 22, 12));
          line.appendChild(el("span", null, text));
          root.appendChild(line);
        };
        for (const status of vocab.order) {
          row(styles.symbolStyle(status, false, false, 0, vocab), vocab.labels[status] || status);
        }
        row(styles.symbolStyle("unknown", true, false, 0, vocab), "disputed");
        row(styles.symbolStyle("ua", false, true, 0, vocab), styles.APPROXIMATE_NOTE);
        if (frontLine) {
          const lines = parts.frontline.STYLE;
          lineRow([lines.casing, lines.front], "front line");
          lineRow([lines.band], "edge of the " + (vocab.labels.contested || "contested") + " band");
        }
        L.DomEvent.disableClickPropagation(root);
        L.DomEvent.disableScrollPropagation(root);
        this.root = root;
        return root;
      },
      collapse: function () {
        this.root.open = false;
      },
      isOpen: function () {
        return this.root.open;
      },
    });
    return new Legend();
  }

  // `onChoose(mode)` is called with "points" or "cells".
  function createModeControl(L, onChoose) {
    const ModeControl = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        const dom = (this.dom = parts.dom.listeners());
        const root = el("div", "cm-mode leaflet-bar");
        this.inputs = {};
        for (const [value, text] of [["points", "Points"], ["cells", "Cells"]]) {
          const label = el("label");
          const input = el("input");
          input.type = "radio";
          input.name = "cm-mode";
          input.value = value;
          dom.on(input, "change", () => onChoose(value));
          label.appendChild(input);
          label.appendChild(el("span", null, text));
          root.appendChild(label);
          this.inputs[value] = input;
        }
        L.DomEvent.disableClickPropagation(root);
        return root;
      },
      onRemove: function () {
        this.dom.offAll();
      },
      show: function (value) {
        this.inputs[value].checked = true;
      },
    });
    return new ModeControl();
  }

  // The layer list: the front line, boundaries, outline, town labels and, when offered, online tiles.
  function createLayersControl(L, layers, boundaryFeatures, tiles) {
    const overlays = {};
    if (layers.frontLine) overlays["Front line"] = layers.frontLine;
    if (layers.boundaries) {
      const approximate = boundaryFeatures.some((f) => f.properties && f.properties.approximate);
      overlays[approximate ? "Approximate boundaries" : "Hromada boundaries"] = layers.boundaries;
    }
    if (layers.raions) overlays["Raion boundaries"] = layers.raions;
    if (layers.outline) overlays["Oblast outline"] = layers.outline;
    overlays["Town labels"] = layers.labels;
    if (tiles) {
      overlays[tiles.name] = L.tileLayer(tiles.url, { maxZoom: 19, attribution: tiles.attribution });
    }
    return { control: L.control.layers(null, overlays, { position: "topright", collapsed: true }), overlays: overlays };
  }

  parts.mapControls = {
    createLegend: createLegend,
    createModeControl: createModeControl,
    createLayersControl: createLayersControl,
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
