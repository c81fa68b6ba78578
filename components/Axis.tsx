/**
 * SVG axes drawn from a d3-scale scale (d3-axis is not a dependency). Place with a parent
 * <g transform>; the axis draws along its scale's range.
 */
import { colors, fonts } from './theme.ts';

/** What the axes need of a d3 continuous scale (scaleLinear, scaleLog... all fit). */
export interface AxisScale {
  (value: number): number;
  ticks(count?: number): number[];
  range(): number[];
  tickFormat(count?: number): (value: number) => string;
}

interface AxisProps {
  scale: AxisScale;
  /** Approximate tick count, passed to `scale.ticks`. */
  ticks?: number;
  /** Explicit tick values (override `ticks`). */
  tickValues?: readonly number[];
  /** Tick label format (default: the scale's own `tickFormat`, with just enough decimals). */
  format?: (value: number) => string;
  /** Axis title, with its unit, e.g. "time (ms)". */
  label?: string;
  /** Length of grid lines across the plot (0 = none). */
  grid?: number;
}

const TICK = 4;
const tickText = { fontFamily: fonts.mono, fontSize: 10, fill: colors.muted } as const;
const labelText = { fontFamily: fonts.ui, fontSize: 11, fill: colors.text } as const;

function extent(scale: AxisScale): [number, number] {
  const r = scale.range();
  const a = r[0] ?? 0;
  const b = r[r.length - 1] ?? 0;
  return a < b ? [a, b] : [b, a];
}

export function AxisBottom({ scale, ticks = 6, tickValues, format, label, grid = 0 }: AxisProps) {
  const [r0, r1] = extent(scale);
  const values = tickValues ?? scale.ticks(ticks);
  const fmt = format ?? scale.tickFormat(ticks);
  return (
    <g aria-hidden="true">
      {values.map((v) => {
        const x = scale(v);
        return (
          <g key={v} transform={`translate(${x},0)`}>
            {grid > 0 && <line y1={0} y2={-grid} stroke={colors.grid} />}
            <line y2={TICK} stroke={colors.muted} />
            <text y={TICK + 10} textAnchor="middle" style={tickText}>
              {fmt(v)}
            </text>
          </g>
        );
      })}
      <line x1={r0} x2={r1} stroke={colors.muted} />
      {label && (
        <text x={(r0 + r1) / 2} y={TICK + 24} textAnchor="middle" style={labelText}>
          {label}
        </text>
      )}
    </g>
  );
}

export function AxisLeft({ scale, ticks = 5, tickValues, format, label, grid = 0 }: AxisProps) {
  const [r0, r1] = extent(scale);
  const values = tickValues ?? scale.ticks(ticks);
  const fmt = format ?? scale.tickFormat(ticks);
  return (
    <g aria-hidden="true">
      {values.map((v) => {
        const y = scale(v);
        return (
          <g key={v} transform={`translate(0,${y})`}>
            {grid > 0 && <line x1={0} x2={grid} stroke={colors.grid} />}
            <line x2={-TICK} stroke={colors.muted} />
            <text x={-TICK - 2} dy="0.32em" textAnchor="end" style={tickText}>
              {fmt(v)}
            </text>
          </g>
        );
      })}
      <line y1={r0} y2={r1} stroke={colors.muted} />
      {label && (
        <text transform={`translate(${-TICK - 30},${(r0 + r1) / 2}) rotate(-90)`} textAnchor="middle" style={labelText}>
          {label}
        </text>
      )}
    </g>
  );
}
