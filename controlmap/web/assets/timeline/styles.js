/* Styles: the shapes of each status and its colours and words (from the payload's legend), the symbol styles and their draw order, cell
   styles, how symbols shrink in a crowded view, and drawing a symbol on a 2D context. No DOM and no
   Leaflet: loaded by the browser and by tests/js in Node. */
(function (root, factory) {
  const part = factory();
  if (typeof module === "object" && module.exports) module.exports = part;
  else (root.controlmapParts = root.controlmapParts || {}).styles = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  const RING_GAP = 3.5;
  // Symbols shrink when the view is crowded: typical spacing in pixels → symbol scale.
  const SPACING_FOR_FULL_SIZE = 12;
  const SYMBOL_SCALES = [1, 0.8, 0.6, 0.45, 0.3];
  const APPROXIMATE_NOTE = "approximate position (hromada centre)";
  // The statuses' words, colours and listing order come with the payload: its `legend`, from
  // controlmap.model, the one place that holds them. The shape repeats the status for readers who
  // cannot tell the colours apart.
  const SHAPES = {
    unknown: { shape: "circle", radius: 3.5 },
    ua: { shape: "circle", radius: 5 },
    ru: { shape: "square", radius: 5 },
    contested: { shape: "triangle", radius: 6 },
  };
  const MAX_SYMBOL_RADIUS = Math.max(...Object.values(SHAPES).map((p) => p.radius));
  // Statuses drawn later are drawn on top (and hovered first).
  const STATUS_ORDER = ["unknown", "ua", "ru", "contested"];

  // The payload's legend ({order, labels, fill, line}) as the styles use it.
  function vocabulary(legend) {
    return {
      order: legend.order.slice(),
      labels: Object.assign({}, legend.labels),
      fill: Object.assign({}, legend.fill),
      line: Object.assign({}, legend.line),
    };
  }

  // Colours and shape of a status (an unknown status code is drawn as "unknown").
  function paletteOf(status, vocab) {
    const known = Object.prototype.hasOwnProperty.call(SHAPES, status) ? status : "unknown";
    return {
      fill: vocab.fill[status] || vocab.fill[known],
      line: vocab.line[status] || vocab.line[known],
      shape: SHAPES[known].shape,
      radius: SHAPES[known].radius,
    };
  }

  function symbolStyle(status, disputed, approximate, index, vocab) {
    const p = paletteOf(status, vocab);
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

  function cellStyle(status, disputed, vocab) {
    const p = paletteOf(status, vocab);
    return {
      fillColor: p.fill,
      fillOpacity: 0.55,
      color: disputed ? "#000000" : status === "contested" ? "#222222" : "#ffffff",
      opacity: 1,
      weight: disputed ? 2.5 : 0.6,
      dashArray: disputed ? "4 3" : null,
    };
  }

  // Every symbol style of a payload's statuses, indexed by (status code * 2 + disputed) * 2 + approximate;
  // the draw order (approximate first, then by status, disputed last) and each style's rank in it.
  function symbolStyles(statuses, vocab) {
    const styles = [];
    statuses.forEach((status, code) => {
      [false, true].forEach((disputed) => {
        [false, true].forEach((approximate) => {
          const index = (code * 2 + (disputed ? 1 : 0)) * 2 + (approximate ? 1 : 0);
          styles[index] = symbolStyle(status, disputed, approximate, index, vocab);
        });
      });
    });
    const statusRank = (s) => STATUS_ORDER.indexOf(s.status);
    const drawOrder = styles
      .slice()
      .sort((a, b) => b.approximate - a.approximate || statusRank(a) - statusRank(b) || a.disputed - b.disputed);
    const rank = new Int32Array(styles.length);
    drawOrder.forEach((style, k) => {
      rank[style.index] = k;
    });
    return { styles: styles, drawOrder: drawOrder, rank: rank };
  }

  // Cell styles indexed by status code * 2 + disputed.
  function cellStyles(statuses, vocab) {
    const out = [];
    statuses.forEach((status, code) => {
      out[code * 2] = cellStyle(status, false, vocab);
      out[code * 2 + 1] = cellStyle(status, true, vocab);
    });
    return out;
  }

  // Symbol scale for `placed` points spread over a box of `width` × `height` pixels.
  function symbolScaleFor(width, height, placed) {
    const spacing = Math.sqrt(Math.max(1, Math.abs(width) * Math.abs(height)) / placed);
    return SYMBOL_SCALES.find((k) => spacing >= SPACING_FOR_FULL_SIZE * k) || SYMBOL_SCALES.at(-1);
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

  return {
    RING_GAP: RING_GAP,
    MAX_SYMBOL_RADIUS: MAX_SYMBOL_RADIUS,
    SYMBOL_SCALES: SYMBOL_SCALES,
    APPROXIMATE_NOTE: APPROXIMATE_NOTE,
    vocabulary: vocabulary,
    symbolStyle: symbolStyle,
    cellStyle: cellStyle,
    symbolStyles: symbolStyles,
    cellStyles: cellStyles,
    symbolScaleFor: symbolScaleFor,
    shapePath: shapePath,
    drawSymbols: drawSymbols,
  };
});
