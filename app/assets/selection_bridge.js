// Tells the settlement map(s) of this page which claimant selection to show and which to draw a second front
// line for, without rebuilding the map: a selection the map lacks comes packed with the message, once per full
// run of the page (wire.selection_wire; the map keeps it). Streamlit calls the default export again
// whenever `data` changes.
const states = new WeakMap();

function mapApis() {
  const apis = [];
  for (const frame of document.querySelectorAll("iframe")) {
    try {
      const api = frame.contentWindow && frame.contentWindow.controlmap;
      if (api && api.addPackedSelection) apis.push(api);
    } catch (err) {
      // a cross-origin frame is not a map of ours
    }
  }
  return apis;
}

async function ensure(api, key, packed) {
  if (key === null || key === undefined) return true;
  if (api.selections().includes(key)) return true;
  if (!packed || !packed[key]) return false;
  await api.addPackedSelection(key, packed[key]);
  return true;
}

async function apply(state) {
  const { show, compare, packed } = state.data;
  for (const api of mapApis()) {
    try {
      if (await ensure(api, show, packed) && api.selection() !== show) api.setSelection(show);
      const current = api.compareLine();
      const currentKey = current ? current.selection : null;
      if (await ensure(api, compare, packed) && currentKey !== compare) api.compareWith(compare);
    } catch (err) {
      console.error("controlmap: the claimant selection could not be shown", err);
    }
  }
}

export default function ({ data, parentElement }) {
  let state = states.get(parentElement);
  if (!state) {
    state = { data: data, onReady: null };
    state.onReady = () => apply(state);
    window.addEventListener("controlmap:ready", state.onReady);
    states.set(parentElement, state);
  }
  state.data = data;
  apply(state);
  return () => {
    window.removeEventListener("controlmap:ready", state.onReady);
    states.delete(parentElement);
  };
}
