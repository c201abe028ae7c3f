// A hand-made topology (see controlmap/web/topology.py) of four settlements in a row of cells 0.1° wide and tall:
// 0 | 1 | 2 | 3. The border of i and i + 1 runs at longitude (i + 1) / 10; the border of 1 and 2 is two arcs, cut
// at latitude 0.05. Points in steps of 1/20 degree.
"use strict";

const ARCS = [
  [[2, 0], [2, 2]], // 0: 0 | 1
  [[4, 2], [4, 1]], // 1: 1 | 2, upper
  [[4, 1], [4, 0]], // 2: 1 | 2, lower
  [[6, 0], [6, 2]], // 3: 2 | 3
  [[2, 2], [0, 2], [0, 0], [2, 0]], // 4: the rest of cell 0
  [[2, 0], [4, 0]], // 5: cell 1's bottom
  [[4, 2], [2, 2]], // 6: cell 1's top
  [[4, 0], [6, 0]], // 7: cell 2's bottom
  [[6, 2], [4, 2]], // 8: cell 2's top
  [[6, 0], [8, 0], [8, 2], [6, 2]], // 9: the rest of cell 3
];
const CELL_RINGS = [[0, 4], [5, ~2, ~1, 6, ~0], [7, 3, 8, 1, 2], [~3, 9]];

// Arcs as the wire sends them: point counts, and each point as the step from the one before.
function encodeArcs(arcs) {
  const steps = [];
  let last = [0, 0];
  for (const arc of arcs) {
    for (const point of arc) {
      steps.push(point[0] - last[0], point[1] - last[1]);
      last = point;
    }
  }
  return { arc_points: arcs.map((a) => a.length), arcs: steps };
}

function rowTopology() {
  return Object.assign({ scale: 20 }, encodeArcs(ARCS), {
    layers: {
      cells: { lines: false, features: CELL_RINGS.map((ring, row) => ({ p: { row: row }, c: [[ring]] })) },
      outline: { lines: false, features: [{ p: {}, c: [[[4, 5, 7, 9, 8, 6]]] }] },
    },
  });
}

module.exports = { ARCS: ARCS, encodeArcs: encodeArcs, rowTopology: rowTopology };
