/* The published site's page script (controlmap/web/publish.py): the panel beside the map — the date, the figures
   for it, the settlements changed, the claimant choice, a second front line, a clicked settlement's
   statements — and the URL, which holds the date, claimants, comparison and view (as the dashboard's URL does)
   so that a link opens the same picture. It only talks to the map through its public API (window.controlmap,
   api.js) and only ever sets textContent. */
(function () {
  "use strict";

  const settings = JSON.parse(document.getElementById("cm-site").textContent);
  const DAY_MS = 86400000;
  const CHANGES_LISTED = 40;
  const $ = (id) => document.getElementById(id);
  let api = null;
  let day0 = 0;
  let names = null;
  // The statuses on the day last committed (slider released, paused, a link opened): changes are told since it.
  let committed = null;
  let frame = 0;
  let writingUrl = false;
  const urlValues = window.controlmapUrlValues;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function selectionKey(claimants) {
    return settings.claimants.filter((c) => claimants.includes(c)).join(",");
  }

  function selectionLabel(key) {
    if (!key) return "no statements (the baseline)";
    return key.split(",").map((c) => settings.claimantLabels[c]).join(" + ");
  }

  function dayOf(iso) {
    const t = Date.parse(iso + "T00:00:00Z");
    return Number.isFinite(t) ? Math.round((t - day0) / DAY_MS) : NaN;
  }

  function nameOf(i) {
    return names.nameEn[i] || names.nameUk[i] || names.katottg[i];
  }

  function longDate(iso) {
    return new Date(iso + "T00:00:00Z").toLocaleDateString("en-GB",
      { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  // --- the URL ---------------------------------------------------------------------------------------
  // The dashboard's scheme: ?date=…&claimants=…&compare=…&lat=…&lon=…&zoom=… (a link copied from one opens the same
  // picture on the other). A hash of the same values (and the older #…&view=lat,lon,zoom) is read too. Every value is
  // checked as the dashboard checks it (urlvalues.js): an unreadable one is left out, a number clamped.

  function urlParams() {
    const params = new URLSearchParams(window.location.search);
    for (const [key, value] of new URLSearchParams(window.location.hash.replace(/^#/, ""))) params.set(key, value);
    if (params.has("view")) {
      const [lat, lon, zoom] = params.get("view").split(",");
      for (const [key, value] of [["lat", lat], ["lon", lon], ["zoom", zoom]]) {
        if (!params.has(key) && value !== undefined) params.set(key, value);
      }
    }
    return params;
  }

  function readUrl() {
    const params = urlParams();
    const out = { compare: null };
    const last = api.isoDate(api.dayCount() - 1);
    if (params.has("date")) out.date = urlValues.isoDate(params.get("date"), api.isoDate(0), last);
    if (params.has("claimants")) {
      const value = params.get("claimants");
      out.claimants = value === "none" ? "" : selectionKey(value.split(","));
    }
    // compare=none: the empty selection's line (the baseline alone); no compare: no second line.
    if (params.has("compare")) {
      const value = params.get("compare");
      out.compare = value === "none" ? "" : selectionKey(value.split(","));
    }
    out.view = urlValues.mapView(params.get("lat"), params.get("lon"), params.get("zoom"), settings.urlLimits,
      settings.viewBounds);
    return out;
  }

  function writeUrl() {
    const compare = api.compareLine();
    const params = new URLSearchParams();
    params.set("date", api.isoDate(api.getDay()));
    params.set("claimants", api.selection() || "none");
    if (compare) params.set("compare", compare.selection || "none");
    const current = api.view();
    const view = urlValues.mapView(String(current.lat), String(current.lon), String(current.zoom), settings.urlLimits);
    if (view.center && view.zoom !== null) {  // never a value the page would not read back
      params.set("lat", view.center[0].toFixed(4));
      params.set("lon", view.center[1].toFixed(4));
      params.set("zoom", String(view.zoom));
    }
    const url = "?" + params.toString().replace(/%2C/g, ",");
    if (url !== window.location.search || window.location.hash) {
      writingUrl = true;
      history.replaceState(null, "", url);
      writingUrl = false;
    }
  }

  function applyUrl() {
    const wanted = readUrl();
    if ("claimants" in wanted && api.selections().includes(wanted.claimants)) api.setSelection(wanted.claimants);
    if (wanted.compare === null || api.selections().includes(wanted.compare)) api.compareWith(wanted.compare);
    const { center, zoom } = wanted.view;
    if (center || zoom !== null) {
      const current = api.view();
      api.setView({ lat: center ? center[0] : current.lat, lon: center ? center[1] : current.lon,
        zoom: zoom === null ? current.zoom : zoom });
    }
    if (wanted.date) {
      const day = dayOf(wanted.date);
      if (Number.isFinite(day)) api.setDay(day, { commit: false });  // committed below, with the rest
    }
    showControls();
    commit();
  }

  // --- the panel -------------------------------------------------------------------------------------

  function buildControls() {
    const box = $("cm-claimants");
    for (const claimant of settings.claimants) {
      const input = el("input");
      input.type = "checkbox";
      input.value = claimant;
      input.id = "cm-claimant-" + claimant;
      input.addEventListener("change", () => {
        const chosen = Array.from(box.querySelectorAll("input:checked"), (i) => i.value);
        api.setSelection(selectionKey(chosen));
        showCompareChoices();
        commit();
      });
      const label = el("label");
      label.append(input, " " + settings.claimantLabels[claimant]);
      box.appendChild(label);
    }
    $("cm-compare").addEventListener("change", (event) => {
      api.compareWith(event.target.value === "" ? null : event.target.value.replace(/^=/, ""));
      writeUrl();
    });
  }

  function showCompareChoices() {
    const select = $("cm-compare");
    const compare = api.compareLine();
    select.replaceChildren(el("option", null, "none"));
    select.firstChild.value = "";
    for (const key of api.selections()) {
      if (key === api.selection()) continue;
      const option = el("option", null, selectionLabel(key));
      // "=" keeps the empty selection apart from "none".
      option.value = "=" + key;
      if (compare && compare.selection === key) option.selected = true;
      select.appendChild(option);
    }
  }

  function showControls() {
    const chosen = api.selection() ? api.selection().split(",") : [];
    for (const input of $("cm-claimants").querySelectorAll("input")) input.checked = chosen.includes(input.value);
    showCompareChoices();
  }

  function showFigures() {
    frame = 0;
    const iso = api.isoDate(api.getDay());
    $("cm-date").textContent = longDate(iso);
    const before = settings.firstMap && iso < settings.firstMap;
    const note = $("cm-before-maps");
    note.hidden = !before;
    const baseline = "the 24 Feb 2022 baseline (" + settings.baselineText + ")";
    note.textContent = !before ? ""
      : "Before " + longDate(settings.firstMap) + ", the first archived control map, " + (settings.mapsOnly
        ? "the map shows " + baseline + "."
        : "only researched statements speak: a settlement nobody wrote about shows " + baseline + ".");
    const statuses = api.statuses();
    const counts = {};
    const km2 = {};
    for (const status of settings.statusOrder) counts[status] = km2[status] = 0;
    statuses.forEach((status, i) => {
      counts[status] += 1;
      km2[status] += settings.areas[i] || 0;
    });
    const rows = settings.statusOrder.map((status) => {
      const row = el("tr");
      row.dataset.status = status;
      const label = el("td");
      const swatch = el("span", "cm-swatch");
      swatch.style.backgroundColor = settings.statusColours[status];
      label.append(swatch, settings.statusLabels[status]);
      row.append(label, el("td", null, counts[status].toLocaleString("en-US")),
        el("td", null, km2[status].toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })));
      return row;
    });
    $("cm-figures").tBodies[0].replaceChildren(...rows);
    $("cm-disputed").textContent = "Disputed (the sides' recent statements disagree): " + api.disputedCount()
      + " settlement(s)";
  }

  // A day shown some other way than by the reader's own move (the map's API: window.controlmap.setDay) is
  // committed once it has settled, so that the change list and the URL follow it as they follow the reader's.
  const SETTLE_MS = 400;
  let settle = 0;

  function scheduleFigures() {
    if (!frame) frame = requestAnimationFrame(showFigures);
    clearTimeout(settle);
    settle = setTimeout(() => {
      if (committed && api.isoDate(api.getDay()) !== committed.iso && !api.isPlaying()) commit();
    }, SETTLE_MS);
  }

  function showChanges() {
    const now = api.statuses();
    const list = $("cm-changes");
    const since = committed ? committed.iso : null;
    $("cm-changes-title").textContent = since ? "Changed since " + longDate(since) : "Changes";
    const changed = [];
    if (committed) for (let i = 0; i < now.length; i++) if (now[i] !== committed.statuses[i]) changed.push(i);
    const items = changed.slice(0, CHANGES_LISTED).map((i) => {
      const record = api.record(i);
      const item = el("li");
      const link = el("button", "cm-link", nameOf(i));
      link.type = "button";
      link.addEventListener("click", () => showStatements(names.katottg[i]));
      const source = record.source ? record.source + " (" + (record.date || "date unknown") + ")" : baselineSource(i);
      item.append(link, ": " + settings.statusLabels[committed.statuses[i]] + " → " + settings.statusLabels[now[i]]
        + ", " + source);
      return item;
    });
    if (changed.length > CHANGES_LISTED) items.push(el("li", null, "… and " + (changed.length - CHANGES_LISTED) + " more"));
    if (!changed.length && committed) items.push(el("li", null, "none"));
    list.replaceChildren(...items);
  }

  function commit() {
    const day = api.getDay();
    const iso = api.isoDate(day);
    const statuses = api.statuses();
    // At first, and after a change of claimants, changes are told since the day before (controlmapPanel, the
    // dashboard's rule).
    if (!committed || committed.selection !== api.selection()) {
      const since = window.controlmapPanel.comparedDay(null, day);
      committed = { iso: api.isoDate(since), statuses: api.statusesOn(since) };
    }
    showFigures();
    showChanges();
    committed = { iso: iso, statuses: statuses, selection: api.selection() };
    writeUrl();
  }

  function baselineSource(i) {
    return settings.baselineSources[settings.baselineSourceOf[String(i)] || 0];
  }

  async function showStatements(katottg) {
    const section = $("cm-statements");
    const list = $("cm-statement-list");
    const i = names.katottg.indexOf(katottg);
    const name = i >= 0 ? nameOf(i) : katottg;
    section.hidden = false;
    $("cm-statements-title").textContent = name + ": statements";
    list.replaceChildren(el("li", null, "Loading…"));
    let document_ = null;
    try {
      const response = await fetch(settings.statementsPath + "/" + encodeURIComponent(katottg) + ".json");
      if (response.status === 404) document_ = { statements: [] };
      else if (!response.ok) throw new Error("HTTP " + response.status);
      else document_ = await response.json();
    } catch (err) {
      list.replaceChildren(el("li", null, "The statements could not be loaded (" + err.message + ")."));
      return;
    }
    if (!document_.statements.length) {
      list.replaceChildren(el("li", null, "No statement: " + baselineSource(names.katottg.indexOf(katottg)) + "."));
      return;
    }
    list.replaceChildren(...document_.statements.map((s) => {
      const item = el("li");
      item.dataset.claimant = s.claimed_by;
      const head = el("div", null, s.date + " · " + settings.statusLabels[s.status] + " · "
        + settings.claimantLabels[s.claimed_by] + " · ");
      if (/^https?:\/\//.test(s.url)) {
        const link = el("a", null, s.source);
        link.href = s.url;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        head.appendChild(link);
      } else {
        head.appendChild(document.createTextNode(s.source));
      }
      item.appendChild(head);
      if (s.about) item.appendChild(el("div", "cm-statement-about", "This statement is about " + s.about
        + ", not about the settlement alone."));
      if (s.reported && s.reported !== s.date) {
        item.appendChild(el("div", "cm-statement-note", "Stated on " + s.reported + " (about the state from "
          + s.date + ")."));
      }
      if (s.quote) item.appendChild(el("blockquote", null, s.quote));
      if (s.note) item.appendChild(el("div", "cm-statement-note", s.note));
      return item;
    }));
  }

  const STALE_AFTER_DAYS = 7;

  // "Map data as of <the newest snapshot read> (<publisher>)", and, when that is more than a week before the
  // reader's today, a notice that later changes are not shown.
  function showFreshness() {
    const asOf = settings.asOf;
    if (!asOf) return;
    $("cm-as-of").textContent = "Map data " + asOf.text + ": the newest map snapshot read.";
    $("cm-as-of").hidden = false;
    const age = Math.floor((Date.now() - Date.parse(asOf.day + "T00:00:00Z")) / 86400000);
    if (age > STALE_AFTER_DAYS) {
      $("cm-stale").textContent = "The newest map read is " + age + " days old (" + longDate(asOf.day)
        + "): changes since then are not shown.";
      $("cm-stale").hidden = false;
    }
  }

  function showFooter() {
    $("cm-version").textContent = "Data: " + settings.events.toLocaleString("en-US") + " events, sha256 "
      + settings.eventsSha256 + ".";
    $("cm-attribution").textContent = "Map data: " + settings.attribution + ".";
  }

  function start(mapApi) {
    if (api) return;
    api = mapApi;
    day0 = Date.parse(api.isoDate(0) + "T00:00:00Z");
    names = api.settlements();
    buildControls();
    showFreshness();
    showFooter();
    api.onDayCommitted(() => commit());
    api.onViewChanged(() => writeUrl());
    api.onSettlementClick((katottg) => showStatements(katottg));
    const container = document.querySelector(".folium-map");
    new MutationObserver(scheduleFigures).observe(container, { attributes: true, attributeFilter: ["data-painted"] });
    window.addEventListener("hashchange", () => {
      if (!writingUrl) applyUrl();
    });
    window.addEventListener("popstate", () => {
      if (!writingUrl) applyUrl();
    });
    applyUrl();
    document.body.dataset.siteReady = "true";
  }

  if (window.controlmap) start(window.controlmap);
  else window.addEventListener("controlmap:ready", () => start(window.controlmap), { once: true });
})();
