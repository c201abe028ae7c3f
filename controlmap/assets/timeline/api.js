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
  // actions ({paint, play, pause, stop, setMode, isShown, currentView, guard}).
  function createApi(tl) {
    const { L, map, d, state } = tl;
    return {
      setDay: (value) => tl.paint(value),
      getDay: () => state.day,
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
      view: () => tl.currentView(),
      onViewChanged: (listener) => {
        state.viewListeners.add(listener);
        return () => state.viewListeners.delete(listener);
      },
      play: tl.guard(() => tl.play(), true),
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
