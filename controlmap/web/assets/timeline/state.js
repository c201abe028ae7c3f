/* The map's state, in one place: every value that changes while the map is shown lives in the object
   made here, and only the timeline layer (layer.js) writes it. Pure: tests/js make one in Node. */
(function (root, factory) {
  const part = factory(typeof module === "object" && module.exports ? require("./runs.js") : root.controlmapParts.runs);
  if (typeof module === "object" && module.exports) module.exports = part;
  else root.controlmapParts.state = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function (runs) {
  "use strict";

  const SPEEDS = [1, 7, 30];

  function createState(n) {
    return {
      // The run shown for each settlement (-1: before its first run; runs.NEVER_PAINTED: never painted).
      shownRun: new Int32Array(n).fill(runs.NEVER_PAINTED),
      // Scratch: the settlements a paint restyles.
      changed: new Int32Array(n),
      day: 0,
      mode: "points",
      paints: 0,
      lastPaintMs: 0,
      lastRestyled: 0,
      // Settlement under the mouse (-1: none).
      hovered: -1,
      playing: false,
      speed: SPEEDS[0],
      // requestAnimationFrame id of the play loop (0: none).
      frame: 0,
      // Listeners of committed days, views and clicks, added through the public API.
      committedListeners: new Set(),
      viewListeners: new Set(),
      // Listeners of clicks on a settlement (a map without a town page to open, e.g. a published site).
      clickListeners: new Set(),
      // The view last told to view listeners.
      reportedView: null,
      // Set once the layer is removed or failed: nothing may paint any more.
      stopped: false,
    };
  }

  return { SPEEDS: SPEEDS, createState: createState };
});
