/**
 * Generic SVG line/scatter plot for accuracy harnesses (error vs frequency on log-x, RMSE vs SNR
 * with a bound on log-y...): d3-scale axes, one path per series, optional markers with a distinct
 * shape per series, horizontal reference lines, a legend, and the summary as text alternative and
 * caption. Points that a scale cannot show (non-finite, or <= 0 on a log axis) are skipped, and a
 * line breaks there rather than bridging the gap.
 */
import { useId, useMemo } from 'react';
import { scaleLinear, scaleLog } from 'd3-scale';
import { AxisBottom, AxisLeft, type AxisScale } from './Axis.tsx';
import { colors, fonts } from './theme.ts';

export interface XYPoint {
  x: number;
  y: number;
}

export interface XYSeries {
  name: string;
  points: ReadonlyArray<XYPoint>;
  color?: string;
  dashed?: boolean;
  markers?: boolean;
}

export interface XYReferenceLine {
  y: number;
  label: string;
  color?: string;
}

export type XYScaleKind = 'linear' | 'log';

export interface XYPlotProps {
  series: ReadonlyArray<XYSeries>;
  /** Axis titles, with units, e.g. "frequency (Hz)". */
  xLabel: string;
  yLabel: string;
  xScale?: XYScaleKind;
  yScale?: XYScaleKind;
  /** Default: the data extent, padded (and rounded to nice values on linear axes). */
  xDomain?: [number, number];
  /** Default: the extent of the data and the reference lines, padded. */
  yDomain?: [number, number];
  width?: number;
  height?: number;
  title: string;
  /** The text alternative (with the key numbers); also shown as the caption. */
  summary: string;
  referenceLines?: ReadonlyArray<XYReferenceLine>;
}

const PALETTE = ['#0b5cad', '#c2410c', '#1b6e2c', '#5b2a86', '#8a5a00', '#b8327a', '#555555'] as const;
const MARGIN = { top: 10, right: 16, bottom: 40 } as const;
const TICK_CHAR_PX = 6.1;
const MARKER_R = 2.8;

type ContinuousScale = AxisScale & {
  domain(): number[];
};

function validFor(kind: XYScaleKind, v: number): boolean {
  return Number.isFinite(v) && (kind === 'linear' || v > 0);
}

function extentOf(values: readonly number[]): [number, number] | null {
  if (values.length === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function paddedDomain(values: readonly number[], kind: XYScaleKind): [number, number] {
  const ext = extentOf(values);
  if (!ext) return kind === 'log' ? [1, 10] : [0, 1];
  const [lo, hi] = ext;
  if (kind === 'log') {
    if (lo === hi) return [lo / 2, hi * 2];
    const f = Math.pow(hi / lo, 0.05);
    return [lo / f, hi * f];
  }
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.05;
  // Do not pad across zero: an all-positive error stays on a positive axis.
  return [lo >= 0 ? Math.max(0, lo - pad) : lo - pad, hi <= 0 ? Math.min(0, hi + pad) : hi + pad];
}

function makeScale(kind: XYScaleKind, domain: [number, number], range: [number, number], nice: boolean): ContinuousScale {
  if (kind === 'log') return scaleLog().domain(domain).range(range).clamp(false);
  const s = scaleLinear().domain(domain).range(range);
  return nice ? s.nice() : s;
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** Tick labels: 0.05, 250, 2k, 1.5k; 10⁻⁶ and 2×10⁻⁶ outside 0.001..10⁶. ASCII minus. */
export function fmtTick(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e3) return String(Number(v.toPrecision(6)));
  if (a >= 1e3 && a < 1e6) return `${Number((v / 1e3).toPrecision(6))}k`;
  let e = Math.floor(Math.log10(a));
  let m = Number((v / 10 ** e).toPrecision(3));
  if (Math.abs(m) >= 10) {
    m /= 10;
    e += 1;
  }
  const pow = `10${[...String(e)].map((ch) => SUPERSCRIPT[ch] ?? ch).join('')}`;
  if (m === 1) return pow;
  if (m === -1) return `-${pow}`;
  return `${m}×${pow}`;
}

interface Ticks {
  /** Labelled ticks, with grid lines. */
  major: number[];
  /** Unlabelled log subdivisions: tick marks only. */
  minor: number[];
  maxChars: number;
}

const noLabel = () => '';

function ticksFor(scale: ContinuousScale, kind: XYScaleKind, count: number): Ticks {
  const values = scale.ticks(count);
  if (kind === 'linear') {
    let maxChars = 1;
    for (const v of values) maxChars = Math.max(maxChars, fmtTick(v).length);
    return { major: values, minor: [], maxChars };
  }
  // On log axes d3 returns every 1..9 subdivision; its own formatter says which ones to label.
  const keep = scale.tickFormat(count);
  const major: number[] = [];
  const minor: number[] = [];
  let maxChars = 1;
  for (const v of values) {
    if (keep(v) === '') {
      minor.push(v);
    } else {
      major.push(v);
      maxChars = Math.max(maxChars, fmtTick(v).length);
    }
  }
  return { major, minor, maxChars };
}

function markerPath(shape: number, x: number, y: number, r: number): string {
  switch (shape % 4) {
    case 0: // circle
      return `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
    case 1: // square
      return `M${x - r},${y - r}h${2 * r}v${2 * r}h${-2 * r}z`;
    case 2: {
      // triangle
      const s = r * 1.25;
      return `M${x},${y - s}L${x + s},${y + s * 0.8}H${x - s}z`;
    }
    default: {
      // diamond
      const s = r * 1.35;
      return `M${x},${y - s}L${x + s},${y}L${x},${y + s}L${x - s},${y}z`;
    }
  }
}

interface DrawnSeries {
  name: string;
  color: string;
  dashed: boolean;
  markers: boolean;
  shape: number;
  line: string;
  dots: string;
  count: number;
}

export function XYPlot({
  series,
  xLabel,
  yLabel,
  xScale = 'linear',
  yScale = 'linear',
  xDomain,
  yDomain,
  width = 640,
  height = 280,
  title,
  summary,
  referenceLines = [],
}: XYPlotProps) {
  const clipId = `xy-clip-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);

  // y first: the left margin depends on the width of its tick labels.
  const { y, yTicks } = useMemo(() => {
    const ys: number[] = [];
    for (const s of series) for (const p of s.points) if (validFor(xScale, p.x) && validFor(yScale, p.y)) ys.push(p.y);
    for (const r of referenceLines) if (validFor(yScale, r.y)) ys.push(r.y);
    const domain = yDomain ?? paddedDomain(ys, yScale);
    const scale = makeScale(yScale, domain, [plotH, 0], !yDomain);
    return { y: scale, yTicks: ticksFor(scale, yScale, Math.max(2, Math.floor(plotH / 40))) };
  }, [series, referenceLines, xScale, yScale, yDomain, plotH]);

  const tickLabelW = Math.ceil(yTicks.maxChars * TICK_CHAR_PX);
  const left = tickLabelW + 30;
  const plotW = Math.max(10, width - left - MARGIN.right);

  const { x, xTicks } = useMemo(() => {
    const xs: number[] = [];
    for (const s of series) for (const p of s.points) if (validFor(xScale, p.x) && validFor(yScale, p.y)) xs.push(p.x);
    const domain = xDomain ?? paddedDomain(xs, xScale);
    const scale = makeScale(xScale, domain, [0, plotW], !xDomain);
    return { x: scale, xTicks: ticksFor(scale, xScale, Math.max(2, Math.floor(plotW / 80))) };
  }, [series, xScale, yScale, xDomain, plotW]);

  const drawn: DrawnSeries[] = useMemo(
    () =>
      series.map((s, i) => {
        let line = '';
        let dots = '';
        let count = 0;
        let run = 0; // points in the current unbroken run
        let runStart = '';
        const markers = s.markers ?? false;
        for (const p of s.points) {
          if (!validFor(xScale, p.x) || !validFor(yScale, p.y)) {
            // A lone point between gaps would vanish without markers: give it a dot.
            if (run === 1 && !markers) dots += runStart;
            run = 0;
            continue;
          }
          const px = x(p.x);
          const py = y(p.y);
          line += `${run === 0 ? 'M' : 'L'}${px.toFixed(2)},${py.toFixed(2)}`;
          if (markers) dots += markerPath(i, px, py, MARKER_R);
          else if (run === 0) runStart = markerPath(0, px, py, 1.6);
          run++;
          count++;
        }
        if (run === 1 && !markers) dots += runStart;
        return {
          name: s.name,
          color: s.color ?? PALETTE[i % PALETTE.length]!,
          dashed: s.dashed ?? false,
          markers,
          shape: i,
          line,
          dots,
          count,
        };
      }),
    [series, x, y, xScale, yScale],
  );

  const yDom = y.domain();
  const yLo = Math.min(yDom[0]!, yDom[1]!);
  const yHi = Math.max(yDom[0]!, yDom[1]!);
  const refs = referenceLines.filter((r) => validFor(yScale, r.y) && r.y >= yLo && r.y <= yHi);
  const noData = drawn.every((d) => d.count === 0);

  return (
    <figure style={{ margin: '8px 0', fontFamily: fonts.ui, color: colors.text }}>
      <ul
        aria-label="Legend"
        style={{
          listStyle: 'none',
          margin: `0 0 2px ${left}px`,
          padding: 0,
          display: 'flex',
          flexWrap: 'wrap',
          gap: '2px 14px',
          fontSize: 12,
        }}
      >
        {drawn.map((d, i) => (
          <li key={i} style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}>
            <svg width={26} height={10} aria-hidden="true">
              <line x1={1} x2={25} y1={5} y2={5} stroke={d.color} strokeWidth={1.75} strokeDasharray={d.dashed ? '5 3' : undefined} />
              {d.markers && <path d={markerPath(d.shape, 13, 5, MARKER_R)} fill={d.color} />}
            </svg>
            {d.name}
          </li>
        ))}
      </ul>
      <svg role="img" aria-label={`${title}: ${summary}`} width={width} height={height} style={{ display: 'block', overflow: 'visible' }}>
        <defs>
          <clipPath id={clipId}>
            <rect x={-MARKER_R * 2} y={-MARKER_R * 2} width={plotW + MARKER_R * 4} height={plotH + MARKER_R * 4} />
          </clipPath>
        </defs>
        <g transform={`translate(${left},${MARGIN.top})`}>
          {yTicks.minor.length > 0 && <AxisLeft scale={y} tickValues={yTicks.minor} format={noLabel} />}
          <AxisLeft scale={y} tickValues={yTicks.major} format={fmtTick} grid={plotW} />
          <text
            aria-hidden="true"
            transform={`translate(${-tickLabelW - 14},${plotH / 2}) rotate(-90)`}
            textAnchor="middle"
            style={{ fontFamily: fonts.ui, fontSize: 11, fill: colors.text }}
          >
            {yLabel}
          </text>
          <g transform={`translate(0,${plotH})`}>
            {xTicks.minor.length > 0 && <AxisBottom scale={x} tickValues={xTicks.minor} format={noLabel} />}
            <AxisBottom scale={x} tickValues={xTicks.major} format={fmtTick} label={xLabel} grid={plotH} />
          </g>
          <rect width={plotW} height={plotH} fill="none" stroke={colors.border} />
          <g clipPath={`url(#${clipId})`} aria-hidden="true">
            {refs.map((r, i) => {
              const ry = y(r.y);
              const color = r.color ?? colors.muted;
              return (
                <g key={i}>
                  <line x1={0} x2={plotW} y1={ry} y2={ry} stroke={color} strokeWidth={1} strokeDasharray="6 4" />
                  <text
                    x={plotW - 4}
                    y={ry < 14 ? ry + 12 : ry - 4}
                    textAnchor="end"
                    style={{
                      fontFamily: fonts.mono,
                      fontSize: 10,
                      fill: color,
                      paintOrder: 'stroke',
                      stroke: colors.background,
                      strokeWidth: 3,
                    }}
                  >
                    {r.label}
                  </text>
                </g>
              );
            })}
            {drawn.map((d, i) => (
              <g key={i}>
                {d.line && (
                  <path
                    d={d.line}
                    fill="none"
                    stroke={d.color}
                    strokeWidth={1.5}
                    strokeLinejoin="round"
                    strokeDasharray={d.dashed ? '5 3' : undefined}
                  />
                )}
                {d.dots && <path d={d.dots} fill={d.color} />}
              </g>
            ))}
          </g>
          {noData && (
            <text x={plotW / 2} y={plotH / 2} textAnchor="middle" style={{ fontFamily: fonts.ui, fontSize: 13, fill: colors.muted }}>
              no data
            </text>
          )}
        </g>
      </svg>
      <figcaption style={{ fontSize: 12, marginTop: 2, maxWidth: width }}>
        <strong>{title}</strong> {summary}
      </figcaption>
    </figure>
  );
}
