import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  dash?: number[];
  /** Fill between this series and the series at index `bandTo` (both in `series`). */
  bandTo?: number;
  width?: number;
}

export interface ChartProps {
  /** x values: seconds since the epoch (time axis) or plain numbers. */
  x: number[];
  series: ChartSeries[];
  /** What the chart shows, for people who do not see it (the numbers are also in tables). */
  label: string;
  time?: boolean;
  /** Name of the x axis when it is not time. */
  xLabel?: string;
  yLabel?: string;
  height?: number;
  /** Time zone of the x axis (the API's days are UTC). */
  timeZone?: string;
}

const money = (v: number) => `$${v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(2)}`;

/** A uPlot time-series chart, resized with its container. */
export function Chart({
  x,
  series,
  label,
  time = true,
  xLabel,
  yLabel,
  height = 260,
  timeZone = 'UTC',
}: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const bands = series.flatMap((s, i) =>
      s.bandTo === undefined
        ? []
        : [{ series: [i + 1, s.bandTo + 1] as [number, number], fill: `${s.color}33` }],
    );
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 280),
        height,
        scales: { x: { time } },
        ...(time ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), timeZone) } : {}),
        axes: [
          { label: xLabel, stroke: '#333' },
          { label: yLabel, stroke: '#333', values: (_u, ticks) => ticks.map(money), size: 70 },
        ],
        series: [
          { label: time ? 'Day' : (xLabel ?? 'x') },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: s.width ?? 2,
            ...(s.dash ? { dash: s.dash } : {}),
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : money(v)),
          })),
        ],
        bands,
      },
      [x, ...series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 280), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series, time, xLabel, yLabel, height, timeZone]);
  return (
    <figure class="chart">
      <div ref={host} role="img" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
