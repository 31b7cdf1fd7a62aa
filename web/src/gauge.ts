// The Fear & Greed gauge: a half dial 0..100 in five coloured bands (the thresholds of
// src/analytics: 25, 45, 55, 75) with a needle, drawn as SVG.

const BANDS: [number, number, string][] = [
  [0, 25, '#d64545'],
  [25, 45, '#e8893a'],
  [45, 55, '#c9b93b'],
  [55, 75, '#7cbf4a'],
  [75, 100, '#2f9e5b'],
];

function polar(cx: number, cy: number, r: number, value: number): [number, number] {
  const a = Math.PI * (1 - value / 100);
  return [cx + r * Math.cos(a), cy - r * Math.sin(a)];
}

function arc(cx: number, cy: number, r: number, from: number, to: number): string {
  const [x1, y1] = polar(cx, cy, r, from);
  const [x2, y2] = polar(cx, cy, r, to);
  return `M ${x1.toFixed(2)} ${y1.toFixed(2)} A ${r} ${r} 0 0 1 ${x2.toFixed(2)} ${y2.toFixed(2)}`;
}

const BAND_NAMES: Record<string, string> = {
  extreme_fear: 'Extreme fear',
  fear: 'Fear',
  neutral: 'Neutral',
  greed: 'Greed',
  extreme_greed: 'Extreme greed',
};

// The server's band name ("extreme_fear", ...) as words.
export function bandLabel(band: string): string {
  return BAND_NAMES[band] ?? band;
}

export function bandColor(score: number): string {
  for (const [, hi, color] of BANDS) if (score < hi) return color;
  return BANDS[BANDS.length - 1][2];
}

export function renderGauge(el: HTMLElement, score: number | null, caption: string, sub: string): void {
  const cx = 110, cy = 105, r = 85;
  const parts = BANDS.map(([lo, hi, color]) =>
    `<path d="${arc(cx, cy, r, lo, hi)}" stroke="${color}" stroke-width="18" fill="none"/>`).join('');
  let needle = '';
  let value = '–';
  if (score !== null && Number.isFinite(score)) {
    const [x, y] = polar(cx, cy, r - 22, score);
    needle = `<line x1="${cx}" y1="${cy}" x2="${x.toFixed(2)}" y2="${y.toFixed(2)}" stroke="#e6e9ef" stroke-width="4" stroke-linecap="round"/>` +
      `<circle cx="${cx}" cy="${cy}" r="6" fill="#e6e9ef"/>`;
    value = score.toFixed(0);
  }
  el.innerHTML =
    `<svg viewBox="0 0 220 130" role="img" aria-label="Fear and Greed ${value}">${parts}${needle}` +
    `<text x="${cx}" y="${cy + 22}" text-anchor="middle" class="gauge-value">${value}</text></svg>` +
    `<div class="gauge-caption"><strong data-value="${value}">${caption}</strong> ${sub}</div>`;
  el.dataset.count = score === null ? '0' : '1';
}
