// Small wrappers over uPlot: every time-series panel is "x = window end, one or more series",
// resized with its panel.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  label: string;
  stroke: string;
  fill?: string;
  dash?: number[];
  bars?: boolean;
  width?: number;
}

const axisStyle = { stroke: '#9aa4b2', grid: { stroke: '#2a3140', width: 1 }, ticks: { stroke: '#2a3140' } };

// Y labels short enough for the axis: 125000 -> "125k", 2500000 -> "2.5M"; below 10,000 as is.
export function compactTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  return v.toLocaleString('en-US', { maximumFractionDigits: 4 });
}

export class TimeChart {
  readonly plot: uPlot;
  private readonly el: HTMLElement;

  constructor(el: HTMLElement, series: SeriesSpec[], yRange?: [number, number], bands?: uPlot.Band[]) {
    this.el = el;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: Math.max(120, el.clientHeight),
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: yRange ? { range: yRange } : { auto: true } },
      axes: [{ ...axisStyle }, { ...axisStyle, size: 56, values: (_u, splits) => splits.map(compactTick) }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          fill: s.fill,
          dash: s.dash,
          width: s.width ?? 1.5,
          paths: s.bars ? uPlot.paths.bars!({ size: [0.7, 24] }) : undefined,
          points: { show: false },
        })),
      ],
      bands,
    };
    this.plot = new uPlot(opts, [[], ...series.map(() => [])] as uPlot.AlignedData, el);
    new ResizeObserver(() => this.resize()).observe(el);
  }

  set(x: number[], ys: (number | null)[][]): void {
    this.plot.setData([x, ...ys] as uPlot.AlignedData);
    this.el.dataset.count = String(x.length);
    this.el.dataset.lastX = x.length ? String(x[x.length - 1]) : '';
  }

  private resize(): void {
    const w = this.el.clientWidth;
    const h = this.el.clientHeight;
    if (w > 0 && h > 0) this.plot.setSize({ width: w, height: h - 28 });
  }
}
