// A hand-made wire payload (as wire.timeline_wire sends it) of three settlements:
//   1: ua from day 0 (since day 0), then ru and disputed from day 10 (since day 8), source "S2" on day 9;
//   2: contested from day 4 (since day 1), placed at a hromada centre; baseline run;
//   3: no run at all, and no point.
"use strict";

function wirePayload() {
  return {
    day0: "2022-02-24",
    n_days: 20,
    statuses: ["unknown", "ua", "ru", "contested"],
    legend: {
      order: ["ua", "ru", "contested", "unknown"],
      labels: { ua: "Ukrainian-held", ru: "Russian-held", contested: "contested", unknown: "unknown" },
      fill: { ua: "#0072B2", ru: "#D55E00", contested: "#F0E442", unknown: "#999999" },
      line: { ua: "#00395A", ru: "#5E2900", contested: "#222222", unknown: "#555555" },
    },
    change_days: [4, 10],
    id_prefix: "UA63000000000000000",
    katottg: ["01", "02", "03"],
    name_en: ["Alpha", "", "Gamma"],
    name_uk: ["Альфа", "Бета", ""],
    lat: [49.5, 49.9, null],
    lon: [36.2, 37.1, null],
    quality: [0, 1, 3],
    labels: [0],
    run_count: [2, 1, 0],
    day: [0, 10, 4],
    state: [2, 5, 6],
    since_gap: [0, 2, 3],
    event: [-1, 0, -1],
    event_day: [9],
    event_source: [1],
    sources: ["S1", "S2"],
  };
}

module.exports = { wirePayload };
