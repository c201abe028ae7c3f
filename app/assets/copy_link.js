// "Copy link" and "Copy citation": buttons that copy the link Python gives (the map page's URL with its date,
// claimants and view) or the citation to the clipboard, and say so; where the clipboard API is missing or refused,
// the text is shown selected (and copied the old way where the browser still allows it).
// Streamlit calls the default export again whenever `data` changes, with the same parentElement.
const buttons = new WeakMap();

function copyButton(label, title, copied, manualLabel, textOf) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.title = title;
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  status.style.marginLeft = "0.5rem";
  const manual = document.createElement("input");
  manual.type = "text";
  manual.readOnly = true;
  manual.hidden = true;
  manual.setAttribute("aria-label", manualLabel);
  manual.style.width = "100%";
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(textOf());
      status.textContent = copied;
      manual.hidden = true;
    } catch (err) {
      // No clipboard API (a page served over plain HTTP from another machine) or refused: the text, selected.
      manual.value = textOf();
      manual.hidden = false;
      manual.focus();
      manual.select();
      let done = false;
      try {
        done = document.execCommand("copy");
      } catch (ignored) {
        done = false;
      }
      status.textContent = done ? copied : "Copy the selected text";
    }
  });
  return { button, status, manual };
}

function create(parentElement) {
  const root = document.createElement("div");
  root.className = "cm-copy-link";
  const state = { url: "", citation: "" };
  const link = copyButton("Copy link", "Copy a link to this map: the same date, claimants and view", "Link copied",
    "Link to this map", () => state.url);
  const cite = copyButton("Copy citation", "Copy the text to cite this map by (date, claimants, data version, link)",
    "Citation copied", "Citation of this map", () => state.citation);
  const row = document.createElement("div");
  row.append(link.button, link.status, " ", cite.button, cite.status);
  root.append(row, link.manual, cite.manual);
  parentElement.appendChild(root);
  return Object.assign(state, { parts: [link, cite] });
}

export default function ({ data, parentElement }) {
  let state = buttons.get(parentElement);
  if (!state) {
    state = create(parentElement);
    buttons.set(parentElement, state);
  }
  if (state.url !== data.url || state.citation !== (data.citation || "")) {
    state.url = data.url;
    state.citation = data.citation || "";
    for (const part of state.parts) part.status.textContent = "";
    state.parts[0].manual.value = state.url;
    state.parts[1].manual.value = state.citation;
  }
  return () => {
    buttons.delete(parentElement);
  };
}
