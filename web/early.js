// Until app.wasm runs, the page is the server's prerendering under go-app's
// loading screen, and Tab still reaches its fields. Submitted there, a form
// would go the plain-HTML way: the page reloads to /?text=…, the text gone
// and in the address. This script, loaded before the body, keeps such
// submits in the page and holds what was typed and submitted; the app takes
// it when it starts (app/early.go) and acts on it as if it had been there.
// It touches nothing the app renders: the app's DOM replaces the
// prerendered one, which is all this script looks at.
"use strict";
window.chatEarly = (() => {
  const early = {
    values: {}, // field id: its text, typed and not submitted
    submits: [], // {form: id, values: {field id: text}}, in order
    focus: "", // the field last focused
    taken: false,
    root: null, // the prerendered page, once parsed
  };
  const prerendered = (el) =>
    !early.taken && el instanceof Element && el.id !== "" &&
    (early.root === null || early.root.contains(el));
  document.addEventListener("DOMContentLoaded", () => {
    early.root = document.body.firstElementChild;
  });
  document.addEventListener("input", (e) => {
    if (prerendered(e.target)) early.values[e.target.id] = e.target.value;
  }, true);
  document.addEventListener("focusin", (e) => {
    if (prerendered(e.target)) early.focus = e.target.id;
  }, true);
  document.addEventListener("submit", (e) => {
    if (!prerendered(e.target)) return;
    e.preventDefault();
    const values = {};
    for (const el of e.target.elements) {
      if (el.id !== "" && el.type !== "submit" && "value" in el) values[el.id] = el.value;
    }
    early.submits.push({ form: e.target.id, values });
    // A message or a room name leaves its field when submitted, as in the
    // app (which puts back one it refuses), so that the next one typed is
    // one of its own.
    if (e.target.id === "composer" || e.target.id === "room-form") {
      for (const id of Object.keys(values)) {
        document.getElementById(id).value = "";
        early.values[id] = "";
      }
    }
  }, true);
  // take is the app's: it stops this script and returns what it held, as
  // JSON.
  early.take = () => {
    early.taken = true;
    return JSON.stringify({ values: early.values, submits: early.submits, focus: early.focus });
  };
  return early;
})();
