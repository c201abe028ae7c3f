/* Values read from the published site's URL hash, checked as the dashboard checks its URL (controlmap/web/urlvalues.py,
   whose limits publish gives in the site's settings): anyone can type or paste a link, so an unreadable value is
   ignored and a number is clamped to what the map can show. Pure; loaded by the page and by tests/js in Node, where
   both implementations are run on one table of cases (tests/fixtures/url_cases.json). */
(function (root, factory) {
  const part = factory();
  if (typeof module === "object" && module.exports) module.exports = part;
  else root.controlmapUrlValues = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  const NUMBER_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
  const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

  // A finite number, or null (absent, unreadable, NaN or infinite).
  function finite(raw) {
    if (raw === null || raw === undefined) return null;
    if (typeof raw === "string" && !NUMBER_RE.test(raw)) return null;
    const value = Number(raw);
    return Number.isFinite(value) ? value : null;
  }

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  // An ISO date (YYYY-MM-DD) that exists, clamped to [low, high] (ISO strings too); null when absent or unreadable.
  function isoDate(raw, low, high) {
    if (typeof raw !== "string") return null;
    const match = ISO_DATE_RE.exec(raw.trim());
    if (!match) return null;
    const [year, month, day] = match.slice(1).map(Number);
    const parsed = new Date(0);
    parsed.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0–99 as 1900–1999
    // 2022-02-30 would roll over to 2 March: a day that does not exist is unreadable.
    if (year < 1 || parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) {
      return null;
    }
    const iso = match[0];
    if (low && iso < low) return low;
    if (high && iso > high) return high;
    return iso;
  }

  // The map's centre and zoom: a centre needs two finite numbers and is clamped into bounds ([[south, west],
  // [north, east]]) when given, else to what a map can show; the zoom is rounded to a step (halves up) and clamped.
  function mapView(lat, lon, zoom, limits, bounds) {
    const y = finite(lat);
    const x = finite(lon);
    let center = null;
    if (y !== null && x !== null) {
      const box = bounds || [[-limits.maxLatitude, -limits.maxLongitude], [limits.maxLatitude, limits.maxLongitude]];
      center = [clamp(y, box[0][0], box[1][0]), clamp(x, box[0][1], box[1][1])];
    }
    const z = finite(zoom);
    const step = limits.zoomStep;
    return { center: center, zoom: z === null ? null : clamp(Math.floor(z / step + 0.5) * step, limits.minZoom, limits.maxZoom) };
  }

  return { finite: finite, isoDate: isoDate, mapView: mapView, clamp: clamp };
});
