// Building the page: elements are made with text nodes only, never from HTML strings, since
// tenant, feature, model and run names come from clients.

/** h('div', {class: 'x', onclick: f, style: {'--c': 'red'}}, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    // through the CSSOM: the page's policy refuses style attributes
    else if (k === 'style') for (const [p, pv] of Object.entries(v)) e.style.setProperty(p, pv);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

function append(e, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(e, c);
    else e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces what an element holds. */
export function fill(e, ...children) {
  e.replaceChildren();
  append(e, children);
  return e;
}
