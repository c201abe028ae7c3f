/* Tooltips and hit-testing: which settlement is drawn on top under a pixel (pure), the rows of a
   settlement's tooltip (pure), and, in the browser, the tooltip that follows the hovered settlement or
   cell and the click that opens its history. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./decode.js"), require("./runs.js"), require("./styles.js"));
  } else {
    const parts = root.controlmapParts;
    parts.hover = factory(parts.decode, parts.runs, parts.styles);
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function (decode, runs, styles) {
  "use strict";

  // As for a Leaflet circle marker of weight 4: half its stroke, on top of the renderer's tolerance.
  const CLICK_TOLERANCE = 2;

  // The settlement drawn on top under layer point `p` (-1 if none): the latest in draw order, then the
  // nearest. `pts`: {n, x, y, symbol, isDrawn(i)} with x, y projected; `table`: styles.symbolStyles(...);
  // `scale`: the symbol scale; `tolerance`: extra pixels around each symbol.
  function hitTest(pts, table, scale, tolerance, p) {
    let best = -1;
    let bestRank = -1;
    let bestDistance = Infinity;
    for (let i = 0; i < pts.n; i++) {
      if (!pts.isDrawn(i)) continue;
      const style = table.styles[pts.symbol[i]];
      const dx = pts.x[i] - p.x;
      const dy = pts.y[i] - p.y;
      const distance = Math.sqrt(dx * dx + dy * dy);
      if (distance > style.radius * scale + tolerance) continue;
      const rank = table.rank[style.index];
      if (rank > bestRank || (rank === bestRank && distance < bestDistance)) {
        best = i;
        bestRank = rank;
        bestDistance = distance;
      }
    }
    return best;
  }

  // The tooltip of settlement i showing run r: its names, [label, value] rows and a note (or null);
  // `labels`: each status in words (styles.vocabulary(...).labels).
  function tooltipRows(d, i, r, labels) {
    const iso = (value) => decode.isoDate(d.day0, value);
    const status = runs.statusOf(d, r);
    const rows = [
      ["Status", labels[status] || status],
      ["Since", r < 0 ? "no record yet" : iso(d.since[r])],
      ["Disputed", r >= 0 && d.disputed[r] ? "disputed" : "not disputed"],
    ];
    const e = r < 0 ? -1 : d.event[r];
    if (e >= 0) {
      const when = d.eventDay[e] === null ? "date unknown" : iso(d.eventDay[e]);
      rows.push(["Latest source", d.sources[d.eventSource[e]] + " (" + when + ")"]);
    } else if (r >= 0) {
      rows.push(["Latest source", "baseline (" + iso(d.day[r]) + ")"]);
    }
    return {
      name: d.nameEn[i] || d.katottg[i],
      nameUk: d.nameUk[i] || "",
      rows: rows,
      note: d.approximate[i] ? styles.APPROXIMATE_NOTE : null,
    };
  }

  // --- browser ------------------------------------------------------------------------------------

  function tooltipContent(el, content) {
    const box = el("div", "cm-tip");
    box.appendChild(el("div", "cm-tip-name", content.name));
    if (content.nameUk) box.appendChild(el("div", "cm-tip-name-uk", content.nameUk));
    const table = el("table", "cm-tip-rows");
    for (const [label, value] of content.rows) {
      const tr = el("tr");
      tr.appendChild(el("th", null, label));
      tr.appendChild(el("td", "cm-tip-" + label.toLowerCase().replace(" ", "-"), value));
      table.appendChild(tr);
    }
    box.appendChild(table);
    if (content.note) box.appendChild(el("div", "cm-tip-note", content.note));
    return box;
  }

  function navigateTop(url) {
    // The component iframe is sandboxed without allow-top-navigation; a link that lives in the
    // (same-origin) top document navigates as that document.
    try {
      const top = window.top;
      const link = top.document.createElement("a");
      link.href = url;
      top.document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (err) {
      window.location.href = url;
    }
  }

  // Opens the town page for `settlement` (a KATOTTG code, or a name in any form the page looks up) with `params`
  // besides; false when the map has no town page (a published site).
  function openTown(townPageUrl, settlement, params) {
    if (!townPageUrl) return false;
    navigateTop(townPageUrl + "?" + new URLSearchParams(Object.assign({ settlement: settlement }, params || {})));
    return true;
  }

  // Tooltip and click for the settlements and cells whose events reach `hub` (each target has
  // `cmIndex`). A click opens the town page, or without one tells `tl.clicked(katottg)`. `tl`: {L, map, d,
  // state, vocab, hub, guard, el, clicked}. Returns {refresh(), remove()}.
  function attachHover(tl, townPageUrl) {
    const { L, map, d, state } = tl;
    const tooltip = L.tooltip({ direction: "top", offset: [0, -8], className: "cm-tooltip", opacity: 1 });
    const content = (i) => tooltipContent(tl.el, tooltipRows(d, i, state.shownRun[i], tl.vocab.labels));
    const handlers = {
      mouseover: tl.guard((e) => {
        state.hovered = e.sourceTarget.cmIndex;
        tooltip.setLatLng(e.latlng).setContent(content(state.hovered));
        map.addLayer(tooltip);
      }),
      mouseout: tl.guard(() => {
        state.hovered = -1;
        map.removeLayer(tooltip);
      }),
      click: tl.guard((e) => {
        const katottg = d.katottg[e.sourceTarget.cmIndex];
        if (!openTown(townPageUrl, katottg)) tl.clicked(katottg);
      }),
    };
    tl.hub.on(handlers);
    return {
      refresh() {
        if (state.hovered >= 0) tooltip.setContent(content(state.hovered));
      },
      remove() {
        tl.hub.off(handlers);
        state.hovered = -1;
        map.removeLayer(tooltip);
      },
    };
  }

  return {
    openTown: openTown,
    CLICK_TOLERANCE: CLICK_TOLERANCE,
    hitTest: hitTest,
    tooltipRows: tooltipRows,
    tooltipContent: tooltipContent,
    attachHover: attachHover,
  };
});
