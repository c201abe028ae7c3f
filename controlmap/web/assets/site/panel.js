/* The published site's panel rules, the twin of controlmap/web/panel.py (the dashboard's): which day the change list
   compares the day shown with. Pure; loaded by the page and by tests/js in Node, where both implementations are run
   on one table of cases (tests/fixtures/panel_cases.json). */
(function (root, factory) {
  const part = factory();
  if (typeof module === "object" && module.exports) module.exports = part;
  else root.controlmapPanel = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  // The day shown before (null at first, or after the claimants changed: then the day before `day`, never before the
  // span's first day, 0).
  function comparedDay(previous, day) {
    return previous === null || previous === undefined ? Math.max(0, day - 1) : previous;
  }

  return { comparedDay: comparedDay };
});
