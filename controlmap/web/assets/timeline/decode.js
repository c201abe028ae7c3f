/* Payload decoding: the packed timeline (deflated JSON in base64, see wire.packed_json), the compact
   shapes (see wire.compact_shapes) and the wire columns (see wire.timeline_wire) as typed arrays,
   and day formatting. Pure: no DOM, no Leaflet; loaded by the browser and by tests/js in Node. */
(function (root, factory) {
  const part = factory();
  if (typeof module === "object" && module.exports) module.exports = part;
  else (root.controlmapParts = root.controlmapParts || {}).decode = part;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  const DAY_MS = 86400000;

  function base64Bytes(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  async function unpack(packed) {
    const bytes = base64Bytes(packed);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return JSON.parse(await new Response(stream).text());
  }

  // Compact features ({p: properties, c: rings}: wire.compact_shapes, topology.topology_wire) as a GeoJSON
  // FeatureCollection, each ring's points made by `ringOf`: MultiLineStrings for a layer of lines, else MultiPolygons.
  function featureCollection(layer, ringOf) {
    return {
      type: "FeatureCollection",
      features: layer.features.map((f) => ({
        type: "Feature",
        properties: f.p,
        geometry: layer.lines
          ? { type: "MultiLineString", coordinates: f.c.map(ringOf) }
          : { type: "MultiPolygon", coordinates: f.c.map((polygon) => polygon.map(ringOf)) },
      })),
    };
  }

  // Shapes arrive compact: rings as integer steps of 1/scale degree, the first step from (0, 0).
  function expandShapes(compact) {
    if (!compact) return null;
    const k = 1 / compact.scale;
    const line = (steps) => {
      const points = new Array(steps.length / 2);
      let x = 0;
      let y = 0;
      for (let i = 0; i < steps.length; i += 2) {
        x += steps[i];
        y += steps[i + 1];
        points[i / 2] = [x * k, y * k];
      }
      return points;
    };
    return featureCollection(compact, line);
  }

  // What the wire payload is missing, in words (empty if nothing): a payload from another version or
  // a truncated one must say so rather than fail somewhere inside the map.
  // The columns of one claimant selection's timeline (a payload carries its first selection's; others come in
  // `selections`, see wire.selection_wire).
  const TIMELINE_KEYS = ["day0", "n_days", "change_days", "run_count", "day", "state", "since_gap", "event", "event_day",
    "event_source", "sources"];
  const REQUIRED = ["statuses", "legend", "id_prefix", "katottg", "name_en", "name_uk", "lat", "lon", "quality",
    "labels"].concat(TIMELINE_KEYS);

  // What a selection's timeline columns get wrong for `n` settlements, in words (empty if nothing).
  function runsProblem(p, n) {
    const missing = TIMELINE_KEYS.filter((key) => !(key in p));
    if (missing.length) return "the map data lacks " + missing.join(", ");
    if (p.run_count.length !== n) return "the map data has " + p.run_count.length + " run_count for " + n + " settlements";
    const runs = p.run_count.reduce((a, b) => a + b, 0);
    for (const key of ["day", "state", "since_gap", "event"]) {
      if (p[key].length !== runs) return "the map data has " + p[key].length + " " + key + " for " + runs + " runs";
    }
    if (!Number.isFinite(Date.parse(p.day0 + "T00:00:00Z"))) return "the map data's first day is not a date";
    return "";
  }

  function payloadProblem(p) {
    if (!p || typeof p !== "object") return "the map data holds no timeline";
    const missing = REQUIRED.filter((key) => !(key in p));
    if (missing.length) return "the map data lacks " + missing.join(", ");
    const n = p.katottg.length;
    for (const key of ["name_en", "name_uk", "lat", "lon", "quality"]) {
      if (p[key].length !== n) return "the map data has " + p[key].length + " " + key + " for " + n + " settlements";
    }
    const runsWrong = runsProblem(p, n);
    if (runsWrong) return runsWrong;
    const legend = p.legend;
    for (const key of ["order", "labels", "fill", "line"]) {
      if (!legend || !legend[key]) return "the map data's legend lacks " + key;
    }
    const unnamed = p.statuses.filter((s) => !legend.fill[s] || !legend.line[s] || !legend.labels[s]);
    if (unnamed.length) return "the map data's legend lacks the colours or words of " + unnamed.join(", ");
    return "";
  }

  // One selection's timeline columns as the map uses them: run offsets per settlement (`start`, n + 1 of
  // them), status and disputed flag apart, `since` as a day.
  function decodeRuns(p, n) {
    const problem = runsProblem(p, n);
    if (problem) throw new Error(problem);
    const start = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) start[i + 1] = start[i] + p.run_count[i];
    const day = Int32Array.from(p.day);
    const since = new Int32Array(day.length);
    for (let r = 0; r < day.length; r++) since[r] = day[r] - p.since_gap[r];
    return {
      day0: Date.parse(p.day0 + "T00:00:00Z"),
      nDays: p.n_days,
      changeDays: Int32Array.from(p.change_days),
      start: start,
      day: day,
      since: since,
      status: Uint8Array.from(p.state, (v) => v >> 1),
      disputed: Uint8Array.from(p.state, (v) => v & 1),
      event: Int32Array.from(p.event),
      eventDay: p.event_day,
      eventSource: p.event_source,
      sources: p.sources,
    };
  }

  // The wire columns as the map uses them: the settlements' columns (full katottg codes) and the first
  // selection's timeline (see decodeRuns).
  function decodePayload(p, initialDay) {
    const problem = payloadProblem(p);
    if (problem) throw new Error(problem);
    const n = p.katottg.length;
    return Object.assign(
      {
        n: n,
        initialDay: initialDay,
        statuses: p.statuses,
        // Words, colours and order of the statuses (see styles.vocabulary).
        legend: p.legend,
        katottg: p.katottg.map((k) => p.id_prefix + k),
        nameEn: p.name_en,
        nameUk: p.name_uk,
        lat: p.lat,
        lon: p.lon,
        approximate: p.quality.map((q) => q === 1),
        labels: p.labels,
      },
      decodeRuns(p, n),
    );
  }

  // Makes `d` show another selection's timeline (decodeRuns of the same span): its run columns replace d's.
  function useRuns(d, timeline) {
    if (timeline.day0 !== d.day0 || timeline.nDays !== d.nDays) {
      throw new Error("the selection's timeline spans other days than the map's");
    }
    for (const key of RUN_COLUMNS) d[key] = timeline[key];
    return d;
  }
  const RUN_COLUMNS = ["changeDays", "start", "day", "since", "status", "disputed", "event", "eventDay", "eventSource",
    "sources"];

  // Day index → "YYYY-MM-DD", for a timeline starting at `day0ms` (UTC midnight, in ms).
  function isoDate(day0ms, value) {
    return new Date(day0ms + value * DAY_MS).toISOString().slice(0, 10);
  }

  // Any value → a day index of a timeline of `nDays` days (rounded, clamped; not a number → 0).
  function clampDay(nDays, value) {
    return Math.min(nDays - 1, Math.max(0, Math.round(Number(value)) || 0));
  }

  // Settlements placed approximately at the same point (a hromada centre) fan out on a golden-angle
  // spiral around it, in screen pixels, in katottg order.
  function fanOffsets(d) {
    const groups = new Map();
    for (let i = 0; i < d.n; i++) {
      if (!d.approximate[i] || d.lat[i] === null || d.lon[i] === null) continue;
      const key = d.lat[i] + "," + d.lon[i];
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(i);
    }
    const dx = new Float32Array(d.n);
    const dy = new Float32Array(d.n);
    for (const members of groups.values()) {
      members.sort((a, b) => (d.katottg[a] < d.katottg[b] ? -1 : d.katottg[a] > d.katottg[b] ? 1 : 0));
      members.forEach((i, k) => {
        const angle = k * 2.399963;
        // Start clear of the centre's own marker, so the exactly placed town stays hoverable.
        const radius = 12 + 6.5 * Math.sqrt(k);
        dx[i] = radius * Math.cos(angle);
        dy[i] = radius * Math.sin(angle);
      });
    }
    return { dx: dx, dy: dy };
  }

  return {
    DAY_MS: DAY_MS,
    base64Bytes: base64Bytes,
    unpack: unpack,
    featureCollection: featureCollection,
    expandShapes: expandShapes,
    payloadProblem: payloadProblem,
    runsProblem: runsProblem,
    decodeRuns: decodeRuns,
    decodePayload: decodePayload,
    useRuns: useRuns,
    TIMELINE_KEYS: TIMELINE_KEYS,
    isoDate: isoDate,
    clampDay: clampDay,
    fanOffsets: fanOffsets,
  };
});
