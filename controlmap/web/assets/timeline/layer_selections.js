/* The timeline layer's claimant selections: the timelines of other selections of claimants, switching between
   them, and a second selection's front line drawn over the first. Mixed into the layer by layer.js: `this` is the layer. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const { decode, runs, frontline } = parts;

  parts.layerSelections = {
    // The second selection's sides for the day shown; the settlements that changed side are redrawn.
    _paintCompare: function (everything) {
      const c = this.compare;
      const unknownSide = this.sideOf[Math.max(0, this.d.statuses.indexOf("unknown"))];
      for (let i = 0; i < this.d.n; i++) {
        const r = runs.runAt(c.runs, i, this.state.day);
        const side = r < 0 ? unknownSide : this.sideOf[c.runs.status[r]];
        if (c.side[i] === side) continue;
        c.side[i] = side;
        if (!everything) c.line.markDirty(i);
      }
      c.line.refresh();
    },
    _selectionRuns: function (key) {
      const entry = this.selections.get(key);
      if (!entry) throw new Error("the map has no timeline for the selection " + JSON.stringify(key));
      if (!entry.runs) entry.runs = decode.decodeRuns(entry.wire, this.d.n);
      return entry.runs;
    },
    // Shows the claimant selection `key` (one the map holds): every settlement is repainted for the day shown.
    setSelection: function (key, again) {
      if (key === this.selectionKey && !again) return key;
      decode.useRuns(this.d, this._selectionRuns(key));
      this.selectionKey = key;
      this.state.shownRun.fill(runs.NEVER_PAINTED);
      this._paint(this.state.day);
      return key;
    },
    // Draws the front line of the selection `key` too (null: no second line), in its own style.
    compareWith: function (key) {
      if (this.compare) {
        this.map.removeLayer(this.compare.line.layer);
        this.compare.line.dispose();
        this.compare = null;
      }
      if (key === null || key === undefined || !this.borders.count) {
        this.renderer.flush(true);
        return null;
      }
      const side = new Uint8Array(this.d.n).fill(frontline.NEITHER);
      const line = frontline.createFrontLine(this.L, this.map, this.borders, side, this.renderer, () => this.ready,
        frontline.COMPARE_STYLE);
      this.compare = { key: key, runs: this._selectionRuns(key), side: side, line: line };
      this._paintCompare(true);
      line.layer.addTo(this.map);
      this.renderer.flush(true);
      return key;
    },
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
