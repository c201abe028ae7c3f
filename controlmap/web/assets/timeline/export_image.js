/* PNG export, an add-on: a button that saves the map as shown (its size, at the screen's pixel ratio) with the
   legend, the date and the attribution drawn in, as `controlmap-<date>.png`. The map's canvas (cells, lines, front
   line, points) is copied as drawn and town labels are written as text; online tiles, when turned on, are left out
   (another site's images would make the canvas unreadable). `window.controlmap.exportImage()` resolves to the
   PNG as a Blob. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./decode.js"), null); // the pure parts, for tests/js
  } else {
    const parts = root.controlmapParts;
    parts.exportImage = factory(parts.decode, parts.dom);
    (parts.addOns = parts.addOns || []).push({ name: "exportImage", attach: (tl) => parts.exportImage.attach(tl) });
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function (decode, dom) {
  "use strict";

  const el = (...args) => dom.el(...args);

  const FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif";
  const PAD = 8;
  const MARGIN = 10;

  function boxIn(node, origin) {
    const r = node.getBoundingClientRect();
    return { x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height };
  }

  function panel(ctx, x, y, w, h) {
    ctx.fillStyle = "rgba(255, 255, 255, 0.92)";
    ctx.fillRect(x, y, w, h);
    ctx.strokeStyle = "#888888";
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  }

  // `text` cut into lines no wider than `width` (at the context's font).
  function wrap(ctx, text, width) {
    const lines = [];
    let line = "";
    for (const word of text.split(/\s+/).filter(Boolean)) {
      const next = line ? line + " " + word : word;
      if (line && ctx.measureText(next).width > width) {
        lines.push(line);
        line = word;
      } else {
        line = next;
      }
    }
    if (line) lines.push(line);
    return lines;
  }

  // The map's own drawing: its canvases where they stand, then the town labels as text.
  function drawMap(ctx, container, origin) {
    for (const canvas of container.querySelectorAll(".leaflet-map-pane canvas")) {
      const b = boxIn(canvas, origin);
      if (b.w > 0 && b.h > 0) ctx.drawImage(canvas, b.x, b.y, b.w, b.h);
    }
    ctx.font = "600 12px " + FONT;
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    for (const label of container.querySelectorAll(".leaflet-marker-pane .cm-label")) {
      const b = boxIn(label.firstElementChild || label, origin);
      if (b.w === 0 || b.x > origin.width || b.y > origin.height || b.x + b.w < 0 || b.y + b.h < 0) continue;
      const text = label.textContent;
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 3;
      ctx.strokeText(text, b.x, b.y + b.h / 2);
      ctx.fillStyle = "#111111";
      ctx.fillText(text, b.x, b.y + b.h / 2);
    }
  }

  // The legend's rows (their samples and words), unfolded, at the top right; returns the width it takes.
  function drawLegend(ctx, container, width) {
    const rows = Array.from(container.querySelectorAll(".cm-legend .cm-legend-row")).map((row) => ({
      sample: row.querySelector("canvas"),
      text: row.textContent,
    }));
    if (!rows.length) return 0;
    const rowHeight = 24;
    ctx.font = "12px " + FONT;
    const textWidth = Math.max(...rows.map((r) => ctx.measureText(r.text).width));
    const w = Math.ceil(PAD * 2 + 22 + 6 + textWidth);
    const h = PAD * 2 + 18 + rows.length * rowHeight;
    const x = width - w - MARGIN;
    const y = MARGIN;
    panel(ctx, x, y, w, h);
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#111111";
    ctx.font = "600 12px " + FONT;
    ctx.fillText("Legend", x + PAD, y + PAD + 7);
    ctx.font = "12px " + FONT;
    rows.forEach((row, k) => {
      const top = y + PAD + 18 + k * rowHeight;
      if (row.sample) {
        const sw = parseFloat(row.sample.style.width) || 22;
        const sh = parseFloat(row.sample.style.height) || 22;
        ctx.drawImage(row.sample, x + PAD, top + (rowHeight - sh) / 2, sw, sh);
      }
      ctx.fillStyle = "#111111";
      ctx.fillText(row.text, x + PAD + 28, top + rowHeight / 2);
    });
    return w + MARGIN;
  }

  // Whose statements a selection key (claimants joined by commas) holds, in the map's words (options.claimantLabels).
  function claimantsText(labels, key) {
    const names = key.split(",").filter(Boolean).map((k) => labels[k] || k);
    return names.length ? names.join(", ") : "none (the 24 Feb 2022 baseline)";
  }

  // What the image says of itself at the top left: the date, then whose statements it shows (when the map knows
  // the claimants' names and its selection is not the empty one) and whose front line is drawn dashed over it.
  function caption(tl) {
    const lines = [decode.isoDate(tl.d.day0, tl.state.day)];
    const labels = tl.config.claimantLabels;
    if (labels && tl.selectionKey) lines.push("Statements by: " + claimantsText(labels, tl.selectionKey));
    if (labels && tl.compare) lines.push("Dashed front line: " + claimantsText(labels, String(tl.compare.key)));
    return lines;
  }

  // The caption (the date large) at the top left, its lines wrapped to leave `right` px free for the legend; the
  // scale and the attribution along the bottom.
  function drawFrame(ctx, container, origin, caption, right) {
    ctx.textBaseline = "middle";
    ctx.font = "12px " + FONT;
    const room = Math.max(140, origin.width - right - 2 * MARGIN - 2 * PAD);
    const lines = [].concat(...caption.slice(1).map((line) => wrap(ctx, line, room)));
    let width = Math.max(0, ...lines.map((line) => ctx.measureText(line).width));
    ctx.font = "700 20px " + FONT;
    width = Math.max(width, ctx.measureText(caption[0]).width);
    panel(ctx, MARGIN, MARGIN, Math.ceil(width) + PAD * 2, 34 + lines.length * 16);
    ctx.fillStyle = "#111111";
    ctx.fillText(caption[0], MARGIN + PAD, MARGIN + 17);
    ctx.font = "12px " + FONT;
    lines.forEach((line, k) => ctx.fillText(line, MARGIN + PAD, MARGIN + 34 + k * 16));

    const attribution = container.querySelector(".leaflet-control-attribution");
    const text = attribution ? attribution.textContent.replace(/\s+/g, " ").trim() : "";
    let bottom = origin.height - MARGIN;
    if (text) {
      ctx.font = "11px " + FONT;
      const lines = wrap(ctx, text, Math.max(120, origin.width - 2 * MARGIN - 2 * PAD));
      const w = Math.ceil(Math.max(...lines.map((l) => ctx.measureText(l).width))) + PAD * 2;
      const h = lines.length * 14 + PAD;
      panel(ctx, origin.width - w - MARGIN, bottom - h, w, h);
      ctx.fillStyle = "#333333";
      lines.forEach((line, k) => ctx.fillText(line, origin.width - w - MARGIN + PAD, bottom - h + PAD / 2 + 7 + k * 14));
      bottom -= h + 4;
    }
    for (const scale of container.querySelectorAll(".leaflet-control-scale-line")) {
      const w = scale.getBoundingClientRect().width;
      if (!w) continue;
      const y = bottom - 6;
      ctx.strokeStyle = "#333333";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(MARGIN, y - 8);
      ctx.lineTo(MARGIN, y);
      ctx.lineTo(MARGIN + w, y);
      ctx.lineTo(MARGIN + w, y - 8);
      ctx.stroke();
      ctx.font = "11px " + FONT;
      ctx.fillStyle = "#111111";
      ctx.fillText(scale.textContent, MARGIN + 4, y - 8);
      bottom -= 18;
    }
  }

  // The map as shown, on a new canvas of its size (times `ratio`).
  function renderView(tl, ratio) {
    const container = tl.map.getContainer();
    const rect = container.getBoundingClientRect();
    const origin = { left: rect.left, top: rect.top, width: rect.width, height: rect.height };
    const canvas = el("canvas");
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.fillStyle = getComputedStyle(container).backgroundColor || "#dddddd";
    ctx.fillRect(0, 0, rect.width, rect.height);
    tl.renderer.flush(true);
    drawMap(ctx, container, origin);
    const legendWidth = drawLegend(ctx, container, rect.width);
    drawFrame(ctx, container, origin, caption(tl), legendWidth);
    return canvas;
  }

  function exportBlob(tl) {
    const canvas = renderView(tl, window.devicePixelRatio || 1);
    return new Promise((resolve, reject) => {
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the image could not be made"))), "image/png");
    });
  }

  function download(blob, name) {
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    link.style.display = "none";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  }

  function createExportControl(L, onExport) {
    const ExportControl = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        const root = el("div", "cm-export leaflet-bar");
        const button = el("button", null, "PNG");
        button.type = "button";
        button.title = "Save this view as a PNG image (with the legend, date and attribution)";
        button.setAttribute("aria-label", "Save this view as a PNG image");
        this.dom = dom.listeners();
        this.dom.on(button, "click", onExport);
        root.appendChild(button);
        L.DomEvent.disableClickPropagation(root);
        return root;
      },
      onRemove: function () {
        this.dom.offAll();
      },
    });
    return new ExportControl();
  }

  function attach(tl) {
    const fileName = () => "controlmap-" + decode.isoDate(tl.d.day0, tl.state.day) + ".png";
    const save = tl.guard(() => {
      const name = fileName();
      exportBlob(tl).then((blob) => download(blob, name), (err) => {
        console.error("controlmap: the PNG could not be made", err);
        dom.showProblem(tl.map.getContainer(), "The PNG could not be made (" + dom.describe(err) + ").");
      });
    });
    const control = createExportControl(tl.L, save).addTo(tl.map);
    tl.api.exportImage = () => exportBlob(tl);
    tl.api.imageCaption = () => caption(tl);
    return {
      remove() {
        control.remove();
        if (tl.api) {
          delete tl.api.exportImage;
          delete tl.api.imageCaption;
        }
      },
    };
  }

  return { attach: attach, renderView: renderView, caption: caption, claimantsText: claimantsText, wrap: wrap };
});
