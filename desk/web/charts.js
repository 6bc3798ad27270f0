// Small hand-drawn SVG bar charts: no chart library, no HTML from data (text nodes only).
import { html } from 'htm/preact';

// Wide enough for the longest label (a unit's full name), at 13 px per character.
function labelWidthFor(rows) {
  const longest = Math.max(0, ...rows.map((row) => String(row.label).length));
  return Math.min(300, Math.max(150, longest * 14 + 16));
}

export function BarChart({ title, rows, unit = '', format = (value) => String(value) }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  const barHeight = 22;
  const labelWidth = labelWidthFor(rows);
  const width = 520;
  const height = rows.length * (barHeight + 8) + 8;
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    ${rows.length === 0
      ? html`<p class="muted">所选期间暂无数据</p>`
      : html`<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label=${title}>
          ${rows.map((row, index) => {
            const y = 8 + index * (barHeight + 8);
            const barWidth = ((width - labelWidth - 90) * row.value) / max;
            return html`<g key=${row.label}>
              <text x=${labelWidth - 8} y=${y + 16} text-anchor="end" class="chart-label">${row.label}</text>
              <rect x=${labelWidth} y=${y} width=${Math.max(barWidth, 1)} height=${barHeight} rx="3" class="chart-bar" />
              <text x=${labelWidth + barWidth + 6} y=${y + 16} class="chart-value">${format(row.value)}${unit}</text>
            </g>`;
          })}
        </svg>`}
    <table class="sr-only">
      <caption>${title}</caption>
      <tbody>${rows.map((row) => html`<tr key=${row.label}><th>${row.label}</th><td>${format(row.value)}${unit}</td></tr>`)}</tbody>
    </table>
  </figure>`;
}

// One bar per row, split into coloured parts per series, with a legend: e.g. each quarter's closed
// cases of one procedure by outcome. `rows`: [{ label, values: { series: count } }].
const SERIES_COLOURS = ['#2f6fb3', '#d98c1f', '#3a9a5b', '#b8433d', '#7b5ea7', '#5a8f96', '#a07c4f', '#8a8a8a'];

export function StackedBarChart({ title, rows, series, unit = '' }) {
  const totals = rows.map((row) => series.reduce((sum, name) => sum + (row.values[name] || 0), 0));
  const max = Math.max(1, ...totals);
  const barHeight = 22;
  const labelWidth = labelWidthFor(rows);
  const width = 520;
  const legendRows = Math.ceil(series.length / 2);
  const top = 8 + legendRows * 20;
  const height = top + rows.length * (barHeight + 8) + 8;
  const colour = (index) => SERIES_COLOURS[index % SERIES_COLOURS.length];
  const empty = totals.every((total) => total === 0);
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    ${empty
      ? html`<p class="muted">所选期间暂无办结案件</p>`
      : html`<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label=${title}>
          ${series.map((name, index) => {
            const x = 8 + (index % 2) * 256;
            const y = 8 + Math.floor(index / 2) * 20;
            return html`<g key=${`legend-${name}`}>
              <rect x=${x} y=${y} width="12" height="12" fill=${colour(index)} />
              <text x=${x + 18} y=${y + 11} class="chart-label">${name}</text>
            </g>`;
          })}
          ${rows.map((row, index) => {
            const y = top + index * (barHeight + 8);
            let x = labelWidth;
            const parts = series.map((name, part) => {
              const value = row.values[name] || 0;
              const partWidth = ((width - labelWidth - 60) * value) / max;
              const rect = value ? html`<rect key=${name} x=${x} y=${y} width=${partWidth} height=${barHeight} fill=${colour(part)}><title>${`${row.label} ${name}：${value}${unit}`}</title></rect>` : null;
              x += partWidth;
              return rect;
            });
            return html`<g key=${row.label}>
              <text x=${labelWidth - 8} y=${y + 16} text-anchor="end" class="chart-label">${row.label}</text>
              ${parts}
              <text x=${x + 6} y=${y + 16} class="chart-value">${totals[index]}${unit}</text>
            </g>`;
          })}
        </svg>`}
    <table class="sr-only">
      <caption>${title}</caption>
      <tbody>${rows.map((row) => html`<tr key=${row.label}><th>${row.label}</th><td>${series.filter((name) => row.values[name]).map((name) => `${name}${row.values[name]}${unit}`).join('，') || `0${unit}`}</td></tr>`)}</tbody>
    </table>
  </figure>`;
}
