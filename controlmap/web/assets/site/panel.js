/* The panel's rules (site.js draws the panel, on the published site and in the dashboard's map frame alike): which
   day the change list compares the day shown with, how the map is cited, and how settlements are named and found.
   Pure; loaded by the page and by tests/js in Node (tests/fixtures/panel_cases.json holds the cases). */
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

  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"];

  // "21 August 2026" for "2026-08-21" (the same words in every browser, whatever its language).
  function longDate(iso) {
    const [year, month, day] = iso.split("-");
    return Number(day) + " " + MONTHS[Number(month) - 1] + " " + year;
  }

  // The map of `c.date` (ISO) as one would cite it: title, date, whose statements it shows (`c.claimants`: their
  // labels, in order), the data file and its sha256, and the link. `c.uploaded`: the dashboard also shows events
  // uploaded in this browser session, which the sha256 does not cover.
  function citation(c) {
    const claimants = c.claimants.length ? c.claimants.join(", ")
      : "none (every settlement at its 24 Feb 2022 baseline)";
    const extra = c.uploaded ? " plus events uploaded in this browser session only (not published)" : "";
    return c.title + ". Map of " + longDate(c.date) + " (" + c.date + "). Statements by: " + claimants + ". Data: "
      + c.dataFile + ", sha256 " + c.sha256 + extra + ". " + c.url;
  }

  // Settlement i's name in `language` ("uk" or "en"; `names`: the map API's settlements()), else in the other, else
  // its code.
  function nameOf(names, i, language) {
    const [first, second] = language === "uk" ? [names.nameUk, names.nameEn] : [names.nameEn, names.nameUk];
    return first[i] || second[i] || names.katottg[i];
  }

  // Every settlement's name in `language`, once each, in the map's order (the town search's suggestions).
  function searchNames(names, language) {
    return Array.from(new Set(names.katottg.map((_, i) => nameOf(names, i, language))));
  }

  // The settlement `text` names (its code, or its name in either language, in any case): its index, or -1. The first
  // in the map's order where namesakes share the name (the dashboard's Town history page asks which one instead).
  function findSettlement(names, text) {
    const wanted = text.trim().toLocaleLowerCase("uk");
    if (!wanted) return -1;
    for (const column of [names.katottg, names.nameEn, names.nameUk]) {
      const i = column.findIndex((value) => Boolean(value) && value.toLocaleLowerCase("uk") === wanted);
      if (i >= 0) return i;
    }
    return -1;
  }

  return { comparedDay: comparedDay, citation: citation, longDate: longDate, nameOf: nameOf, searchNames: searchNames,
    findSettlement: findSettlement };
});
