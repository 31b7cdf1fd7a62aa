// Types of the rows the server sends (column names of the serving tables, src/sink/README.md)
// and the fetch helpers of the query API (src/serve/README.md).

export interface SentimentRow {
  symbol: string;
  window_start: string;
  window_end: string;
  tweet_count: number;
  sentiment_score_avg: number;
  sentiment_score_min: number;
  sentiment_score_max: number;
  sentiment_score_stddev: number;
  bullish_count: number;
  bearish_count: number;
  neutral_count: number;
  bullish_share: number;
  histogram: number[];
  is_final: boolean;
}

export interface TrendRow {
  symbol: string;
  window_start: string;
  window_end: string;
  bar_count: number;
  open: number;
  high: number;
  low: number;
  close: number;
  total_volume: number;
  avg_close: number;
  max_close: number;
  min_close: number;
  volatility: number;
  avg_volume: number;
  avg_vwap: number | null;
  vwap_deviation_pct: number | null;
  buy_pressure: number;
  avg_pct_change: number;
  price_range: number;
  trend_signal: 'BULLISH' | 'BEARISH' | 'NEUTRAL';
  is_final: boolean;
}

export interface BarRow {
  symbol: string;
  ts: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number | null;
  trade_count: number | null;
}

export interface AlertRow {
  symbol: string;
  ts: string;
  kind: string;
  message: string;
  value: number | null;
  severity: 'info' | 'warning' | 'critical';
}

export interface FearGreedReading {
  symbol?: string;
  minute: string;
  score: number | null;
  band: string;
  sentiment: number | null;
  bullish: number | null;
  momentum: number | null;
  volatility: number | null;
  volume: number | null;
}

export interface FearGreedResponse {
  source: 'stored' | 'computed';
  market: FearGreedReading | null;
  symbols: FearGreedReading[];
  history: FearGreedReading[];
}

export interface SymbolSummary {
  symbol: string;
  trend: TrendRow | null;
  sentiment: SentimentRow | null;
  last_bar: BarRow | null;
  // Posts in the symbol's windows of the store's last 7 days; it has market_data; on the watch-list.
  mentions?: number;
  has_prices?: boolean;
  watched?: boolean;
}

// One page of /api/symbols (?limit=&offset=&sort=activity|symbol&q=PREFIX).
export interface SymbolsResponse {
  symbols: SymbolSummary[];
  market: SentimentRow | null;
  total: number;
  offset: number;
  limit: number;
  sort: 'activity' | 'symbol';
  watch_list: string[];
  badges: number; // badges to show when the watch-list is empty
}

export interface Rows<T> {
  rows: T[];
  truncated: boolean;
}

// A token given as #token=... in the page address is kept for this tab only; the server asks for
// one when it listens beyond loopback.
function token(): string | null {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('stockpulse_token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem('stockpulse_token');
}

export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const url = q.toString() ? `${path}?${q}` : path;
  const t = token();
  const res = await fetch(url, { headers: t ? { Authorization: `Bearer ${t}` } : {} });
  if (!res.ok) {
    let message = res.statusText;
    try {
      message = (await res.json()).error ?? message;
    } catch {
      /* not JSON */
    }
    throw new Error(`${url}: ${res.status} ${message}`);
  }
  return (await res.json()) as T;
}

export function streamUrl(): string {
  const t = token();
  return t ? `/api/stream?access_token=${encodeURIComponent(t)}` : '/api/stream';
}

// ISO text -> seconds since the epoch (what both chart libraries take).
export function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

// One row of `stockpulse backtest --json` (served as /api/backtest); null where too little data.
export interface BacktestRow {
  signal: string;
  horizon: string;
  condition: 'all' | 'spike';
  ic: number | null;
  ic_t: number | null;
  ic_permuted: number | null;
  ic_permuted_sd: number | null;
  ic_p: number | null;
  n: number;
  n_eff: number;
  hit_rate: number | null;
  positioned: number;
  pnl: number | null;
  trades: number;
}

export interface BacktestResponse {
  // false: the server has no backtest file; `message` says how to make one.
  available?: boolean;
  message?: string;
  signals: BacktestRow[];
  symbols: number;
  step_s: number;
  permutations: number;
  cost_bps: number;
  spike_ratio: number;
}
