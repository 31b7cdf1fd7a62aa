// Candles with volume and a sentiment overlay, drawn with TradingView Lightweight Charts
// (Apache-2.0; the TradingView attribution logo stays on, and the panel credits TradingView).
import {
  CandlestickSeries,
  HistogramSeries,
  LineSeries,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { seconds, type BarRow, type SentimentRow } from './api';

export class CandleChart {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private readonly sentiment: ISeriesApi<'Line'>;
  private readonly el: HTMLElement;

  constructor(el: HTMLElement) {
    this.el = el;
    this.chart = createChart(el, {
      autoSize: true,
      layout: { background: { color: '#141923' }, textColor: '#9aa4b2', attributionLogo: true },
      grid: { vertLines: { color: '#222a38' }, horzLines: { color: '#222a38' } },
      timeScale: { timeVisible: true, secondsVisible: false },
      rightPriceScale: { scaleMargins: { top: 0.05, bottom: 0.25 } },
      leftPriceScale: { visible: true, scaleMargins: { top: 0.05, bottom: 0.25 } },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: '#2f9e5b', downColor: '#d64545', borderVisible: false,
      wickUpColor: '#2f9e5b', wickDownColor: '#d64545',
    });
    this.volume = this.chart.addSeries(HistogramSeries, {
      priceScaleId: 'volume', priceFormat: { type: 'volume' }, color: '#3b4a63',
    });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    this.sentiment = this.chart.addSeries(LineSeries, {
      priceScaleId: 'left', color: '#5aa9e6', lineWidth: 2, title: 'sentiment',
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    });
  }

  set(bars: BarRow[], sentiment: SentimentRow[]): void {
    const t = (iso: string) => seconds(iso) as UTCTimestamp;
    this.candles.setData(bars.map((b) => ({ time: t(b.ts), open: b.open, high: b.high, low: b.low, close: b.close })));
    this.volume.setData(bars.map((b) => ({
      time: t(b.ts), value: b.volume, color: b.close >= b.open ? '#2f6b4a' : '#7a3434',
    })));
    // A window's average is plotted at its end: the sentiment of the five minutes before it.
    const seen = new Set<number>();
    const points = [];
    for (const r of sentiment) {
      const time = t(r.window_end);
      if (seen.has(time)) continue;
      seen.add(time);
      points.push({ time, value: r.sentiment_score_avg });
    }
    points.sort((a, b) => a.time - b.time);
    this.sentiment.setData(points);
    this.el.dataset.count = String(bars.length);
    this.el.dataset.last = bars.length ? String(bars[bars.length - 1].close) : '';
  }

  fit(): void {
    this.chart.timeScale().fitContent();
  }
}
