// The dashboard: sign-in, navigation, the time range, and the view in the hash (#/spend?range=day).

import { adminKey, signIn, signOut, get, ApiError } from './api.js';
import { h, fill } from './dom.js';
import { VIEWS } from './views.js';
import { zoneLabel } from './format.js';

const RANGES = [['hour', 'Last hour'], ['day', 'Last day'], ['week', 'Last 7 days'], ['month', 'Last 30 days']];

const page = {
  signin: document.getElementById('signin'),
  app: document.getElementById('app'),
  nav: document.getElementById('nav'),
  ranges: document.getElementById('ranges'),
  main: document.getElementById('main'),
  status: document.getElementById('status'),
};

let config = null; // GET /admin/config, read at sign-in
let disposers = [];
let generation = 0;

/** The view and its parameters, from the hash. */
function current() {
  const [path, query] = window.location.hash.replace(/^#\/?/, '').split('?');
  const view = VIEWS.find((v) => v.id === path) || VIEWS[0];
  const params = Object.fromEntries(new URLSearchParams(query || ''));
  const range = RANGES.some(([r]) => r === params.range) ? params.range : sessionStorage.getItem('sluice.range') || 'day';
  return { view, params, range };
}

function go(view, params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v != null && v !== ''));
  const qs = q.toString();
  window.location.hash = '#/' + view.id + (qs ? '?' + qs : '');
}

// ------------------------------------------------------------------ sign-in

function showSignIn(message) {
  page.app.hidden = true;
  page.signin.hidden = false;
  const error = document.getElementById('signin-error');
  error.textContent = message || '';
  error.hidden = !message;
  document.getElementById('key').focus();
}

document.getElementById('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = document.getElementById('key');
  const button = e.submitter || document.querySelector('#signin-form button');
  const key = input.value.trim();
  if (!key) return showSignIn('Enter the admin key.');
  button.disabled = true;
  button.textContent = 'Checking…';
  try {
    config = await get('/admin/config', {}, key);
    signIn(key);
    input.value = '';
    showApp();
  } catch (err) {
    showSignIn(refusal(err));
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
});

function refusal(err) {
  if (!(err instanceof ApiError)) return String(err);
  if (err.code === 'admin_only') return 'That is a tenant\'s key. The dashboard needs the admin key.';
  if (err.status === 401) return 'That key was refused: it is not the admin key of this Sluice.';
  return err.message;
}

document.getElementById('signout').addEventListener('click', () => {
  signOut();
  config = null;
  dispose();
  fill(page.main);
  showSignIn();
});

// ------------------------------------------------------------------ the views

function dispose() {
  for (const d of disposers) {
    try {
      d.destroy();
    } catch {
      // already gone
    }
  }
  disposers = [];
}

function showApp() {
  page.signin.hidden = true;
  page.app.hidden = false;
  render();
}

async function render() {
  if (!adminKey()) return showSignIn();
  const here = current();
  sessionStorage.setItem('sluice.range', here.range);
  const mine = ++generation;
  document.title = here.view.title + ' · Sluice';

  fill(page.nav, VIEWS.map((v) => h('a', {
    href: '#/' + v.id + '?range=' + here.range, class: v === here.view ? 'on' : null,
    'aria-current': v === here.view ? 'page' : null,
  }, v.title)));
  fill(page.ranges, here.view.range
    ? RANGES.map(([r, label]) => h('button', {
      type: 'button', class: r === here.range ? 'on' : null, 'aria-pressed': String(r === here.range),
      onclick: () => go(here.view, { ...here.params, range: r }),
    }, label))
    : h('span', { class: 'note' }, 'Each budget follows its own period.'));

  dispose();
  const root = h('div', { class: 'view', id: 'view-' + here.view.id, 'aria-busy': 'true',
    dataset: { query: window.location.hash.split('?')[1] || '' } });
  fill(page.main, h('p', { class: 'loading' }, 'Loading ' + here.view.title.toLowerCase() + '…'));
  const mounted = [];
  const ctx = {
    range: here.range,
    params: here.params,
    config,
    set: (changes) => go(here.view, { ...here.params, range: here.range, ...changes }),
    own: (d) => disposers.push(d),
    afterMount: (fn) => mounted.push(fn),
  };
  try {
    if (!config) config = ctx.config = await get('/admin/config');
    await here.view.render(root, ctx);
    if (mine !== generation) return; // the reader moved on meanwhile
    fill(page.main, root);
    for (const fn of mounted) fn();
    root.setAttribute('aria-busy', 'false');
    root.dataset.loaded = 'true';
    page.status.textContent = 'Updated ' + new Date().toLocaleTimeString() + ' · times in ' + zoneLabel();
  } catch (err) {
    if (mine !== generation) return;
    if (!(err instanceof ApiError)) console.error(err); // a fault of the page itself
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      return showSignIn('The admin key was refused (it may have changed). Sign in again.');
    }
    fill(page.main, h('div', { class: 'failure', role: 'alert' },
      h('h2', {}, 'Could not load ' + here.view.title.toLowerCase()),
      h('p', {}, err.message || String(err)),
      h('button', { type: 'button', onclick: render }, 'Try again')));
  }
}

document.getElementById('refresh').addEventListener('click', render);
window.addEventListener('hashchange', render);

if (adminKey()) showApp(); else showSignIn();
