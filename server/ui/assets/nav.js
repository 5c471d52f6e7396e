// nav.js: in-app navigation (history API); app.js registers the renderer.
let renderer = () => {};

export function setRenderer(fn) {
  renderer = fn;
}

export function navigate(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  renderer();
}
