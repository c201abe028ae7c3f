/* The timeline layer's playing: one step per animation frame until the last day, then a pause. Mixed into the layer by layer.js: `this` is the layer. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  
  parts.layerPlaying = {
    _step: function () {
      const state = this.state;
      state.frame = 0;
      if (!state.playing) return;
      const last = this.d.nDays - 1;
      const next = Math.min(last, state.day + state.speed);
      this._paint(next);
      if (next >= last) this.pause();
      else state.frame = requestAnimationFrame(this._stepBound);
    },
    play: function () {
      const state = this.state;
      if (state.playing || state.stopped) return;
      if (state.day >= this.d.nDays - 1) this._paint(0);
      state.playing = true;
      this.dateControl.showPlaying(true);
      state.frame = requestAnimationFrame(this._stepBound);
    },
    // Stops playing without committing; false if it was not playing.
    stop: function () {
      const state = this.state;
      if (!state || !state.playing) return false;
      state.playing = false;
      cancelAnimationFrame(state.frame);
      state.frame = 0;
      if (this.dateControl) this.dateControl.showPlaying(false);
      return true;
    },
    pause: function () {
      if (this.stop()) this._commit();
    },
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
