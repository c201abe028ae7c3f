/* The panel beside the map, on the published site (controlmap/web/publish.py) and in the dashboard's map frame
   (settings.host "dashboard", see controlmap/web/panel.py): the date, the figures for it, the settlements changed, the
   claimant choice, a second front line, the names' language, a town search, a clicked settlement's statements (on
   the site; the dashboard opens its Town history page), the link and citation — and the URL, which holds the date,
   claimants, comparison, view and names, so that a link opens the same picture on either. In the dashboard the URL is
   the Streamlit page's around the frame (same origin). It only talks to the map through its public API
   (window.controlmap, api.js) and only ever sets textContent. */
(function () {
  "use strict";

  // Read once the map is ready (in the dashboard's frame this script may load before the page holds its settings).
  let settings = null;
  let inFrame = false;
  // The window whose address holds the URL values: the page, or around the dashboard's map frame the Streamlit page.
  let host = window;
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
  let language = "en";
  const urlValues = window.controlmapUrlValues;
  const rules = window.controlmapPanel;

  function hostWindow() {
    try {  // a frame of another origin keeps its own address
      if (inFrame && window.parent !== window && window.parent.location.href) return window.parent;
    } catch (err) { /* the page's own, then */ }
    return window;
  }

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
    return rules.nameOf(names, i, language);
  }

  const longDate = rules.longDate;

  // --- the URL ---------------------------------------------------------------------------------------
  // The dashboard's scheme: ?date=…&claimants=…&compare=…&lat=…&lon=…&zoom=… (a link copied from one opens the same
  // picture on the other). A hash of the same values (and the older #…&view=lat,lon,zoom) is read too. Every value is
  // checked as the dashboard checks it (urlvalues.js): an unreadable one is left out, a number clamped.

  function urlParams() {
    const params = new URLSearchParams(host.location.search);
    if (!inFrame) {
      for (const [key, value] of new URLSearchParams(window.location.hash.replace(/^#/, ""))) params.set(key, value);
    }
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
    // compare=none: the empty selection's line (the baseline alone); no compare, or none it can read: no second line.
    if (params.has("compare")) {
      const value = params.get("compare");
      const key = selectionKey(value.split(","));
      out.compare = value === "none" ? "" : key || null;
    }
    out.language = params.get("names") === "uk" ? "uk" : "en";
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
    if (language === "uk") params.set("names", "uk");
    if (inFrame) {  // Streamlit's own: a dashboard embedded with ?embed=true stays so in the link
      for (const [key, value] of new URLSearchParams(host.location.search)) {
        if (key === "embed" || key === "embed_options") params.append(key, value);
      }
    }
    const url = "?" + params.toString().replace(/%2C/g, ",");
    if (url !== host.location.search || (!inFrame && window.location.hash)) {
      writingUrl = true;
      try {
        host.history.replaceState(host.history.state, "", url);
      } catch (err) {
        // a host that refuses (a sandboxed page) keeps its address; the link below still holds the values
      }
      writingUrl = false;
    }
    showCitation();
  }

  function applyUrl() {
    const wanted = readUrl();
    setLanguage(wanted.language);
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
        showControls();
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
    $("cm-names").addEventListener("change", (event) => {
      setLanguage(event.target.value);
      showChanges(listedSince);
      writeUrl();
    });
    const search = $("cm-search-input");
    search.addEventListener("focus", fillSearchNames);
    $("cm-search").addEventListener("submit", (event) => {
      event.preventDefault();
      openTown(search.value.trim());
    });
    $("cm-back-30").addEventListener("click", () => moveDays(-30));
    $("cm-forward-30").addEventListener("click", () => moveDays(30));
    $("cm-copy-link").addEventListener("click", () => copy(shareUrl(), "Link"));
    $("cm-copy-citation").addEventListener("click", () => copy(citationText(), "Citation"));
  }

  // A month back or on, within the span; it ends playback and is committed as a reader's move.
  function moveDays(days) {
    api.stop();
    api.setDay(Math.min(Math.max(api.getDay() + days, 0), api.dayCount() - 1), { commit: true });
  }

  function setLanguage(value) {
    language = value === "uk" ? "uk" : "en";
    $("cm-names").value = language;
    if ($("cm-search-names").childElementCount) {
      $("cm-search-names").replaceChildren();
      fillSearchNames();
    }
  }

  // The search's suggestions: every settlement's name in the chosen language (filled once the box is first used:
  // 1,700 options are not worth building for a reader who never searches).
  function fillSearchNames() {
    const list = $("cm-search-names");
    if (list.childElementCount || !names) return;
    list.replaceChildren(...rules.searchNames(names, language).map((name) => {
      const option = el("option");
      option.value = name;
      return option;
    }));
  }

  // The dashboard opens the settlement's Town history page (which finds any spelling and tells namesakes apart);
  // the site shows its statements here.
  function openTown(text) {
    const problem = $("cm-search-problem");
    problem.textContent = "";
    if (!text) return;
    if (inFrame && api.openTown(text, language === "uk" ? { names: "uk" } : {})) return;
    const i = rules.findSettlement(names, text);
    if (i < 0) problem.textContent = "No settlement has this name; choose one of the suggestions.";
    else showStatements(names.katottg[i]);
  }

  // --- sharing -----------------------------------------------------------------------------------------

  function shareUrl() {
    writeUrl();
    return host.location.href.replace(/#.*$/, "");
  }

  function citationText() {
    const chosen = api.selection() ? api.selection().split(",") : [];
    return rules.citation({
      title: settings.title, date: api.isoDate(api.getDay()), claimants: chosen.map((c) => settings.claimantLabels[c]),
      dataFile: settings.dataFile, sha256: settings.eventsSha256, uploaded: Boolean(settings.uploaded),
      url: host.location.href.replace(/#.*$/, ""),
    });
  }

  function showCitation() {
    if (api) $("cm-citation").textContent = "Cite this map: " + citationText();
  }

  // To the clipboard, and say so; where the clipboard API is missing (a page served over plain HTTP to another
  // machine) or refused, the text is shown selected to copy by hand.
  function copy(text, what) {
    const status = $("cm-copied");
    const manual = $("cm-copy-fallback");
    const byHand = () => {
      manual.value = text;
      manual.setAttribute("aria-label", what === "Link" ? "Link to this map" : "Citation of this map");
      manual.hidden = false;
      manual.focus();
      manual.select();
      status.textContent = "Copy the selected text";
    };
    if (!navigator.clipboard || !navigator.clipboard.writeText) return byHand();
    navigator.clipboard.writeText(text).then(() => {
      manual.hidden = true;
      status.textContent = what + " copied";
    }, byHand);
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
    $("cm-no-claimants").hidden = chosen.length > 0;
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

  // The changes since `from` ({iso, statuses}: the day compared with), kept for a redraw in other names.
  let listedSince = null;

  function showChanges(from) {
    listedSince = from;
    const now = api.statuses();
    const list = $("cm-changes");
    const since = from ? from.iso : null;
    $("cm-changes-title").textContent = since ? "Changed since " + longDate(since) : "Changes";
    const changed = [];
    if (from) for (let i = 0; i < now.length; i++) if (now[i] !== from.statuses[i]) changed.push(i);
    const items = changed.slice(0, CHANGES_LISTED).map((i) => {
      const record = api.record(i);
      const item = el("li");
      const link = el("button", "cm-link", nameOf(i));
      link.type = "button";
      link.addEventListener("click", () => (inFrame ? openTown(names.katottg[i]) : showStatements(names.katottg[i])));
      const source = record.source ? record.source + " (" + (record.date || "date unknown") + ")" : baselineSource(i);
      item.append(link, ": " + settings.statusLabels[from.statuses[i]] + " → " + settings.statusLabels[now[i]]
        + ", " + source);
      return item;
    });
    if (changed.length > CHANGES_LISTED) items.push(el("li", null, "… and " + (changed.length - CHANGES_LISTED) + " more"));
    if (!changed.length && from) items.push(el("li", null, "none"));
    list.replaceChildren(...items);
  }

  function commit() {
    const day = api.getDay();
    const iso = api.isoDate(day);
    const statuses = api.statuses();
    // At first, and after a change of claimants, changes are told since the day before (panel.js's rule).
    if (!committed || committed.selection !== api.selection()) {
      const since = rules.comparedDay(null, day);
      committed = { iso: api.isoDate(since), statuses: api.statusesOn(since) };
    }
    showFigures();
    showChanges(committed);
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
        + "): changes since then are not shown." + (settings.staleHint ? " " + settings.staleHint : "");
      $("cm-stale").hidden = false;
    }
  }

  function showFooter() {
    $("cm-click-note").textContent = (inFrame ? "Click a settlement for its history: its statements by each side, "
      + "with their sources." : "Click a settlement for its statements and their sources.")
      + " Claims are never merged: where the sides disagree the settlement shows as disputed.";
    $("cm-notes").replaceChildren(...(settings.notes || []).map((note) => el("p", null, note)));
    $("cm-version").textContent = "From " + settings.dataFile + " (" + settings.events.toLocaleString("en-US")
      + " events" + (settings.uploaded ? " + your uploaded events, this session only" : "") + "), sha256 "
      + settings.eventsSha256 + (settings.uploaded ? " (of the file, without your upload)" : "") + ".";
    $("cm-attribution").textContent = "Map data: " + settings.attribution + ".";
  }

  function start(mapApi) {
    if (api) return;
    settings = JSON.parse(document.getElementById("cm-site").textContent);
    inFrame = settings.host === "dashboard";
    host = hostWindow();
    api = mapApi;
    day0 = Date.parse(api.isoDate(0) + "T00:00:00Z");
    names = api.settlements();
    buildControls();
    showFreshness();
    showFooter();
    api.onDayCommitted(() => commit());
    api.onViewChanged(() => writeUrl());
    api.onSettlementClick((katottg) => showStatements(katottg));
    const container = document.querySelector(".leaflet-container");
    new MutationObserver(scheduleFigures).observe(container, { attributes: true, attributeFilter: ["data-painted"] });
    if (!inFrame) {  // the dashboard's page is Streamlit's: going back and forth reloads the map frame
      window.addEventListener("hashchange", () => {
        if (!writingUrl) applyUrl();
      });
      window.addEventListener("popstate", () => {
        if (!writingUrl) applyUrl();
      });
    }
    applyUrl();
    document.body.dataset.siteReady = "true";
  }

  if (window.controlmap) start(window.controlmap);
  else window.addEventListener("controlmap:ready", () => start(window.controlmap), { once: true });
})();
