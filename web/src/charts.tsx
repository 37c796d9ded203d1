import { useEffect, useRef, useState } from 'react';

/**
 * Small SVG charts drawn from the data (no chart library): stacked bars for volumes and a line (or bars,
 * for categories) for rates. They are drawn at the width they get, so text keeps its size on a phone.
 */

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface Category {
  /** Shown under the bar (may be shortened when there is little room). */
  label: string;
  /** Said in full in the tooltip and the accessible name. */
  title: string;
}

const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 34, left: 44 };

/** The width the element is drawn at, followed as it changes. */
function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(Math.floor(el.getBoundingClientRect().width));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** The top of a count axis with four whole, round steps (1, 2 or 5 × 10ⁿ each) at or above `max`. */
function niceMax(max: number, fractional = false): number {
  const quarter = fractional && max > 0 ? max / 4 : Math.max(1, max / 4);
  const power = 10 ** Math.floor(Math.log10(quarter));
  for (const step of [1, 2, 5, 10]) if (step * power >= quarter) return 4 * step * power;
  return 40 * power;
}

/** Every n-th label, so that labels about 44 px wide never overlap. */
function labelEvery(count: number, plotWidth: number): number {
  return Math.max(1, Math.ceil((count * 44) / Math.max(plotWidth, 1)));
}

function Axis({ width, max, format }: { width: number; max: number; format: (v: number) => string }) {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  return (
    <g className="chart-axis">
      {ticks.map((t) => {
        const y = PAD.top + plotHeight * (1 - t);
        return (
          <g key={t}>
            <line x1={PAD.left} x2={width - PAD.right} y1={y} y2={y} stroke="#e5e7eb" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end" fontSize="11" fill="#4b5563">
              {format(max * t)}
            </text>
          </g>
        );
      })}
    </g>
  );
}

function XLabels({ categories, width }: { categories: Category[]; width: number }) {
  const plotWidth = width - PAD.left - PAD.right;
  const step = plotWidth / Math.max(categories.length, 1);
  const every = labelEvery(categories.length, plotWidth);
  // About 6.5 px a character at 11 px: longer names are cut to the room their bar has.
  const room = Math.max(4, Math.floor((step * every) / 6.5));
  const shorten = (label: string) => (label.length > room ? `${label.slice(0, room - 1)}…` : label);
  return (
    <g>
      {categories.map((c, i) =>
        i % every === 0 ? (
          <text
            key={c.title}
            x={PAD.left + step * (i + 0.5)}
            y={HEIGHT - PAD.bottom + 16}
            textAnchor="middle"
            fontSize="11"
            fill="#4b5563"
          >
            {shorten(c.label)}
          </text>
        ) : null,
      )}
    </g>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <ul className="chart-legend" aria-hidden="true">
      {series.map((s) => (
        <li key={s.key}>
          <span className="swatch" style={{ background: s.color }} /> {s.label}
        </li>
      ))}
    </ul>
  );
}

/** Bars per category, stacked by series (e.g. delivered / failed / pending per day). */
export function StackedBars({
  title,
  categories,
  series,
  values,
  testId,
  format = (v) => String(Math.round(v)),
  fractional = false,
}: {
  title: string;
  categories: Category[];
  series: Series[];
  /** values[i][series.key]: the count of category i. */
  values: Array<Record<string, number>>;
  testId?: string;
  /** How axis values and tooltips are written (whole counts by default). */
  format?: (v: number) => string;
  /** Values are amounts, not counts: the axis may have fractional steps. */
  fractional?: boolean;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const totals = values.map((v) => series.reduce((sum, s) => sum + (v[s.key] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals), fractional);
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / Math.max(categories.length, 1);
  const barWidth = Math.max(2, Math.min(40, step * 0.7));
  return (
    <figure className="chart-figure" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <Legend series={series} />
      <div ref={ref} className="chart-canvas">
        {width > 0 ? (
          <svg width={width} height={HEIGHT} role="img" aria-label={title}>
            <Axis width={width} max={max} format={format} />
            {categories.map((c, i) => {
              let y = PAD.top + plotHeight;
              const x = PAD.left + step * i + (step - barWidth) / 2;
              return (
                <g key={c.title} className="chart-stack">
                  {series.map((s) => {
                    const n = values[i]?.[s.key] ?? 0;
                    if (n === 0) return null;
                    const h = (n / max) * plotHeight;
                    y -= h;
                    return (
                      <rect
                        key={s.key}
                        className="chart-bar"
                        data-series={s.key}
                        x={x}
                        y={y}
                        width={barWidth}
                        height={h}
                        fill={s.color}
                      >
                        <title>{`${c.title}: ${format(n)} ${s.label.toLowerCase()}`}</title>
                      </rect>
                    );
                  })}
                </g>
              );
            })}
            <XLabels categories={categories} width={width} />
          </svg>
        ) : null}
      </div>
    </figure>
  );
}

/**
 * A rate from 0 to 1 per category: a line with a point per category for days, bars for other categories.
 * Categories without a rate (nothing ended there) leave a gap.
 */
export function RateChart({
  title,
  categories,
  rates,
  kind,
  testId,
}: {
  title: string;
  categories: Category[];
  rates: Array<number | null>;
  kind: 'line' | 'bars';
  testId?: string;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const plotWidth = width - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / Math.max(categories.length, 1);
  const xOf = (i: number) => PAD.left + step * (i + 0.5);
  const yOf = (r: number) => PAD.top + plotHeight * (1 - r);
  // The line breaks where a category has no rate.
  const segments: string[] = [];
  let current = '';
  rates.forEach((r, i) => {
    if (r === null) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    current += `${current ? 'L' : 'M'}${xOf(i).toFixed(1)},${yOf(r).toFixed(1)}`;
  });
  if (current) segments.push(current);
  const percent = (r: number) => `${Math.round(r * 100)} %`;
  const barWidth = Math.max(2, Math.min(40, step * 0.7));
  return (
    <figure className="chart-figure" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={ref} className="chart-canvas">
        {width > 0 ? (
          <svg width={width} height={HEIGHT} role="img" aria-label={title}>
            <Axis width={width} max={1} format={percent} />
            {kind === 'line'
              ? segments.map((d) => <path key={d} d={d} fill="none" stroke="#1d4ed8" strokeWidth={2} />)
              : null}
            {rates.map((r, i) =>
              r === null ? null : kind === 'line' ? (
                <circle
                  key={categories[i]!.title}
                  className="chart-point"
                  cx={xOf(i)}
                  cy={yOf(r)}
                  r={categories.length > 60 ? 2 : 3.5}
                  fill="#1d4ed8"
                >
                  <title>{`${categories[i]!.title}: ${percent(r)} delivered`}</title>
                </circle>
              ) : (
                <rect
                  key={categories[i]!.title}
                  className="chart-bar"
                  x={xOf(i) - barWidth / 2}
                  y={yOf(r)}
                  width={barWidth}
                  height={plotHeight * r}
                  fill="#1d4ed8"
                >
                  <title>{`${categories[i]!.title}: ${percent(r)} delivered`}</title>
                </rect>
              ),
            )}
            <XLabels categories={categories} width={width} />
          </svg>
        ) : null}
      </div>
    </figure>
  );
}
