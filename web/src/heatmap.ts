// The sentiment intensity heatmap: one column per window, one row per compound-score bucket
// (20 buckets over [-1, 1], the `histogram` column), colour = share of the window's posts.

import type { SentimentRow } from './api';

export function renderHeatmap(canvas: HTMLCanvasElement, rows: SentimentRow[]): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (w === 0 || h === 0) return;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = '#141923';
  ctx.fillRect(0, 0, w, h);
  const left = 30, bottom = 16;
  const buckets = 20;
  const cols = rows.length;
  canvas.dataset.count = String(cols);
  ctx.fillStyle = '#9aa4b2';
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillText('+1', 4, 10);
  ctx.fillText(' 0', 4, (h - bottom) / 2 + 4);
  ctx.fillText('−1', 4, h - bottom);
  if (cols === 0) {
    ctx.fillText('no sentiment windows in this range', left + 10, h / 2);
    return;
  }
  const cw = (w - left) / cols, ch = (h - bottom) / buckets;
  rows.forEach((row, i) => {
    const total = row.histogram.reduce((a, b) => a + b, 0) || 1;
    row.histogram.forEach((count, b) => {
      if (count === 0) return;
      const share = count / total;
      // Bearish buckets red, bullish green, intensity by share of posts.
      const hue = b < buckets / 2 ? 5 : 140;
      const light = 18 + Math.min(1, share * 4) * 42;
      ctx.fillStyle = `hsl(${hue} 65% ${light}%)`;
      ctx.fillRect(left + i * cw, (buckets - 1 - b) * ch, Math.ceil(cw), Math.ceil(ch));
    });
  });
  const first = new Date(rows[0].window_end), last = new Date(rows[cols - 1].window_end);
  const fmt = (d: Date) => d.toISOString().slice(11, 16);
  ctx.fillStyle = '#9aa4b2';
  ctx.fillText(fmt(first), left, h - 3);
  ctx.fillText(fmt(last), w - 34, h - 3);
}
