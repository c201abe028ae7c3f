// Bridge between Python and the settlement map(s) of this page. Scrubbing and playing happen in the
// map's own control; this pushes Python's day to the map and reports the map's committed days and the
// views the user moves to back (for the URL), without a full rerun or a word from the map component.
// Streamlit calls the default export again whenever `data` changes, with the same parentElement.
const bridges = new WeakMap();

function mapApis() {
  const apis = [];
  for (const frame of document.querySelectorAll("iframe")) {
    try {
      const api = frame.contentWindow && frame.contentWindow.controlmap;
      if (api) apis.push(api);
    } catch (err) {
      // a cross-origin frame is not a map of ours
    }
  }
  return apis;
}

function createBridge() {
  const bridge = {
    lastDay: undefined,
    pendingCommit: null,
    report: () => {},
    reportView: () => {},
    unsubscribers: new Map(),
  };

  bridge.subscribe = () => {
    const live = mapApis();
    for (const [api, unsubscribe] of bridge.unsubscribers) {
      if (!live.includes(api)) {
        bridge.unsubscribers.delete(api);
        try {
          unsubscribe();
        } catch (err) {
          // the map's frame is gone
        }
      }
    }
    for (const api of live) {
      if (!bridge.unsubscribers.has(api)) {
        const offDay = api.onDayCommitted((day) => bridge.commit(day));
        const offView = api.onViewChanged((view) => bridge.reportView(view));
        bridge.unsubscribers.set(api, () => {
          offDay();
          offView();
        });
      }
    }
  };

  bridge.commit = (day) => {
    window.__controlmapDay = day;
    bridge.pendingCommit = day;
    bridge.report(day);
  };

  bridge.receive = (day) => {
    // The rerun that answers our own commit brings that day back: the map is already there, and
    // may have moved on since (a new drag), so it is not pushed again.
    const isEcho = bridge.pendingCommit === day;
    bridge.pendingCommit = null;
    if (day === bridge.lastDay) return;
    bridge.lastDay = day;
    if (isEcho) return;
    window.__controlmapDay = day;
    for (const api of mapApis()) {
      // A day chosen in Python (a button, the URL) ends any playback: the user asked for that day.
      api.stop();
      if (api.getDay() !== day) api.setDay(day, { commit: false });  // the host already holds this day
    }
  };

  bridge.onMapReady = () => bridge.subscribe();
  window.addEventListener("controlmap:ready", bridge.onMapReady);

  bridge.dispose = () => {
    window.removeEventListener("controlmap:ready", bridge.onMapReady);
    for (const unsubscribe of bridge.unsubscribers.values()) {
      try {
        unsubscribe();
      } catch (err) {
        // the map's frame is gone
      }
    }
    bridge.unsubscribers.clear();
  };
  return bridge;
}

export default function ({ data, parentElement, setTriggerValue }) {
  let bridge = bridges.get(parentElement);
  if (!bridge) {
    bridge = createBridge();
    bridges.set(parentElement, bridge);
  }
  bridge.report = (day) => setTriggerValue("day", day);
  bridge.reportView = (view) => setTriggerValue("view", view);
  bridge.subscribe();
  bridge.receive(data.day);
  return () => {
    bridge.dispose();
    bridges.delete(parentElement);
  };
}
