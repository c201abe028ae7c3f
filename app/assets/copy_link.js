// "Copy link": a button that copies the link Python gives (the map page's URL with its date, claimants and view)
// to the clipboard, and says so; where the clipboard API is missing or refused, the link is shown selected (and
// copied the old way where the browser still allows it).
// Streamlit calls the default export again whenever `data` changes, with the same parentElement.
const buttons = new WeakMap();

function create(parentElement) {
  const root = document.createElement("div");
  root.className = "cm-copy-link";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Copy link";
  button.title = "Copy a link to this map: the same date, claimants and view";
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  status.style.marginLeft = "0.5rem";
  const manual = document.createElement("input");
  manual.type = "text";
  manual.readOnly = true;
  manual.hidden = true;
  manual.setAttribute("aria-label", "Link to this map");
  manual.style.width = "100%";
  root.append(button, status, manual);
  parentElement.appendChild(root);
  const state = { url: "", button, status, manual };
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(state.url);
      status.textContent = "Link copied";
      manual.hidden = true;
    } catch (err) {
      // No clipboard API (a page served over plain HTTP from another machine) or refused: the link, selected.
      manual.value = state.url;
      manual.hidden = false;
      manual.focus();
      manual.select();
      let copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (ignored) {
        copied = false;
      }
      status.textContent = copied ? "Link copied" : "Copy the selected link";
    }
  });
  return state;
}

export default function ({ data, parentElement }) {
  let state = buttons.get(parentElement);
  if (!state) {
    state = create(parentElement);
    buttons.set(parentElement, state);
  }
  if (state.url !== data.url) {
    state.url = data.url;
    state.status.textContent = "";
    state.manual.value = data.url;
  }
  return () => {
    buttons.delete(parentElement);
  };
}
