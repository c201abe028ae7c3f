/* Run lookup: which run (and so which state) holds for settlement i on day d, and what changes from
   the shown day to another. Pure: works on the arrays of decode.decodePayload; loaded by the browser
   and by tests/js in Node. */
(function (root, factory) {
  const part = factory();
  if (typeof module === "object" && module.exports) module.exports = part;
  else (root.controlmapParts = root.controlmapParts || {}).runs = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  // Run shown for a settlement before it was ever painted (a real run index is ≥ 0; -1: no run yet).
  const NEVER_PAINTED = -2;

  // Index of settlement i's run in force on `target` (its latest run starting on or before it), or -1
  // when its first run starts later.
  function runAt(d, i, target) {
    let lo = d.start[i];
    let hi = d.start[i + 1] - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (d.day[mid] <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  function unknownCode(d) {
    return Math.max(0, d.statuses.indexOf("unknown"));
  }

  // Style key of a run: status code * 2 + disputed; before the first run, "unknown" and not disputed.
  function stateKey(d, r) {
    return r < 0 ? unknownCode(d) * 2 : d.status[r] * 2 + d.disputed[r];
  }

  function statusOf(d, r) {
    return r < 0 ? "unknown" : d.statuses[d.status[r]];
  }

  // Moves `shownRun` (one run index per settlement) to `day`; writes into `changed` the settlements whose
  // style key changed (every settlement the first time) and returns how many.
  function advance(d, shownRun, day, changed) {
    let count = 0;
    const unknownKey = unknownCode(d) * 2;
    for (let i = 0; i < d.n; i++) {
      const r = runAt(d, i, day);
      const before = shownRun[i];
      if (r === before) continue;
      shownRun[i] = r;
      if (before === NEVER_PAINTED) {
        changed[count++] = i;
        continue;
      }
      const keyBefore = before < 0 ? unknownKey : d.status[before] * 2 + d.disputed[before];
      const keyNow = r < 0 ? unknownKey : d.status[r] * 2 + d.disputed[r];
      if (keyBefore !== keyNow) changed[count++] = i;
    }
    return count;
  }

  // Status of every settlement shown, in payload order.
  function statuses(d, shownRun) {
    const out = new Array(d.n);
    for (let i = 0; i < d.n; i++) out[i] = statusOf(d, shownRun[i]);
    return out;
  }

  // Settlements per status among those `isShown`.
  function counts(d, shownRun, isShown) {
    const result = {};
    for (const status of d.statuses) result[status] = 0;
    for (let i = 0; i < d.n; i++) {
      if (isShown(i)) result[statusOf(d, shownRun[i])] += 1;
    }
    return result;
  }

  // The change day before (direction < 0) or after `day`; the first or last day when there is none.
  function changeDayNear(d, day, direction) {
    const days = d.changeDays;
    if (direction < 0) {
      for (let k = days.length - 1; k >= 0; k--) if (days[k] < day) return days[k];
      return 0;
    }
    for (let k = 0; k < days.length; k++) if (days[k] > day) return days[k];
    return d.nDays - 1;
  }

  return {
    NEVER_PAINTED: NEVER_PAINTED,
    runAt: runAt,
    stateKey: stateKey,
    statusOf: statusOf,
    advance: advance,
    statuses: statuses,
    counts: counts,
    changeDayNear: changeDayNear,
  };
});
