// The backtest panel: the Spearman IC of each signal (rows) at each horizon (columns) from
// `stockpulse backtest --json` (/api/backtest), drawn as a bar per cell against the permutation
// band (mean ± 2 sd of the IC with the signal shuffled within symbol). A bar outside the band is
// coloured (green positive, red negative); inside it, grey: indistinguishable from noise.

import type { BacktestResponse, BacktestRow } from './api';

function fmt(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// One cell: a horizontal bar from the centre (IC 0) scaled to `scale`, the band shaded behind it.
function cell(row: BacktestRow | undefined, scale: number): string {
  if (!row || row.ic === null) return '<td class="bt-cell bt-empty">–</td>';
  const pos = (v: number) => 50 + Math.max(-50, Math.min(50, (v / scale) * 50));
  const mean = row.ic_permuted ?? 0, sd = row.ic_permuted_sd ?? 0;
  const lo = pos(mean - 2 * sd), hi = pos(mean + 2 * sd);
  const x = pos(row.ic);
  const outside = row.ic > mean + 2 * sd || row.ic < mean - 2 * sd;
  const cls = !outside ? 'bt-noise' : row.ic > 0 ? 'bt-pos' : 'bt-neg';
  const title = `IC ${fmt(row.ic, 4)} (t ${fmt(row.ic_t, 1)}), permuted ${fmt(mean, 4)} ± ${fmt(sd, 4)}, ` +
    `p ${fmt(row.ic_p, 3)}, n ${row.n}, hit ${fmt(row.hit_rate, 3)}, P&L ${fmt(row.pnl === null ? null : row.pnl * 100, 2)}% ` +
    `over ${row.trades} trades`;
  return `<td class="bt-cell ${cls}" title="${escapeHtml(title)}"><div class="bt-wrap">` +
    `<span class="bt-ic">${fmt(row.ic, 3)}</span>` +
    `<svg viewBox="0 0 100 14" preserveAspectRatio="none" aria-hidden="true">` +
    `<rect class="bt-band" x="${lo}" y="0" width="${Math.max(0.5, hi - lo)}" height="14"/>` +
    `<rect class="bt-bar" x="${Math.min(50, x)}" y="3" width="${Math.max(0.5, Math.abs(x - 50))}" height="8"/>` +
    `<line x1="50" y1="0" x2="50" y2="14" class="bt-zero"/></svg></div></td>`;
}

export function renderBacktest(el: HTMLElement, data: BacktestResponse | null, message: string,
  condition: 'all' | 'spike'): void {
  if (!data || data.available === false) {
    el.dataset.count = '0';
    el.innerHTML = `<p class="bt-message">${escapeHtml(data?.message ?? message)}</p>`;
    return;
  }
  const rows = data.signals.filter((r) => r.condition === condition);
  const signals = [...new Set(rows.map((r) => r.signal))];
  const horizons = [...new Set(rows.map((r) => r.horizon))];
  const byKey = new Map(rows.map((r) => [`${r.signal}|${r.horizon}`, r]));
  const scale = Math.max(0.05, ...rows.map((r) => Math.abs(r.ic ?? 0)),
    ...rows.map((r) => Math.abs(r.ic_permuted ?? 0) + 2 * (r.ic_permuted_sd ?? 0)));
  el.dataset.count = String(rows.filter((r) => r.ic !== null).length);
  el.innerHTML = `<table class="bt-table"><thead><tr><th>signal</th>` +
    horizons.map((h) => `<th>${escapeHtml(h)}</th>`).join('') + '</tr></thead><tbody>' +
    signals.map((s) => `<tr><th>${escapeHtml(s)}</th>` +
      horizons.map((h) => cell(byKey.get(`${s}|${h}`), scale)).join('') + '</tr>').join('') +
    '</tbody></table>' +
    `<p class="bt-note">Spearman IC with forward returns, pooled over ${data.symbols} symbols; ` +
    `shaded: permuted baseline ± 2 sd (${data.permutations} shuffles within symbol); ` +
    `bar scale ±${scale.toFixed(2)}. Hover a cell for t, p, hit rate and P&amp;L ` +
    `(${data.cost_bps} bps per side).</p>`;
}
