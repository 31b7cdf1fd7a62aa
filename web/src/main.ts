// The stockpulse dashboard: loads history from the query API for the chosen symbol and time
// range, then applies live events from /api/stream (Server-Sent Events). Nothing polls: the only
// follow-up requests (new candles, Fear & Greed) are made in response to pushed events.
import './style.css';
import {
  getJson, seconds, streamUrl,
  type AlertRow, type BacktestResponse, type BarRow, type FearGreedResponse, type Rows, type SentimentRow,
  type SymbolSummary, type SymbolsResponse, type TrendRow,
} from './api';
import { CandleChart } from './candles';
import { TimeChart } from './charts';
import { bandColor, bandLabel, renderGauge } from './gauge';
import { renderHeatmap } from './heatmap';
import { renderBacktest } from './backtest';

type Range = '15m' | '1h' | '1d' | 'all';
const RANGE_MS: Record<Range, number | null> = { '15m': 15 * 60e3, '1h': 3600e3, '1d': 86400e3, all: null };
const MAX_ALERTS = 100;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const state = {
  symbols: new Map<string, SymbolSummary>(),
  selected: '',
  range: '1h' as Range,
  trends: new Map<string, TrendRow>(),
  sentiment: new Map<string, SentimentRow>(),
  market: new Map<string, SentimentRow>(),
  bars: new Map<string, BarRow>(),
  alerts: [] as AlertRow[],
  fearGreed: null as FearGreedResponse | null,
  stats: null as Record<string, unknown> | null,
  statsRate: [] as [number, number][],
  trailingTrend: new Map<string, TrailingWindow<TrendRow>>(),
  trailingSentiment: new Map<string, TrailingWindow<SentimentRow>>(),
  badgeLimit: 16, // badges shown: the watch-list's size, else the server's `badges`
  newest: 0, // newest event time seen (ms); ranges count back from it, so replays of old data work
};

const charts = {
  candles: new CandleChart($('candles')),
  sentiment: new TimeChart($('sentiment'), [
    { label: 'symbol', stroke: '#5aa9e6', width: 2 },
    { label: 'market', stroke: '#c792ea', dash: [4, 3] },
  ], [-1, 1]),
  close: new TimeChart($('close'), [
    { label: 'max', stroke: 'rgba(154,164,178,0.5)' },
    { label: 'avg close', stroke: '#e6e9ef', width: 2 },
    { label: 'min', stroke: 'rgba(154,164,178,0.5)' },
  ], undefined, [{ series: [1, 3], fill: 'rgba(90,169,230,0.15)' }]),
  buyPressure: new TimeChart($('buy-pressure'), [
    { label: 'buy pressure %', stroke: '#2f9e5b', width: 2, fill: 'rgba(47,158,91,0.12)' },
    { label: '50%', stroke: '#c9b93b', dash: [6, 4] },
  ], [0, 100]),
  volatility: new TimeChart($('volatility'), [{ label: 'volatility', stroke: '#e8893a', fill: 'rgba(232,137,58,0.55)', bars: true }]),
  volume: new TimeChart($('volume'), [{ label: 'avg volume', stroke: '#5aa9e6', fill: 'rgba(90,169,230,0.5)', bars: true }]),
  health: new TimeChart($('health-rate'), [{ label: 'posts/s', stroke: '#5aa9e6', width: 2 }]),
};

interface WindowRow { window_start: string; window_end: string }
const key = (r: WindowRow) => `${r.window_start}|${r.window_end}`;

// Sliding windows overlap: the newest windows hold only the newest panes and end in the future,
// so their counts, spreads and shares are partial. The trailing window, the one ending first
// after the newest window start, is the full-length window holding the newest data ("the last
// 5 minutes"); badges show it and charts end with it. (With tumbling windows it is the newest.)
// ISO-8601 UTC texts of one width compare as times.
function trailingEnd(rows: readonly WindowRow[]): string | null {
  let newestStart = '';
  for (const r of rows) if (r.window_start > newestStart) newestStart = r.window_start;
  let end: string | null = null;
  for (const r of rows) if (r.window_end > newestStart && (end === null || r.window_end < end)) end = r.window_end;
  return end;
}
const settled = <T extends WindowRow>(rows: T[]): T[] => {
  const end = trailingEnd(rows);
  return end === null ? rows : rows.filter((r) => r.window_end <= end);
};

// A symbol's live window rows that may still be its trailing window.
class TrailingWindow<T extends WindowRow> {
  private rows = new Map<string, T>();
  constructor(first: T | null) { if (first) this.rows.set(key(first), first); }
  // Takes an updated row; returns the trailing window now.
  add(row: T): T {
    this.rows.set(key(row), row);
    const end = trailingEnd([...this.rows.values()]);
    let best = row;
    for (const [k, r] of this.rows) {
      if (end !== null && r.window_end < end) this.rows.delete(k);
      else if (r.window_end === end) best = r;
    }
    return best;
  }
}
const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
const fmtNum = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

function noteTime(iso: string | undefined) {
  if (!iso) return;
  const t = Date.parse(iso);
  if (t > state.newest) state.newest = t;
}

function fromParam(): string | undefined {
  const span = RANGE_MS[state.range];
  if (span === null || state.newest === 0) return undefined;
  return new Date(state.newest - span).toISOString();
}

// Drops what fell out of the chosen range as live rows arrive.
function trim<T>(m: Map<string, T>, time: (v: T) => string) {
  const from = fromParam();
  if (!from) return;
  for (const [k, v] of m) if (time(v) < from) m.delete(k);
}

// ---- loading ---------------------------------------------------------------------------------

// The badges: the watch-list's symbols when the server has one, else the `badges` most active
// (recent mentions, then with prices). Thousands of cashtags stay behind the search box.
const SYMBOLS_PAGE = 200;

function shownSymbols(res: SymbolsResponse): SymbolSummary[] {
  const watched = res.symbols.filter((s) => s.watched);
  return watched.length ? watched : res.symbols.slice(0, Math.max(1, res.badges));
}

// The default selection: the most active watched symbol with prices, else the most active with
// prices, else the most active (the page is in activity order, watched first).
function defaultSymbol(res: SymbolsResponse): string {
  const priced = (s: SymbolSummary) => s.has_prices || s.last_bar !== null;
  return (res.symbols.find((s) => s.watched && priced(s)) ?? res.symbols.find(priced) ?? res.symbols[0])?.symbol ?? '';
}

let symbolsLoading: Promise<void> | null = null;
function reloadSymbols() {
  symbolsLoading ??= loadSymbols().catch(showError).finally(() => { symbolsLoading = null; });
}

async function loadSymbols() {
  const res = await getJson<SymbolsResponse>('/api/symbols', { sort: 'activity', limit: SYMBOLS_PAGE });
  state.badgeLimit = res.watch_list.length ? res.symbols.filter((s) => s.watched).length : res.badges;
  const shown = shownSymbols(res);
  const wanted = new URLSearchParams(location.search).get('symbol')?.toUpperCase();
  if (!state.selected) state.selected = wanted || defaultSymbol(res);
  // A selection outside the badges (from the address or the search box) is loaded on its own.
  if (state.selected && !shown.some((s) => s.symbol === state.selected)) {
    const extra = res.symbols.find((s) => s.symbol === state.selected) ??
      (await getJson<SymbolsResponse>('/api/symbols', { q: state.selected, limit: 1 })).symbols
        .find((s) => s.symbol === state.selected);
    if (extra) shown.push(extra);
    else state.selected = defaultSymbol(res);
  }
  state.symbols.clear();
  state.trailingTrend.clear();
  state.trailingSentiment.clear();
  for (const s of shown) {
    state.symbols.set(s.symbol, s);
    state.trailingTrend.set(s.symbol, new TrailingWindow(s.trend));
    state.trailingSentiment.set(s.symbol, new TrailingWindow(s.sentiment));
    noteTime(s.trend?.window_end);
    noteTime(s.last_bar?.ts);
  }
  const select = $<HTMLSelectElement>('symbol');
  const names = [...state.symbols.keys()];
  select.innerHTML = names.map((n) => `<option value="${n}">${n}</option>`).join('');
  if (!state.symbols.has(state.selected)) state.selected = names[0] ?? '';
  select.value = state.selected;
}

// The search box: symbols starting with what is typed, most active first, as suggestions;
// choosing one (or Enter on an exact name) selects it.
async function searchSymbols(text: string) {
  const q = text.trim().toUpperCase();
  if (!/^[A-Z0-9.^-]{1,16}$/.test(q)) return [];
  const res = await getJson<SymbolsResponse>('/api/symbols', { q, sort: 'activity', limit: 20 });
  $('symbol-matches').innerHTML = res.symbols.map((s) => `<option value="${s.symbol}"></option>`).join('');
  return res.symbols.map((s) => s.symbol);
}

async function loadSelected() {
  const symbol = state.selected;
  if (!symbol) return;
  const from = fromParam();
  const limit = 5000;
  const [trends, sentiment, market, candles] = await Promise.all([
    getJson<Rows<TrendRow>>('/api/trends', { symbol, from, limit }),
    getJson<Rows<SentimentRow>>('/api/sentiment', { symbol, from, limit }),
    getJson<Rows<SentimentRow>>('/api/sentiment', { symbol: '*', from, limit }),
    getJson<Rows<BarRow>>('/api/candles', { symbol, from, limit }),
  ]);
  state.trends = new Map(trends.rows.map((r) => [key(r), r]));
  state.sentiment = new Map(sentiment.rows.map((r) => [key(r), r]));
  state.market = new Map(market.rows.map((r) => [key(r), r]));
  state.bars = new Map(candles.rows.map((r) => [r.ts, r]));
  $('candles-title').textContent = symbol;
  renderSelected();
  charts.candles.fit();
}

async function loadFearGreed() {
  state.fearGreed = await getJson<FearGreedResponse>('/api/fear-greed');
  renderFearGreed();
  renderBadges();
}

async function loadAlerts() {
  const res = await getJson<Rows<AlertRow>>('/api/alerts', { limit: MAX_ALERTS });
  state.alerts = res.rows.reverse();
  renderAlerts();
}

// ---- rendering -------------------------------------------------------------------------------

function renderBadges() {
  const fg = new Map((state.fearGreed?.symbols ?? []).map((r) => [r.symbol!, r]));
  const html = [...state.symbols.values()].map((s) => {
    const signal = s.trend?.trend_signal ?? 'NEUTRAL';
    // A window's close is its last bar's close, so the newest window carries the last price.
    const price = s.trend?.close ?? s.last_bar?.close ?? null;
    const f = fg.get(s.symbol);
    const bp = s.trend ? s.trend.buy_pressure * 100 : null;
    return `<button class="badge ${s.symbol === state.selected ? 'selected' : ''}" data-symbol="${s.symbol}" data-window-end="${s.trend?.window_end ?? ''}">
      <span class="sym">${s.symbol}</span>
      <span class="price" data-field="price">${fmtNum(price)}</span>
      <span class="signal ${signal.toLowerCase()}" data-field="signal">${signal}</span>
      <span class="kv">F&amp;G <b data-field="fear-greed" style="color:${f && f.score !== null ? bandColor(f.score) : 'inherit'}">${fmtNum(f?.score, 0)}</b></span>
      <span class="kv">Buy <b data-field="buy-pressure" class="${bp !== null && bp >= 50 ? 'up' : 'down'}">${fmtNum(bp, 0)}%</b></span>
    </button>`;
  }).join('');
  const el = $('badges');
  el.innerHTML = html || '<p class="empty">No symbols in the serving store yet.</p>';
  el.dataset.count = String(state.symbols.size);
}

function renderSelected() {
  const trends = settled(sorted(state.trends));
  const sentiment = settled(sorted(state.sentiment));
  const bars = sorted(state.bars);
  charts.candles.set(bars, sentiment);

  const marketByEnd = new Map(settled(sorted(state.market)).map((r) => [r.window_end, r.sentiment_score_avg]));
  charts.sentiment.set(sentiment.map((r) => seconds(r.window_end)), [
    sentiment.map((r) => r.sentiment_score_avg),
    sentiment.map((r) => marketByEnd.get(r.window_end) ?? null),
  ]);

  const x = trends.map((r) => seconds(r.window_end));
  charts.close.set(x, [trends.map((r) => r.max_close), trends.map((r) => r.avg_close), trends.map((r) => r.min_close)]);
  charts.buyPressure.set(x, [trends.map((r) => r.buy_pressure * 100), trends.map(() => 50)]);
  charts.volatility.set(x, [trends.map((r) => r.volatility)]);
  charts.volume.set(x, [trends.map((r) => r.avg_volume)]);
  renderHeatmap($<HTMLCanvasElement>('heatmap'), sentiment);
  renderFearGreed();
}

function renderFearGreed() {
  const fg = state.fearGreed;
  const mine = fg?.symbols.find((r) => r.symbol === state.selected);
  const market = fg?.market ?? null;
  renderGauge(
    $('fear-greed'),
    market?.score ?? null,
    market ? `Market: ${bandLabel(market.band)}` : 'Market: no reading yet',
    mine ? `· ${state.selected} ${fmtNum(mine.score, 0)} (${bandLabel(mine.band)})` : '',
  );
}

function renderAlerts() {
  const el = $('alerts');
  el.innerHTML = state.alerts.map((a) =>
    `<li class="alert ${a.kind}" data-severity="${escapeHtml(a.severity ?? 'info')}"><time>${a.ts.slice(11, 19)}</time> <b>${escapeHtml(a.symbol)}</b> ` +
    `<span>${escapeHtml(a.message)}</span></li>`).join('') || '<li class="empty">No alerts yet.</li>';
  el.dataset.count = String(state.alerts.length);
}

const KNOWN_STATS: [string, string][] = [
  ['posts_per_second', 'posts/s'], ['posts_total', 'posts'], ['bars_total', 'bars'],
  ['late_total', 'late'], ['dead_letters_total', 'dead letters'],
  ['watermark_lag_ms', 'watermark lag (ms)'], ['queue_depth', 'queue depth'],
];

function renderHealth() {
  const el = $('health');
  const s = state.stats;
  if (!s) {
    el.innerHTML = '<dt>status</dt><dd data-key="status">no pipeline stats yet (<code>stockpulse serve</code> shows the store only)</dd>';
    el.dataset.count = '0';
    return;
  }
  const entries: [string, string, unknown][] = [];
  const seen = new Set<string>();
  for (const [k, label] of KNOWN_STATS) if (k in s) { entries.push([k, label, s[k]]); seen.add(k); }
  for (const [k, v] of Object.entries(s)) if (!seen.has(k) && (typeof v === 'number' || typeof v === 'string')) entries.push([k, k.replace(/_/g, ' '), v]);
  el.innerHTML = entries.map(([k, label, v]) =>
    `<dt>${escapeHtml(label)}</dt><dd data-key="${escapeHtml(k)}">${typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 1 }) : escapeHtml(String(v))}</dd>`).join('');
  el.dataset.count = String(entries.length);
  charts.health.set(state.statsRate.map(([t]) => t), [state.statsRate.map(([, v]) => v)]);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// Live events can arrive hundreds per second; draw at most once per animation frame.
let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    renderSelected();
    renderBadges();
  });
}

// Event-driven follow-ups, coalesced: at most one request in flight per kind.
function throttled(fn: () => Promise<void>, ms: number): () => void {
  let busy = false, again = false;
  const run = async () => {
    busy = true;
    try { await fn(); } catch (e) { console.warn(e); }
    setTimeout(() => { busy = false; if (again) { again = false; void run(); } }, ms);
  };
  return () => { if (busy) again = true; else void run(); };
}

const refreshCandles = throttled(async () => {
  const bars = sorted(state.bars);
  const from = bars.length ? bars[bars.length - 1].ts : fromParam();
  const res = await getJson<Rows<BarRow>>('/api/candles', { symbol: state.selected, from, limit: 5000 });
  for (const b of res.rows) state.bars.set(b.ts, b);
  trim(state.bars, (b) => b.ts);
  scheduleRender();
}, 500);

const refreshFearGreed = throttled(loadFearGreed, 2000);

// ---- live stream -----------------------------------------------------------------------------

function connect() {
  const live = $('live');
  const es = new EventSource(streamUrl());
  es.onopen = () => { live.textContent = 'live'; live.className = 'live on'; };
  es.onerror = () => { live.textContent = 'reconnecting'; live.className = 'live off'; };
  es.addEventListener('trend', (e) => {
    const r = JSON.parse((e as MessageEvent).data) as TrendRow;
    noteTime(r.window_end);
    const s = state.symbols.get(r.symbol) ?? { symbol: r.symbol, trend: null, sentiment: null, last_bar: null };
    let trailing = state.trailingTrend.get(r.symbol);
    if (!trailing) state.trailingTrend.set(r.symbol, trailing = new TrailingWindow(s.trend));
    s.trend = trailing.add(r);
    // A symbol not yet shown: reload the ranking only while there is room for more badges.
    if (!state.symbols.has(r.symbol) && state.symbols.size < state.badgeLimit) {
      state.symbols.set(r.symbol, s);
      reloadSymbols();
    }
    if (r.symbol === state.selected) {
      state.trends.set(key(r), r);
      trim(state.trends, (v) => v.window_start);
      refreshCandles();
    }
    refreshFearGreed();
    scheduleRender();
  });
  es.addEventListener('sentiment', (e) => {
    const r = JSON.parse((e as MessageEvent).data) as SentimentRow;
    noteTime(r.window_end);
    if (r.symbol === '*') {
      state.market.set(key(r), r);
      trim(state.market, (v) => v.window_start);
    } else {
      const s = state.symbols.get(r.symbol);
      if (s) {
        let trailing = state.trailingSentiment.get(r.symbol);
        if (!trailing) state.trailingSentiment.set(r.symbol, trailing = new TrailingWindow(s.sentiment));
        s.sentiment = trailing.add(r);
      }
      if (r.symbol === state.selected) {
        state.sentiment.set(key(r), r);
        trim(state.sentiment, (v) => v.window_start);
      }
    }
    scheduleRender();
  });
  es.addEventListener('alert', (e) => {
    const a = JSON.parse((e as MessageEvent).data) as AlertRow;
    state.alerts.unshift(a);
    state.alerts.length = Math.min(state.alerts.length, MAX_ALERTS);
    renderAlerts();
  });
  es.addEventListener('stats', (e) => {
    state.stats = JSON.parse((e as MessageEvent).data) as Record<string, unknown>;
    const rate = Number(state.stats['posts_per_second'] ?? NaN);
    if (Number.isFinite(rate)) {
      state.statsRate.push([Date.now() / 1000, rate]);
      if (state.statsRate.length > 300) state.statsRate.shift();
    }
    renderHealth();
  });
}

// ---- controls --------------------------------------------------------------------------------

function wireControls() {
  $<HTMLSelectElement>('symbol').addEventListener('change', (e) => select((e.target as HTMLSelectElement).value));
  const search = $<HTMLInputElement>('symbol-search');
  let typed = 0;
  search.addEventListener('input', () => {
    const mine = ++typed;
    setTimeout(() => { if (mine === typed) void searchSymbols(search.value).catch(showError); }, 150);
  });
  search.addEventListener('change', () => {
    const q = search.value.trim().toUpperCase();
    void searchSymbols(q).then((found) => {
      if (found.includes(q)) { search.value = ''; selectAny(q); }
    }).catch(showError);
  });
  $('badges').addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest<HTMLElement>('[data-symbol]');
    if (b) select(b.dataset.symbol!);
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-range]')) {
    b.addEventListener('click', () => {
      state.range = b.dataset.range as Range;
      document.querySelectorAll('[data-range]').forEach((x) => x.classList.toggle('active', x === b));
      void loadSelected().catch(showError);
    });
  }
}

// Selects a symbol that may have no badge: it joins the picker and the badges.
function selectAny(symbol: string) {
  if (state.symbols.has(symbol)) { select(symbol); return; }
  void getJson<SymbolsResponse>('/api/symbols', { q: symbol, limit: 1 }).then((res) => {
    const s = res.symbols.find((x) => x.symbol === symbol);
    if (!s) return;
    state.symbols.set(symbol, s);
    state.trailingTrend.set(symbol, new TrailingWindow(s.trend));
    state.trailingSentiment.set(symbol, new TrailingWindow(s.sentiment));
    const option = document.createElement('option');
    option.value = option.textContent = symbol;
    $<HTMLSelectElement>('symbol').append(option);
    select(symbol);
  }).catch(showError);
}

function select(symbol: string) {
  if (symbol === state.selected) return;
  state.selected = symbol;
  $<HTMLSelectElement>('symbol').value = symbol;
  const url = new URL(location.href);
  url.searchParams.set('symbol', symbol);
  history.replaceState(null, '', url);
  renderBadges();
  void loadSelected().catch(showError);
}

// The backtest is a file the server may not have (404 with a message saying how to make one):
// that is shown in the panel, not as a page error.
async function loadBacktest() {
  const el = $('backtest');
  const condition = () => $<HTMLSelectElement>('backtest-condition').value as 'all' | 'spike';
  let data: BacktestResponse | null = null, message = '';
  try {
    data = await getJson<BacktestResponse>('/api/backtest');
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  renderBacktest(el, data, message, condition());
  $('backtest-condition').addEventListener('change', () => renderBacktest(el, data, message, condition()));
}

function showError(e: unknown) {
  console.error(e);
  const el = $('live');
  el.textContent = 'error: ' + (e instanceof Error ? e.message : String(e));
  el.className = 'live off';
}

async function main() {
  wireControls();
  renderHealth();
  // Subscribe first, so nothing published while history loads is missed.
  connect();
  await loadSymbols();
  await Promise.all([loadSelected(), loadFearGreed(), loadAlerts(), loadBacktest()]);
  renderBadges();
}

main().catch(showError);
