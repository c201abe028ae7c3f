/* The date control under the map: previous/next change, play/pause, days per frame, the date slider
   and the date shown. It only calls back (`actions`); its DOM listeners go when it is removed. */
(function (root) {
  "use strict";

  const parts = root.controlmapParts;
  const el = parts.dom.el;

  // `nDays`: the slider's range; `format(day)`: the date shown; `actions`: {prev, togglePlay,
  // setSpeed(days), scrub(day), release(day), next}.
  function createDateControl(L, nDays, format, actions) {
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
