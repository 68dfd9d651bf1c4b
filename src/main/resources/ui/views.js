// The dashboard's views. Each one reads the admin API and draws into the page; none keeps state
// beyond what the URL's hash says (view, range, choices).

import { get, ApiError } from './api.js';
import { h, fill } from './dom.js';
import { timeChart, PALETTE } from './charts.js';
import * as f from './format.js';

const RANGE_PHRASE = { hour: 'in the last hour', day: 'in the last day', week: 'in the last 7 days', month: 'in the last 30 days' };

// ------------------------------------------------------------------ building blocks

function panel(title, subtitle, ...content) {
  return h('section', { class: 'panel' },
    h('header', { class: 'panel-head' }, h('h2', {}, title), subtitle ? h('p', { class: 'sub' }, subtitle) : null),
    content);
}

function tiles(items) {
  return h('div', { class: 'tiles' }, items.map((t) =>
    h('div', { class: 'tile' + (t.tone ? ' ' + t.tone : ''), dataset: { tile: t.id, value: t.raw ?? '' } },
      h('div', { class: 'tile-label' }, t.label),
      h('div', { class: 'tile-value' }, t.value),
      t.hint ? h('div', { class: 'tile-hint' }, t.hint) : null)));
}

/** What to show when there is nothing: what it means, and what to do about it. */
function empty(title, ...lines) {
  return h('div', { class: 'empty', role: 'status' }, h('h3', {}, title),
    lines.map((l) => (typeof l === 'string' ? h('p', {}, l) : l)));
}

function code(text) {
  return h('pre', { class: 'code' }, h('code', {}, text));
}

/** A row of buttons choosing one value; `choose(value)` is called on a click. */
function choice(label, options, current, choose) {
  return h('div', { class: 'choice', role: 'group', 'aria-label': label },
    h('span', { class: 'choice-label' }, label),
    options.map(([value, text]) => h('button', {
      type: 'button', class: value === current ? 'on' : null, 'aria-pressed': String(value === current),
      onclick: () => choose(value),
    }, text)));
}

function table(columns, rows, opts = {}) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data' + (opts.clickable ? ' clickable' : '') },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : null, scope: 'col' }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', {
      dataset: r.dataset, tabindex: opts.clickable ? '0' : null,
      onclick: opts.clickable ? () => opts.onRow(r) : null,
      onkeydown: opts.clickable ? (e) => { if (e.key === 'Enter') opts.onRow(r); } : null,
    }, columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.cell(r))))))));
}

function chartBox(ctx, spec) {
  const box = h('div', { class: 'chart', dataset: { chart: spec.id } });
  // drawn once the box is in the page, so that it knows its width
  ctx.afterMount(() => ctx.own(timeChart(box, spec)));
  return box;
}

/** Marks the view with the window it shows, for whoever checks it against the usage API. */
function markWindow(root, w) {
  root.dataset.from = w.from;
  root.dataset.to = w.to;
  root.dataset.granularity = w.granularity;
}

function noTraffic(ctx) {
  const base = location.origin + '/v1';
  const model = ctx.config && ctx.config.models && ctx.config.models.length ? ctx.config.models[0].name : 'MODEL';
  return empty('No traffic ' + RANGE_PHRASE[ctx.range] + '.',
    'Point any OpenAI client at ' + base + ' (set its base URL) and calls show up here within seconds. For example:',
    code(`curl ${base}/chat/completions \\\n  -H "Authorization: Bearer $SLUICE_KEY" -H "Content-Type: application/json" \\\n`
      + `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`),
    'Tag calls with X-Sluice-Feature and X-Sluice-Run headers to split spend by feature and by agent run.',
    ctx.range === 'month' ? null : 'Older calls? Choose a longer time range above.');
}

function nameOf(dimension, name) {
  if (name != null) return name;
  return { feature: '(no feature)', model: '(no model)', tenant: '(no tenant)', mechanism: '(none)' }[dimension] || '(none)';
}

function totalsOf(usage) {
  const r = usage.rows && usage.rows[0];
  return r || { requests: 0, input_tokens: 0, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 0,
    cost_usd: 0, charge_usd: 0, avoided_usd: 0, unpriced_requests: 0 };
}

function allTokens(r) {
  return r.input_tokens + r.cached_input_tokens + r.cache_write_tokens + r.output_tokens;
}

// ------------------------------------------------------------------ spend

const DIMENSIONS = [['tenant', 'Tenant'], ['feature', 'Feature'], ['model', 'Model']];
const MONEY = [['cost_usd', 'Cost'], ['charge_usd', 'Billed']];

async function spend(root, ctx) {
  const by = ctx.params.by || 'tenant';
  const measure = ctx.params.measure || 'cost_usd';
  const series = await get('/admin/usage/series', { range: ctx.range, group_by: by, measure });
  markWindow(root, series);
  const t = totalsOf(await get('/admin/usage', { from: series.from, to: series.to }));
  const head = tiles([
    { id: 'cost', label: 'Spend (upstream cost)', value: f.usd(t.cost_usd), raw: t.cost_usd,
      hint: t.unpriced_requests ? f.count(t.unpriced_requests) + ' calls without a price' : 'what the backends charge' },
    { id: 'charge', label: 'Billed to tenants', value: f.usd(t.charge_usd), raw: t.charge_usd, hint: 'from their plans' },
    { id: 'requests', label: 'Requests', value: f.count(t.requests), raw: t.requests },
    { id: 'tokens', label: 'Tokens', value: f.count(allTokens(t)), raw: allTokens(t),
      hint: f.count(t.input_tokens + t.cached_input_tokens + t.cache_write_tokens) + ' in · ' + f.count(t.output_tokens) + ' out' },
    { id: 'avoided', label: 'Avoided', value: f.usd(t.avoided_usd), raw: t.avoided_usd, tone: t.avoided_usd > 0 ? 'good' : null,
      hint: 'by caches, cascades, run guards' },
  ]);
  if (t.requests === 0) return fill(root, head, panel('Spend over time', null, noTraffic(ctx)));
  const label = measure === 'cost_usd' ? 'Spend' : 'Billed';
  const controls = h('div', { class: 'controls' },
    choice('By', DIMENSIONS, by, (v) => ctx.set({ by: v })),
    choice('Show', MONEY, measure, (v) => ctx.set({ measure: v })));
  const body = series.series.length === 0
    ? empty('Nothing to show: these calls cost $0.', t.unpriced_requests
      ? f.count(t.unpriced_requests) + ' of them have no price: give their models a price in the config (price: {input_per_mtok, output_per_mtok}).'
      : 'They were refused or answered without tokens.')
    : chartBox(ctx, {
      id: 'spend', kind: 'stacked', unit: 'usd', yLabel: label + ' per ' + series.granularity + ' (USD)',
      times: series.times, granularity: series.granularity,
      series: series.series.map((s) => ({ name: s.other ? `${s.groups} other ${by}s` : nameOf(by, s.name), key: s.name,
        values: s.values, total: s.total, other: s.other })),
    });
  fill(root, head, panel(label + ' by ' + by, f.usd(series.total) + ' ' + RANGE_PHRASE[ctx.range]
    + ', per ' + series.granularity + ' (' + f.zoneLabel() + ')', controls, body));
}

// ------------------------------------------------------------------ savings

const MECHANISMS = {
  exact: 'Exact cache',
  semantic: 'Semantic cache',
  joined: 'Joined identical calls',
  cascade: 'Cascade to a cheaper model',
  run_guard: 'Run guard (stopped runaway runs)',
};

async function savings(root, ctx) {
  const series = await get('/admin/usage/series', { range: ctx.range, group_by: 'mechanism', measure: 'avoided_usd' });
  markWindow(root, series);
  const t = totalsOf(await get('/admin/usage', { from: series.from, to: series.to }));
  const byMechanism = await get('/admin/usage', { from: series.from, to: series.to, group_by: 'mechanism' });
  const wouldHave = t.cost_usd + t.avoided_usd;
  const head = tiles([
    { id: 'avoided', label: 'Avoided spend', value: f.usd(t.avoided_usd), raw: t.avoided_usd, tone: t.avoided_usd > 0 ? 'good' : null },
    { id: 'cost', label: 'Spent', value: f.usd(t.cost_usd), raw: t.cost_usd },
    { id: 'saved', label: 'Saved', value: wouldHave > 0 ? f.percent(t.avoided_usd / wouldHave) : '–',
      hint: 'of what the calls would have cost' },
  ]);
  if (t.requests === 0) return fill(root, head, panel('Avoided spend by mechanism', null, noTraffic(ctx)));
  if (series.series.length === 0) {
    return fill(root, head, panel('Avoided spend by mechanism', null, empty('Nothing avoided ' + RANGE_PHRASE[ctx.range] + '.',
      'Savings show up here when the exact or semantic cache answers a call, identical calls in flight are joined, '
      + 'a cascade lets a cheaper model answer, or a run guard stops a runaway agent.',
      'Switch them on per model in the config (cache:, cascade:) and per tenant (runs:).')));
  }
  const rows = byMechanism.rows.filter((r) => r.mechanism != null && r.avoided_usd > 0)
    .sort((a, b) => b.avoided_usd - a.avoided_usd);
  fill(root, head, panel('Avoided spend by mechanism', f.usd(series.total) + ' ' + RANGE_PHRASE[ctx.range]
    + ', per ' + series.granularity + ' (' + f.zoneLabel() + ')',
  chartBox(ctx, {
    id: 'savings', kind: 'stacked', unit: 'usd', yLabel: 'Avoided per ' + series.granularity + ' (USD)',
    times: series.times, granularity: series.granularity,
    series: series.series.map((s) => ({ name: s.other ? 'other' : MECHANISMS[s.name] || s.name, key: s.name,
      values: s.values, total: s.total, other: s.other })),
  }),
  table([
    { label: 'Mechanism', cell: (r) => MECHANISMS[r.mechanism] || r.mechanism },
    { label: 'Calls', num: true, cell: (r) => f.count(r.requests) },
    { label: 'Avoided', num: true, cell: (r) => f.usd(r.avoided_usd) },
    { label: 'Share', num: true, cell: (r) => f.percent(r.avoided_usd / t.avoided_usd) },
  ], rows.map((r) => ({ ...r, dataset: { mechanism: r.mechanism } })))));
}

// ------------------------------------------------------------------ budgets

const PERIODS = { day: 'per day', week: 'per week', month: 'per month', total: 'in total' };

function budgetTitle(b) {
  switch (b.scope) {
    case 'key': return [b.tenant, ' · key ', h('code', {}, b.target)];
    case 'feature': return [b.tenant, ' · feature ', h('code', {}, b.target)];
    case 'user': return [b.tenant, ' · user ', h('code', {}, b.target)];
    default: return [b.tenant];
  }
}

function forecastText(b) {
  const over = b.rate_window_hours >= 24 ? 'the last 24 h' : 'the period so far (' + b.rate_window_hours + ' h)';
  if (b.exhausted) {
    return b.action === 'block'
      ? 'Exhausted: calls are refused' + (b.period_end ? ' until ' + f.dateTime(b.period_end) : '') + '.'
      : 'Over budget. It only alerts, so calls go on.';
  }
  if (b.burn_rate_usd_per_day <= 0) return 'Nothing spent in ' + over + ', so no exhaustion in sight.';
  const rate = 'At ' + f.usd(b.burn_rate_usd_per_day) + ' a day (the rate over ' + over + ')';
  if (b.runs_out_this_period) {
    return rate + ', it runs out ' + f.dateTime(b.exhausts_at) + ', ' + f.fromNow(b.exhausts_at)
      + (b.period_end ? ', before it resets ' + f.dateTime(b.period_end) : '') + '.';
  }
  if (!b.exhausts_at) return rate + ', it will not run out for a century.';
  return rate + (b.period_end ? ', it lasts the period: it resets ' + f.dateTime(b.period_end)
    : ', it runs out ' + f.dateTime(b.exhausts_at) + ', ' + f.fromNow(b.exhausts_at)) + '.';
}

function budgetCard(ctx, b) {
  const used = Math.max(0, b.used);
  const tone = b.exhausted || used >= 0.8 ? 'bad' : used >= 0.5 ? 'warn' : 'ok';
  const now = Date.now() / 1000;
  const bd = b.burn_down;
  const times = bd.times.slice();
  const remaining = bd.remaining_usd.slice();
  // the projection: from now, at the burn rate, to the exhaustion or the end of the period
  const end = b.period_end ? Date.parse(b.period_end) / 1000 : null;
  const out = b.exhausts_at ? Date.parse(b.exhausts_at) / 1000 : null;
  const projEnd = end != null ? (out != null ? Math.min(out, end) : end) : (out != null ? Math.min(out, now + 30 * 86400) : null);
  const projection = times.map(() => null);
  const last = times.length - 1;
  if (projEnd != null && projEnd > times[last] && !b.exhausted) {
    projection[last] = remaining[last];
    times.push(projEnd);
    remaining.push(null);
    projection.push(remaining[last] - (b.burn_rate_usd_per_day * (projEnd - times[last])) / 86400);
  }
  return h('article', { class: 'budget', dataset: { budget: b.id } },
    h('header', { class: 'budget-head' },
      h('h3', {}, budgetTitle(b)),
      h('span', { class: 'badge' }, f.usd(b.amount_usd) + ' ' + PERIODS[b.period]),
      h('span', { class: 'badge ' + (b.action === 'block' ? 'block' : 'alert') }, b.action === 'block' ? 'blocks calls' : 'alerts only')),
    h('div', { class: 'budget-numbers' },
      h('span', { class: 'big', dataset: { spent: b.spent_usd } }, f.usd(b.spent_usd)),
      ' spent of ', f.usd(b.amount_usd), ' · ', h('strong', {}, f.percent(b.used)), ' used · ',
      f.usd(b.remaining_usd), ' left'),
    h('div', { class: 'meter ' + tone, role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100',
      'aria-valuenow': String(Math.round(Math.min(1, used) * 100)) },
    h('div', { class: 'meter-fill', style: { width: Math.min(100, used * 100).toFixed(1) + '%' } })),
    h('p', { class: 'forecast ' + tone, dataset: { exhaustsAt: b.exhausts_at || '' } }, forecastText(b)),
    chartBox(ctx, {
      id: 'budget-' + b.id, kind: 'lines', unit: 'usd', yLabel: 'Remaining (USD)', height: 200,
      times, granularity: bd.granularity, yMax: Math.max(b.amount_usd, ...bd.remaining_usd) * 1.05,
      xMax: Math.max(times[times.length - 1], end ?? 0), legendTotals: false,
      series: [
        { name: 'Remaining', values: remaining, color: '#4e79a7', points: false },
        { name: 'Projected at the current rate', values: projection, color: '#e15759', dash: [6, 5], spanGaps: true, points: false },
      ],
    }));
}

async function budgets(root, ctx) {
  const status = await get('/admin/budgets/status');
  if (status.data.length === 0) {
    return fill(root, panel('Budgets', null, empty('No budgets yet.',
      'A budget caps what a tenant, a key, a feature or an end user may spend per day, week or month (or in total), '
      + 'and either refuses calls beyond it or only alerts. Create one with the admin API:',
      code(`curl -X POST ${location.origin}/admin/budgets \\\n  -H "Authorization: Bearer $SLUICE_ADMIN_KEY" -H "Content-Type: application/json" \\\n`
        + `  -d '{"scope": "tenant", "tenant": "default", "amount_usd": 50, "period": "month", "action": "block"}'`),
      'It appears here with its burn-down and the day it runs out at the current rate.')));
  }
  const list = status.data.slice().sort((a, b) => (b.exhausted - a.exhausted) || (b.used - a.used));
  fill(root, panel('Budgets', list.length + (list.length === 1 ? ' budget' : ' budgets')
    + ', fullest first. Each burns down over its own period; the dashed line projects the rate of the last 24 hours.',
  h('div', { class: 'budgets' }, list.map((b) => budgetCard(ctx, b)))));
}

// ------------------------------------------------------------------ runs

async function runs(root, ctx) {
  const top = await get('/admin/usage/runs', { range: ctx.range, limit: 20 });
  markWindow(root, top);
  if (top.data.length === 0) {
    return fill(root, panel('Costliest runs', null, empty('No agent runs ' + RANGE_PHRASE[ctx.range] + '.',
      'A run is one task of an agent: all the calls it makes for it. Send the same id with each of them, '
      + 'as the header X-Sluice-Run: <id> (or metadata.run_id, or a W3C traceparent), to see what each run costs.')));
  }
  const max = Math.max(...top.data.map((r) => r.cost_usd), 1e-12);
  const details = h('div', { class: 'run-details', 'aria-live': 'polite' });
  const show = (r) => runDetails(details, r);
  fill(root, panel('Costliest runs', (top.runs > top.data.length ? 'The ' + top.data.length + ' dearest of ' : '')
    + f.count(top.runs) + (top.runs === 1 ? ' run ' : ' runs ') + RANGE_PHRASE[ctx.range] + '. Choose one for its calls.',
  table([
    { label: 'Run', cell: (r) => h('code', {}, r.run) },
    { label: 'Tenant', cell: (r) => r.tenant },
    { label: 'Calls', num: true, cell: (r) => f.count(r.requests) },
    { label: 'Tokens', num: true, cell: (r) => f.count(r.tokens) },
    { label: 'Cost', num: true, cell: (r) => h('span', { class: 'bar-cell' },
      h('span', { class: 'bar', style: { width: ((r.cost_usd / max) * 100).toFixed(1) + '%' } }), f.usd(r.cost_usd)) },
    { label: 'Billed', num: true, cell: (r) => f.usd(r.charge_usd) },
    { label: 'Avoided', num: true, cell: (r) => f.usd(r.avoided_usd) },
  ], top.data.map((r) => ({ ...r, dataset: { run: r.run, tenant: r.tenant, cost: r.cost_usd } })),
  { clickable: true, onRow: show }), details));
}

/** A run's own report from GET /admin/runs/{id} when this Sluice has one; else what the table said. */
async function runDetails(box, r) {
  fill(box, h('p', { class: 'loading' }, 'Loading run ' + r.run + '…'));
  const summary = h('dl', { class: 'facts' }, [
    ['Run', h('code', {}, r.run)], ['Tenant', r.tenant], ['Calls', f.count(r.requests)],
    ['Tokens', f.count(r.tokens)], ['Cost', f.usd(r.cost_usd)], ['Billed', f.usd(r.charge_usd)],
  ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  let report;
  try {
    report = await get('/admin/runs/' + encodeURIComponent(r.run), { tenant: r.tenant });
  } catch (e) {
    const missing = e instanceof ApiError && e.code === 'unknown_url';
    return fill(box, h('h3', {}, 'Run ', h('code', {}, r.run)), summary,
      h('p', { class: 'sub' }, missing ? 'This Sluice has no per-run report (GET /admin/runs/{id}); these are the run\'s totals.'
        : 'Its report could not be read: ' + e.message));
  }
  // Shown generically: the report's plain fields, then its first list of calls as a table.
  const scalars = Object.entries(report).filter(([, v]) => v == null || typeof v !== 'object');
  const list = Object.entries(report).find(([, v]) => Array.isArray(v) && v.length && typeof v[0] === 'object');
  const facts = h('dl', { class: 'facts' }, scalars.flatMap(([k, v]) => [h('dt', {}, k.replaceAll('_', ' ')), h('dd', {}, String(v))]));
  let calls = null;
  if (list) {
    const keys = [...new Set(list[1].slice(0, 5).flatMap((c) => Object.keys(c).filter((k) => c[k] == null || typeof c[k] !== 'object')))].slice(0, 9);
    calls = table(keys.map((k) => ({ label: k.replaceAll('_', ' '), cell: (c) => (c[k] == null ? '' : String(c[k])) })), list[1]);
  }
  fill(box, h('h3', {}, 'Run ', h('code', {}, r.run)), facts, calls);
}

// ------------------------------------------------------------------ latency

/** A backend as X-Sluice-Route names it: model/deployment. */
function backend(r) {
  return r.model + '/' + r.deployment;
}

const METRICS = [['latency', 'Latency'], ['ttft', 'Time to first token']];
const PERCENTILES = [['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99']];

async function latency(root, ctx) {
  const metric = ctx.params.metric || 'latency';
  const p = ctx.params.p || 'p90';
  const report = await get('/admin/latency', { range: ctx.range, group_by: 'model,deployment' });
  markWindow(root, report);
  if (report.rows.length === 0) {
    return fill(root, panel('Latency by backend', null, empty('No call reached a backend ' + RANGE_PHRASE[ctx.range] + '.',
      'Latency and time to first token are measured on calls a backend answered (cache hits and failures are left out).'),
    h('div', { class: 'hint' }, noTraffic(ctx))));
  }
  const rows = report.rows.slice().sort((a, b) => b.requests - a.requests);
  const key = `${metric}_${p}_ms`;
  const plotted = rows.filter((r) => r.over_time[key].some((v) => v != null));
  const label = metric === 'latency' ? 'Latency' : 'Time to first token';
  const chart = plotted.length === 0
    ? empty('No streamed calls ' + RANGE_PHRASE[ctx.range] + '.', 'Time to first token is measured on streams (stream: true).')
    : chartBox(ctx, {
      id: 'latency', kind: 'lines', unit: 'ms', yLabel: label + ' ' + p + ' (ms)', times: report.times,
      granularity: report.granularity, legendTotals: true,
      series: plotted.map((r) => ({ name: backend(r), values: r.over_time[key], total: (r[metric + '_ms'] || {})[p], points: true })),
    });
  fill(root, panel(label + ' ' + p + ' by backend', 'Per ' + report.granularity + ', ' + RANGE_PHRASE[ctx.range]
    + '; the legend gives the ' + p + ' over the whole range. '
    + (metric === 'ttft' ? 'From each stream\'s arrival to its first chunk.' : 'From each request\'s arrival to its end.'),
  h('div', { class: 'controls' },
    choice('Show', METRICS, metric, (v) => ctx.set({ metric: v })),
    choice('Percentile', PERCENTILES, p, (v) => ctx.set({ p: v }))),
  chart,
  table([
    { label: 'Backend', cell: (r) => h('code', {}, backend(r)) },
    { label: 'Calls', num: true, cell: (r) => f.count(r.requests) },
    { label: 'p50', num: true, cell: (r) => f.ms(r.latency_ms && r.latency_ms.p50) },
    { label: 'p90', num: true, cell: (r) => f.ms(r.latency_ms && r.latency_ms.p90) },
    { label: 'p99', num: true, cell: (r) => f.ms(r.latency_ms && r.latency_ms.p99) },
    { label: 'Streams', num: true, cell: (r) => f.count(r.streams) },
    { label: 'TTFT p50', num: true, cell: (r) => f.ms(r.ttft_ms && r.ttft_ms.p50) },
    { label: 'TTFT p90', num: true, cell: (r) => f.ms(r.ttft_ms && r.ttft_ms.p90) },
    { label: 'TTFT p99', num: true, cell: (r) => f.ms(r.ttft_ms && r.ttft_ms.p99) },
  ], rows.map((r) => ({ ...r, dataset: { backend: backend(r), requests: r.requests } })))));
}

// ------------------------------------------------------------------ errors

const STATUS = {
  200: 'OK', 400: 'Bad request', 401: 'Unauthenticated', 403: 'Forbidden', 404: 'Not found', 408: 'Timeout',
  409: 'Conflict', 413: 'Too large', 422: 'Unprocessable', 429: 'Too many requests', 499: 'Client went away',
  500: 'Server error', 502: 'Bad gateway', 503: 'Unavailable', 504: 'Gateway timeout',
};

/** Green for successes, orange to yellow for refusals and client errors, reds for failures. */
function statusColors(statuses) {
  const shades = { ok: ['#59a14f', '#8cd17d'], client: ['#edc948', '#b6992d', '#ffbe7d', '#d4a6c8'],
    server: ['#e15759', '#9d2a2c', '#ff9d9a', '#b07aa1'] };
  const used = { ok: 0, client: 0, server: 0 };
  return statuses.map((status) => {
    const s = Number(status);
    if (s === 429) return '#f28e2b';
    if (s === 499) return '#bab0ac';
    const kind = s < 400 ? 'ok' : s < 500 ? 'client' : 'server';
    return shades[kind][used[kind]++ % shades[kind].length];
  });
}

async function errors(root, ctx) {
  const series = await get('/admin/usage/series', { range: ctx.range, group_by: 'status', measure: 'requests' });
  markWindow(root, series);
  const byCode = await get('/admin/usage', { from: series.from, to: series.to, group_by: 'status,error_code' });
  const total = byCode.rows.reduce((s, r) => s + r.requests, 0);
  const failed = byCode.rows.filter((r) => Number(r.status) >= 400);
  const errorCount = failed.reduce((s, r) => s + r.requests, 0);
  const worst = failed.slice().sort((a, b) => b.requests - a.requests)[0];
  const head = tiles([
    { id: 'requests', label: 'Requests', value: f.count(total), raw: total },
    { id: 'errors', label: 'Errors', value: f.count(errorCount), raw: errorCount, tone: errorCount ? 'bad' : 'good',
      hint: 'answers with status 400 and up' },
    { id: 'rate', label: 'Error rate', value: total ? f.percent(errorCount / total) : '–', raw: total ? errorCount / total : '',
      tone: total && errorCount / total >= 0.05 ? 'bad' : null },
    { id: 'top', label: 'Most frequent error', value: worst ? String(worst.status) : 'none',
      hint: worst ? (worst.error_code || STATUS[worst.status] || '') + ' · ' + f.count(worst.requests) + ' calls' : null },
  ]);
  if (total === 0) return fill(root, head, panel('Requests by status', null, noTraffic(ctx)));
  const statusSeries = series.series.slice().sort((a, b) => (a.other ? 1 : b.other ? -1 : Number(a.name) - Number(b.name)));
  const colors = statusColors(statusSeries.map((s) => s.name));
  fill(root, head, panel('Requests by status', 'Per ' + series.granularity + ', ' + RANGE_PHRASE[ctx.range]
    + ' (' + f.zoneLabel() + '); errors stack on top of successes.',
  chartBox(ctx, {
    id: 'errors', kind: 'stacked', unit: 'count', yLabel: 'Requests per ' + series.granularity,
    times: series.times, granularity: series.granularity,
    series: statusSeries.map((s, i) => ({
      name: s.other ? 'other' : s.name + ' ' + (STATUS[s.name] || ''), key: s.name, values: s.values, total: s.total,
      color: s.other ? undefined : colors[i], other: s.other,
    })),
  }),
  failed.length === 0 ? empty('No errors ' + RANGE_PHRASE[ctx.range] + '.', 'Every call got an answer.')
    : table([
      { label: 'Status', cell: (r) => r.status + ' ' + (STATUS[r.status] || '') },
      { label: 'Error code', cell: (r) => (r.error_code ? h('code', {}, r.error_code) : '–') },
      { label: 'Calls', num: true, cell: (r) => f.count(r.requests) },
      { label: 'Share of requests', num: true, cell: (r) => f.percent(r.requests / total) },
    ], failed.sort((a, b) => b.requests - a.requests).map((r) => ({ ...r, dataset: { status: r.status, code: r.error_code || '' } })))));
}

/** The views, in the order of the navigation. `range`: whether the time range applies. */
export const VIEWS = [
  { id: 'spend', title: 'Spend', range: true, render: spend },
  { id: 'savings', title: 'Savings', range: true, render: savings },
  { id: 'budgets', title: 'Budgets', range: false, render: budgets },
  { id: 'runs', title: 'Runs', range: true, render: runs },
  { id: 'latency', title: 'Latency', range: true, render: latency },
  { id: 'errors', title: 'Errors', range: true, render: errors },
];

export { PALETTE };
