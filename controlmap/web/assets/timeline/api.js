/* The public API, `window.controlmap` (the date bridge of the Streamlit page, tests and benchmarks use
   it), and what the map tells its host page: the committed day and that it is ready. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const runs = parts.runs;

  // The day the host page last committed, if it is a same-origin parent.
  function hostDay() {
    try {
      if (window.parent !== window) return window.parent.__controlmapDay;
    } catch (err) {
      return undefined;
    }
    return undefined;
  }

  function tellHostDay(day) {
    try {
      if (window.parent !== window) window.parent.__controlmapDay = day;
    } catch (err) {
      /* a cross-origin host keeps its own day */
    }
  }

  function announce() {
    window.dispatchEvent(new CustomEvent("controlmap:ready", { detail: { source: window } }));
    try {
      if (window.parent !== window) {
        window.parent.dispatchEvent(new window.parent.CustomEvent("controlmap:ready", { detail: { source: window } }));
      }
    } catch (err) {
      /* no same-origin host to tell */
    }
  }

  function callEach(listeners, value, what) {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (err) {
        console.error("controlmap: " + what + " listener failed", err);
      }
    }
  }

  // `tl`: the timeline layer (layer.js): its parts ({L, map, d, state, points, renderer, cellCount}) and
  // actions ({paint, play, pause, stop, setMode, isShown, currentView, guard, setSelection,
  // compareWith}).
  function createApi(tl) {
    const { L, map, d, state } = tl;
    return {
      // Shows a day. With { commit: true } it then tells the day's listeners too, as a reader's move does; a host
      // showing the day it already holds does not (the published site commits once a day shown has settled).
      setDay: (value, options) => {
        tl.paint(value);
        if (options && options.commit === true) tl._commit();
      },
      getDay: () => state.day,
      // Days the map can show: day indices 0 … dayCount() - 1 (isoDate(i) gives their dates).
      dayCount: () => d.nDays,
      onDayCommitted: (listener) => {
        state.committedListeners.add(listener);
        return () => state.committedListeners.delete(listener);
      },
      stats: () => {
        let features = 0;
        for (let i = 0; i < d.n; i++) if (tl.isShown(i)) features += 1;
        return {
          lastPaintMs: state.lastPaintMs,
          paints: state.paints,
          features: features,
          restyled: state.lastRestyled,
          settlements: d.n,
          cells: tl.cellCount,
          day: state.day,
          mode: state.mode,
        };
      },
      counts: () => runs.counts(d, state.shownRun, (i) => tl.isShown(i)),
      // The front line for the day shown: whether it is on the map, and its lines and km (the front: Ukrainian-
      // held against Russian-held or contested; the band: contested against Russian-held).
      frontLine: () => {
        const none = { front: { lines: 0, km: 0 }, band: { lines: 0, km: 0 } };
        const summary = tl.frontLine ? tl.frontLine.summary() : none;
        return {
          shown: Boolean(tl.frontLine && tl.frontLine.isShown()),
          lines: summary.front.lines,
          km: summary.front.km,
          bandLines: summary.band.lines,
          bandKm: summary.band.km,
          borders: tl.borders ? tl.borders.count : 0,
        };
      },
      // Displayed status of every settlement, in payload order (what the map shows, for tests and tools).
      statuses: () => runs.statuses(d, state.shownRun),
      // Status of every settlement on day index `value`, without painting it.
      statusesOn: (value) => {
        const target = parts.decode.clampDay(d.nDays, value);
        return Array.from({ length: d.n }, (_, i) => runs.statusOf(d, runs.runAt(d, i, target)));
      },
      // How many settlements are shown disputed (the sides' latest statements disagree).
      disputedCount: () => {
        let count = 0;
        for (let i = 0; i < d.n; i++) if (state.shownRun[i] >= 0 && d.disputed[state.shownRun[i]]) count += 1;
        return count;
      },
      // The settlements, in payload order: katottg codes and names.
      settlements: () => ({ katottg: d.katottg.slice(), nameEn: d.nameEn.slice(), nameUk: d.nameUk.slice() }),
      // What settlement i shows on the day shown, as its tooltip tells it: status, disputed, since (ISO date)
      // and the statement responsible (source and ISO date; both null for the baseline or no statement).
      record: (i) => {
        const r = state.shownRun[i];
        if (r < 0) return { status: runs.statusOf(d, r), disputed: false, since: null, source: null, date: null };
        const e = d.event[r];
        const iso = (value) => parts.decode.isoDate(d.day0, value);
        return {
          status: runs.statusOf(d, r),
          disputed: d.disputed[r] === 1,
          since: iso(d.since[r]),
          source: e < 0 ? null : d.sources[d.eventSource[e]],
          date: e < 0 || d.eventDay[e] === null ? null : iso(d.eventDay[e]),
        };
      },
      view: () => tl.currentView(),
      // Moves the map to a view ({lat, lon, zoom}, as `view` gives), not animated.
      setView: tl.guard((view) => {
        map.setView([Number(view.lat), Number(view.lon)], Number(view.zoom), { animate: false });
        return tl.currentView();
      }, true),
      // Claimant selections: keys are the claimants joined by commas in the payload's order ("" for none).
      selection: () => tl.selectionKey,
      selections: () => Array.from(tl.selections.keys()),
      setSelection: tl.guard((key) => tl.setSelection(String(key)), true),
      // The front line of a second selection over the first (null: none), and its summary as frontLine's.
      compareWith: tl.guard((key) => tl.compareWith(key === null || key === undefined ? null : String(key)), true),
      compareLine: () => {
        if (!tl.compare) return null;
        const summary = tl.compare.line.summary();
        return { selection: tl.compare.key, lines: summary.front.lines, km: summary.front.km,
          bandLines: summary.band.lines, bandKm: summary.band.km };
      },
      // Clicks on a settlement when the map has no town page to open: listener(katottg).
      onSettlementClick: (listener) => {
        state.clickListeners.add(listener);
        return () => state.clickListeners.delete(listener);
      },
      // Opens the Streamlit page of a settlement (a KATOTTG code or a name in any form) with URL values `params`
      // besides ({names: "uk"}); false when the map has no such page (a published site).
      openTown: (settlement, params) => parts.hover.openTown(tl.townPageUrl, String(settlement), params),
      onViewChanged: (listener) => {
        state.viewListeners.add(listener);
        return () => state.viewListeners.delete(listener);
      },
      play: tl.guard(() => tl.play(), true),
      isPlaying: () => Boolean(state.playing),
      pause: tl.guard(() => tl.pause(), true),
      // Stop playing without committing (a day chosen elsewhere is about to be shown).
      stop: tl.guard(() => tl.stop(), true),
      setMode: tl.guard((mode) => tl.setMode(mode), true),
      getMode: () => state.mode,
      isoDate: (value) => parts.decode.isoDate(d.day0, value),
      // Where settlement `katottg` is drawn, in pixels of the map container (tests hover there).
      pixelOf: (katottg) => {
        const i = d.katottg.indexOf(katottg);
        if (i < 0 || !tl.points.placed[i]) return null;
        tl.renderer.project();
        const p = map.layerPointToContainerPoint(L.point(tl.points.x[i], tl.points.y[i]));
        return { x: p.x, y: p.y };
      },
    };
  }

  parts.api = {
    createApi: createApi,
    hostDay: hostDay,
    tellHostDay: tellHostDay,
    announce: announce,
    callEach: callEach,
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
