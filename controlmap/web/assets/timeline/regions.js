/* Partial redraws: which boxes of the canvas to repaint, and which layers lie in a box. Leaflet repaints one
   box around everything marked, so a few settlements changing far apart (a day of scattered changes, a
   30,000-settlement demo) repaint the whole map, and it tests every layer against that box. Here marked
   rectangles that touch are gathered into boxes, each repainted on its own, and a grid over the layers' pixel
   boxes finds the layers of a box without visiting them all. Pure: tests/js run it. */
(function (root, factory) {
  const part = factory();
  if (typeof module === "object" && module.exports) module.exports = part;
  else (root.controlmapParts = root.controlmapParts || {}).regions = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  // Rectangles closer than this (px) are repainted as one box.
  const GAP = 12;
  // More boxes than this are repainted as the one box around them all.
  const MAX_BOXES = 48;
  // Grid cell size (px) of the layer index, and the cells a layer may span before it is tested every time.
  const CELL = 64;
  const MAX_CELLS_PER_LAYER = 64;

  function near(a, b, gap) {
    return a.minX - gap <= b.maxX && b.minX - gap <= a.maxX && a.minY - gap <= b.maxY && b.minY - gap <= a.maxY;
  }

  function grow(a, b) {
    a.minX = Math.min(a.minX, b.minX);
    a.minY = Math.min(a.minY, b.minY);
    a.maxX = Math.max(a.maxX, b.maxX);
    a.maxY = Math.max(a.maxY, b.maxY);
  }

  function union(rects) {
    const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    for (const r of rects) grow(box, r);
    return box;
  }

  // The boxes to repaint for `rects` ({minX, minY, maxX, maxY}): rectangles within GAP of each other gathered
  // into one box (until no two boxes are that close), or the one box around them all when there would be more
  // than MAX_BOXES.
  function repaintBoxes(rects) {
    if (!rects.length) return [];
    if (rects.length > MAX_BOXES * 8) return [union(rects)];
    let boxes = rects.map((r) => ({ minX: r.minX, minY: r.minY, maxX: r.maxX, maxY: r.maxY }));
    let merged = true;
    while (merged) {
      merged = false;
      const out = [];
      for (const box of boxes) {
        const into = out.find((o) => near(o, box, GAP));
        if (into) {
          grow(into, box);
          merged = true;
        } else {
          out.push(box);
        }
      }
      boxes = out;
    }
    return boxes.length > MAX_BOXES ? [union(boxes)] : boxes;
  }

  // An index of `boxes` (each {minX, minY, maxX, maxY} or null, in drawing order) by grid cell. `query(box)`
  // gives the indices of the boxes that may intersect `box`, in drawing order.
  function gridIndex(boxes) {
    const cells = new Map();
    const occupied = []; // {x, y, members} of every cell holding a box
    const wide = [];
    const seen = new Uint32Array(boxes.length);
    let stamp = 0;
    boxes.forEach((b, k) => {
      if (!b) return;
      const x0 = Math.floor(b.minX / CELL);
      const x1 = Math.floor(b.maxX / CELL);
      const y0 = Math.floor(b.minY / CELL);
      const y1 = Math.floor(b.maxY / CELL);
      if ((x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS_PER_LAYER) {
        wide.push(k);
        return;
      }
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1; y++) {
          const key = x + "," + y;
          if (!cells.has(key)) {
            const cell = { x: x, y: y, members: [] };
            cells.set(key, cell);
            occupied.push(cell);
          }
          cells.get(key).members.push(k);
        }
      }
    });
    function query(box) {
      stamp += 1;
      const found = [];
      const take = (k) => {
        if (seen[k] === stamp) return;
        seen[k] = stamp;
        found.push(k);
      };
      wide.forEach(take);
      const x0 = Math.floor(box.minX / CELL);
      const x1 = Math.floor(box.maxX / CELL);
      const y0 = Math.floor(box.minY / CELL);
      const y1 = Math.floor(box.maxY / CELL);
      if ((x1 - x0 + 1) * (y1 - y0 + 1) > occupied.length) {
        // A box larger than the index (the whole map zoomed in close spans millions of cells): visit the cells
        // that hold something rather than every cell of the box.
        for (const cell of occupied) {
          if (cell.x >= x0 && cell.x <= x1 && cell.y >= y0 && cell.y <= y1) cell.members.forEach(take);
        }
      } else {
        for (let x = x0; x <= x1; x++) {
          for (let y = y0; y <= y1; y++) {
            const cell = cells.get(x + "," + y);
            if (cell) cell.members.forEach(take);
          }
        }
      }
      return found.sort((a, b) => a - b);
    }
    return { query: query, size: boxes.length };
  }

  return { GAP: GAP, MAX_BOXES: MAX_BOXES, CELL: CELL, union: union, repaintBoxes: repaintBoxes, gridIndex: gridIndex };
});
