// Small hand-drawn SVG bar charts: no chart library, no HTML from data (text nodes only).
import { html } from 'htm/preact';

export function BarChart({ title, rows, unit = '', format = (value) => String(value) }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  const barHeight = 22;
  const labelWidth = 150;
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
