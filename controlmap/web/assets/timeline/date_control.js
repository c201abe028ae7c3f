/* The date control under the map: previous/next change, play/pause, days per frame, the date slider
   and the date shown. It only calls back (`actions`); its DOM listeners go when it is removed. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const el = parts.dom.el;

  // `nDays`: the slider's range; `format(day)`: the date shown (ISO); `actions`: {prev, togglePlay,
  // setSpeed(days), scrub(day), release(day), next}.
  function createDateControl(L, nDays, format, actions) {
    // The day one calendar month before or after `day` (the month's last day when it is shorter), clamped.
    function monthAway(day, months) {
      const date = new Date(format(day) + "T00:00:00Z");
      const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
      const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
      target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
      const moved = day + Math.round((target - date) / 86400000);
      return Math.min(Math.max(moved, 0), nDays - 1);
    }

    const DateControl = L.Control.extend({
      options: { position: "bottomleft" },

      onAdd: function () {
        const dom = (this.dom = parts.dom.listeners());
        const root = el("div", "cm-date leaflet-bar");
        const button = (cls, text, label, onClick) => {
          const b = el("button", cls, text);
          b.type = "button";
          b.title = label;
          b.setAttribute("aria-label", label);
          dom.on(b, "click", onClick);
          root.appendChild(b);
          return b;
        };
        button("cm-prev", "\u2039", "Previous change", () => actions.prev());
        this.playButton = button("cm-play", "\u25B6", "Play", () => actions.togglePlay());
        const speedSelect = el("select", "cm-speed");
        speedSelect.title = "Days per frame";
        speedSelect.setAttribute("aria-label", "Days per frame");
        for (const s of parts.state.SPEEDS) {
          const option = el("option", null, s + " d");
          option.value = String(s);
          speedSelect.appendChild(option);
        }
        dom.on(speedSelect, "change", () => actions.setSpeed(Number(speedSelect.value)));
        root.appendChild(speedSelect);
        const slider = el("input", "cm-slider");
        slider.type = "range";
        slider.min = "0";
        slider.max = String(nDays - 1);
        slider.step = "1";
        slider.setAttribute("aria-label", "Date");
        dom.on(slider, "input", () => actions.scrub(slider.value));
        dom.on(slider, "change", () => actions.release(slider.value));
        // Arrows move a day and Home/End to the ends (the range input's own keys); PageUp/PageDown a month.
        dom.on(slider, "keydown", (event) => {
          if (event.key !== "PageUp" && event.key !== "PageDown") return;
          event.preventDefault();
          const value = monthAway(Number(slider.value), event.key === "PageUp" ? 1 : -1);
          slider.value = String(value);
          actions.scrub(value);
          actions.release(value);
        });
        root.appendChild(slider);
        button("cm-next", "\u203A", "Next change", () => actions.next());
        this.dateText = el("output", "cm-date-text");
        root.appendChild(this.dateText);
        this.slider = slider;
        L.DomEvent.disableClickPropagation(root);
        L.DomEvent.disableScrollPropagation(root);
        return root;
      },

      onRemove: function () {
        this.dom.offAll();
      },

      show: function (value) {
        if (Number(this.slider.value) !== value) this.slider.value = String(value);
        this.dateText.textContent = format(value);
        this.slider.setAttribute("aria-valuetext", format(value));
      },

      showPlaying: function (isPlaying) {
        this.playButton.textContent = isPlaying ? "\u275A\u275A" : "\u25B6";
        const label = isPlaying ? "Pause" : "Play";
        this.playButton.title = label;
        this.playButton.setAttribute("aria-label", label);
      },
    });
    return new DateControl();
  }

  parts.dateControl = { createDateControl: createDateControl };
})(typeof globalThis !== "undefined" ? globalThis : this);
