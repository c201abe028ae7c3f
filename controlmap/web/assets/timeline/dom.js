/* DOM helpers for the browser parts: elements whose text is always set as text (payload strings are
   untrusted), DOM listeners that can all be removed at once, and a readable message in the map when
   something fails. */
(function (root) {
  "use strict";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // DOM listeners added through `on` and removed together by `offAll`.
  function listeners() {
    const added = [];
    return {
      on(target, type, handler) {
        target.addEventListener(type, handler);
        added.push([target, type, handler]);
      },
      offAll() {
        for (const [target, type, handler] of added.splice(0)) target.removeEventListener(type, handler);
      },
    };
  }

  // A message in the map's container (the map itself may be unusable); a second one replaces the first.
  function showProblem(container, message) {
    let box = container.querySelector(":scope > .cm-problem");
    if (!box) {
      box = el("div", "cm-problem");
      box.setAttribute("role", "alert");
      container.appendChild(box);
    }
    box.textContent = message;
    return box;
  }

  // Makes the map's frame (the iframe of a same-origin page, as streamlit-folium's) as tall as the page's
  // window allows below where the frame starts, `margin` px to spare and `min` px at least, by CSS: the
  // frame then follows the window's height (Leaflet follows the frame's). False when not in such a frame.
  function fillWindow(container, margin, min) {
    let frame = null;
    try {
      frame = window.frameElement;
    } catch (err) {
      return false;
    }
    if (!frame) return false;
    const top = Math.max(0, Math.round(frame.getBoundingClientRect().top));
    frame.style.height = "max(" + min + "px, calc(100vh - " + (top + margin) + "px))";
    container.style.height = "100vh";
    return true;
  }

  function describe(err) {
    return err && err.message ? err.message : String(err);
  }

  root.controlmapParts.dom = { el: el, listeners: listeners, showProblem: showProblem, fillWindow: fillWindow,
    describe: describe };
})(typeof globalThis !== "undefined" ? globalThis : this);
