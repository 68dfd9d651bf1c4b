// Time charts on uPlot (loaded from the jar as a classic script: window.uPlot), with a legend of
// our own that names each series with its total and, under the cursor, its value in that bucket.

import { h, fill } from './dom.js';
import { byUnit, bucket as bucketLabel } from './format.js';

const uPlot = window.uPlot;

/** Tableau 10: distinct, and readable by most colour-blind people. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#bab0ac'];

const GREY = '#9aa0a6';

/**
 * Tick labels for the time axis in the reader's locale: dates for daily ticks; otherwise the
 * time of day, with the date under the first tick of each day.
 */
function timeTicks(u, splits, axisIdx, space, incr) {
  let day = null;
  return splits.map((v) => {
    const d = new Date(v * 1000);
    const date = d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
    if (incr >= 20 * 3600) return date; // a day is 23 to 25 hours long
    const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    const label = date !== day ? time + '\n' + date : time;
    day = date;
    return label;
  });
}

/**
 * A chart of values over time, in `container`.
 *
 * spec: {
 *   times: [epoch seconds of each bucket start], granularity: 'minute' | 'hour' | 'day',
 *   series: [{name, values: [..], total?, color?, dash?}],
 *   unit: 'usd' | 'count' | 'ms', yLabel: 'Cost (USD)',
 *   kind: 'stacked' (bars, stacked) | 'lines',
 *   xMax?: epoch seconds the x axis reaches (default: the end of the last bucket),
 *   yMin?, yMax?, legendTotals?: true
 * }
 * Returns {plot, destroy()}.
 */
export function timeChart(container, spec) {
  const fmt = byUnit(spec.unit);
  const times = spec.times;
  const step = times.length > 1 ? times[1] - times[0] : spec.granularity === 'day' ? 86400 : spec.granularity === 'minute' ? 60 : 3600;
  const stacked = spec.kind === 'stacked';
  const colors = spec.series.map((s, i) => s.color || (s.other ? GREY : PALETTE[i % PALETTE.length]));

  // Stacked bars: each series is drawn from zero to the sum of itself and those below it, the
  // tallest first, so that each visible band is one series' own share.
  let plotted = spec.series.map((s) => s.values);
  if (stacked) {
    const sums = new Array(times.length).fill(0);
    plotted = spec.series.map((s) => s.values.map((v, i) => (sums[i] += v || 0)));
  }
  const order = stacked ? spec.series.map((_, i) => spec.series.length - 1 - i) : spec.series.map((_, i) => i);

  const uSeries = [{}];
  for (const i of order) {
    const s = spec.series[i];
    uSeries.push({
      label: s.name,
      stroke: colors[i],
      fill: stacked ? colors[i] : undefined,
      width: stacked ? 0 : 2,
      dash: s.dash,
      spanGaps: !!s.spanGaps,
      points: { show: !stacked && (s.points ?? times.length <= 48), size: 5, fill: colors[i] },
      paths: stacked ? uPlot.paths.bars({ size: [0.86, 48], align: 1, gap: 1 }) : undefined,
    });
  }
  const data = [times, ...order.map((i) => plotted[i])];

  const legend = h('div', { class: 'legend', role: 'list' });
  const hoverLabel = h('div', { class: 'legend-time' }, ' ');
  const rows = spec.series.map((s, i) => {
    const value = h('span', { class: 'legend-value' });
    const row = h('div', { class: 'legend-row', role: 'listitem', dataset: { key: 'key' in s ? s.key ?? '' : s.name, total: s.total ?? '' } },
      h('span', { class: 'swatch' + (s.dash ? ' dashed' : ''), style: { '--c': colors[i] } }),
      h('span', { class: 'legend-name' }, s.name),
      spec.legendTotals === false || s.total == null ? null : h('span', { class: 'legend-total' }, fmt(s.total)),
      value);
    return { row, value };
  });
  fill(legend, hoverLabel, rows.map((r) => r.row));

  const plotBox = h('div', { class: 'plot', role: 'img', 'aria-label': spec.yLabel + ': '
    + spec.series.map((s) => s.name + (s.total == null || spec.legendTotals === false ? '' : ' ' + fmt(s.total))).join(', ') });
  fill(container, plotBox, legend);

  const xMax = spec.xMax ?? (stacked ? times[times.length - 1] + step : times[times.length - 1]);
  const yMin = spec.yMin ?? 0;
  const opts = {
    width: Math.max(320, plotBox.clientWidth || container.clientWidth || 800),
    height: spec.height || 260,
    legend: { show: false },
    cursor: { points: stacked ? { show: false } : {}, drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: () => [times[0], Math.max(xMax, times[0] + step)] },
      y: {
        range: (u, min, max) => {
          const top = spec.yMax ?? (max > 0 ? max * 1.08 : 1);
          const low = Math.min(yMin, min ?? 0);
          return [low < 0 ? low * 1.08 : low, top];
        },
      },
    },
    axes: [
      { stroke: '#5f6368', grid: { stroke: '#eceff1' }, ticks: { stroke: '#dadce0' }, values: timeTicks, size: 52 },
      {
        label: spec.yLabel,
        labelSize: 22,
        size: 72,
        stroke: '#5f6368',
        grid: { stroke: '#eceff1' },
        ticks: { stroke: '#dadce0' },
        values: (u, splits) => splits.map((v) => fmt(v)),
      },
    ],
    series: uSeries,
    hooks: {
      setCursor: [
        (u) => {
          const idx = u.cursor.idx;
          if (idx == null) {
            hoverLabel.textContent = ' ';
            for (const r of rows) r.value.textContent = '';
            return;
          }
          hoverLabel.textContent = bucketLabel(data[0][idx], spec.granularity);
          spec.series.forEach((s, i) => {
            const v = s.values[idx];
            rows[i].value.textContent = v == null ? '–' : fmt(v);
          });
        },
      ],
    },
  };
  const plot = new uPlot(opts, data, plotBox);
  const resize = new ResizeObserver(() => {
    const w = plotBox.clientWidth;
    if (w > 0 && Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: opts.height });
  });
  resize.observe(plotBox);
  return {
    plot,
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
