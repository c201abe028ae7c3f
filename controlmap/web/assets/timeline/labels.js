/* Room for the towns' names: where each label goes (right of its point; else left, or a line above or below on the
   right, where that place is taken) and which labels are left out because every place overlaps a label already
   placed. A name that would run past the map's right edge goes left or nowhere. The hidden ones return as the user
   zooms in and the towns draw apart. Widths are estimated from the text, never measured (no layout). Pure: tests/js
   run it. */
(function (root, factory) {
  const part = factory();
  if (typeof module === "object" && module.exports) module.exports = part;
  else (root.controlmapParts = root.controlmapParts || {}).labels = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  // A town's name starts 8 px right of its point, centred on it (12 px text; timeline_layer.css).
  const ANCHOR = [-8, 7];
  const CHAR_PX = 7.5; // a town label's width per character (600 12px system-ui), with a little to spare
  const HEIGHT_PX = 12;
  const GAP_PX = 2; // kept clear between two labels (their white halo)
  // Where a label may go, in the order tried; timeline_layer.css moves the text there (cm-label-end,
  // cm-label-above, cm-label-below), a line being the text's height and the gap.
  const PLACES = ["right", "left", "above", "below"];
  const LINE_PX = HEIGHT_PX + GAP_PX;

  function boxAt(x, y, chars, place) {
    const width = chars * CHAR_PX;
    const shift = place === "above" ? -LINE_PX : place === "below" ? LINE_PX : 0;
    const minX = place === "left" ? x + ANCHOR[0] - width : x - ANCHOR[0];
    return { minX: minX, minY: y - ANCHOR[1] + shift, width: width };
  }

  function overlaps(a, b) {
    return a.minX < b.minX + b.width + GAP_PX && b.minX < a.minX + a.width + GAP_PX
      && a.minY < b.minY + HEIGHT_PX + GAP_PX && b.minY < a.minY + HEIGHT_PX + GAP_PX;
  }

  // `points`: [{x, y, chars}] in container pixels, in the order they claim room; `mapWidth`: the map's width.
  // Returns one entry per point: "right", "left", "above", "below" or "hidden".
  function placeLabels(points, mapWidth) {
    const placed = [];
    return points.map((p) => {
      const right = boxAt(p.x, p.y, p.chars, "right");
      const places = right.minX + right.width > mapWidth ? ["left"] : PLACES;
      for (const place of places) {
        const box = boxAt(p.x, p.y, p.chars, place);
        if (placed.every((other) => !overlaps(box, other))) {
          placed.push(box);
          return place;
        }
      }
      return "hidden";
    });
  }

  return { ANCHOR: ANCHOR, placeLabels: placeLabels };
});
