/**
 * Kernel timing from the worker: a histogram of per-quantum cost (one value per batch), the
 * percentiles and the stage's budget as markers, and a legend table where every figure names
 * its clock.
 */
import { useMemo, type CSSProperties } from 'react';
import { scaleLinear } from 'd3-scale';
import type { KernelTiming } from '../worklet/protocol.ts';
import { AxisBottom, AxisLeft } from './Axis.tsx';
import { fmtBytes, fmtCount, fmtPct, fmtUs } from './format.ts';
import { button, colors, fonts, numeric, panel } from './theme.ts';

export interface TimingHistogramProps {
  timing: KernelTiming | null;
  /** Allowed p99 kernel cost per quantum, µs. */
  budgetUs: number;
  /** Allowed p99 of single quanta timed one by one, µs (stages with periodic work); absent: not shown as a budget. */
  quantumBudgetUs?: number;
  measuring?: boolean;
  onMeasure?: () => void;
  width?: number;
  height?: number;
}

const BINS = 30;
const MARGIN = { top: 44, right: 16, bottom: 36, left: 46 };
/** Show the budget on the axis only if it is within this factor of the slowest batch; else an off-scale note. */
const BUDGET_IN_VIEW_FACTOR = 3;
const LABEL_CHAR_PX = 6;
const LABEL_ROW_PX = 11;

interface Marker {
  key: string;
  label: string;
  value: number;
  color: string;
  dashed: boolean;
}

interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
  maxCount: number;
}

function histogram(values: readonly number[]): Histogram {
  const finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (hi - lo < 1e-9) {
    // All batches equal: give the single bar some width.
    const pad = Math.max(Math.abs(lo) * 0.05, 0.01);
    lo -= pad;
    hi += pad;
  }
  const counts = new Array<number>(BINS).fill(0);
  for (const v of finite) {
    const i = Math.min(BINS - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * BINS)));
    counts[i] = counts[i]! + 1;
  }
  return { lo, hi, counts, maxCount: Math.max(1, ...counts) };
}

interface PlacedLabel {
  key: string;
  /** Centre x of the label, kept inside the svg. */
  cx: number;
  row: number;
}

/** Stacks labels into rows above the plot so neighbours never overlap; keeps them inside the svg. */
function placeLabels(items: readonly { key: string; x: number; text: string }[], plotW: number): Map<string, PlacedLabel> {
  const rowEnds: number[] = [];
  const placed = new Map<string, PlacedLabel>();
  for (const item of [...items].sort((a, b) => a.x - b.x)) {
    const width = item.text.length * LABEL_CHAR_PX;
    const cx = Math.min(plotW + MARGIN.right - width / 2, Math.max(width / 2 - MARGIN.left, item.x));
    const left = cx - width / 2;
    let row = rowEnds.findIndex((end) => end + 6 < left);
    if (row < 0) row = rowEnds.length;
    rowEnds[row] = left + width;
    placed.set(item.key, { key: item.key, cx, row });
  }
  return placed;
}

export function TimingHistogram({
  timing,
  budgetUs,
  quantumBudgetUs,
  measuring = false,
  onMeasure,
  width = 640,
  height = 220,
}: TimingHistogramProps) {
  const measureButton = onMeasure && (
    <button
      type="button"
      onClick={onMeasure}
      disabled={measuring}
      aria-busy={measuring}
      style={{ ...button, opacity: measuring ? 0.6 : 1 }}
    >
      {measuring ? 'Measuring…' : 'Measure kernel'}
    </button>
  );

  return (
    // a named group, not a region landmark (several benches can share a docs page)
    <div role="group" aria-label="Kernel timing" style={{ margin: '8px 0', fontFamily: fonts.ui, color: colors.text, fontSize: 13 }}>
      <div style={{ display: 'flex', alignItems: 'center', gap: 12, marginBottom: 4 }}>
        <h3 style={{ margin: 0, fontSize: 14 }}>Kernel cost per quantum</h3>
        {measureButton}
      </div>
      {timing ? (
        <TimingBody timing={timing} budgetUs={budgetUs} quantumBudgetUs={quantumBudgetUs} width={width} height={height} />
      ) : (
        <p role="status" style={{ ...panel, margin: 0, color: colors.muted }}>
          {measuring ? 'Measuring kernel cost in a worker…' : `No kernel timing yet${onMeasure ? ': press “Measure kernel”.' : '.'}`}
        </p>
      )}
    </div>
  );
}

/** Percent of the deadline, two decimals below 1 % (fast kernels cost a small fraction of it). */
function fmtShareOfDeadline(us: number, deadlineUs: number): string {
  const pct = (us / deadlineUs) * 100;
  return fmtPct(pct, Math.abs(pct) < 1 ? 2 : 1);
}

/** The histogram's text alternative: batches, p50/p95/p99, share of the deadline, budget verdict, clock. */
export function timingSummary(timing: KernelTiming, budgetUs: number): string {
  const verdict = timing.p99Us > budgetUs ? 'over budget' : 'within budget';
  return (
    `Kernel cost histogram: ${timing.samplesUs.length} batches of ${timing.quantaPerBatch} quanta, ${timing.backend} backend, ` +
    `p50 ${fmtUs(timing.p50Us)}, p95 ${fmtUs(timing.p95Us)}, p99 ${fmtUs(timing.p99Us)} ` +
    `(${fmtShareOfDeadline(timing.p99Us, timing.deadlineUs)} of the ${fmtUs(timing.deadlineUs)} deadline), ` +
    `budget ${fmtUs(budgetUs)}: ${verdict}; clock ${timing.clock}`
  );
}

function TimingBody({
  timing,
  budgetUs,
  quantumBudgetUs,
  width,
  height,
}: {
  timing: KernelTiming;
  budgetUs: number;
  quantumBudgetUs: number | undefined;
  width: number;
  height: number;
}) {
  const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
  const hist = useMemo(() => histogram(timing.samplesUs), [timing.samplesUs]);
  const overBudget = timing.p99Us > budgetUs;
  const budgetInView = budgetUs <= hist.hi * BUDGET_IN_VIEW_FACTOR;

  const x = useMemo(() => {
    const lo = Math.min(hist.lo, timing.p50Us);
    const hi = Math.max(hist.hi, timing.p99Us, budgetInView ? budgetUs * 1.05 : 0);
    return scaleLinear().domain([lo, hi]).range([0, plotW]).nice();
  }, [hist, timing.p50Us, timing.p99Us, budgetInView, budgetUs, plotW]);
  const y = useMemo(() => scaleLinear().domain([0, hist.maxCount]).range([plotH, 0]).nice(), [hist.maxCount, plotH]);

  const p99Color = overBudget ? colors.danger : '#5b2a86';
  const markers: Marker[] = [
    { key: 'p50', label: `p50 ${fmtUs(timing.p50Us)}`, value: timing.p50Us, color: colors.text, dashed: true },
    { key: 'p95', label: `p95 ${fmtUs(timing.p95Us)}`, value: timing.p95Us, color: colors.warn, dashed: true },
    { key: 'p99', label: `p99 ${fmtUs(timing.p99Us)}`, value: timing.p99Us, color: p99Color, dashed: true },
  ];
  if (budgetInView)
    markers.push({ key: 'budget', label: `budget ${fmtUs(budgetUs)}`, value: budgetUs, color: colors.danger, dashed: false });
  const offScaleText = `budget ${fmtUs(budgetUs)} ▸ off scale`;
  const labels = placeLabels(
    [
      ...markers.map((m) => ({ key: m.key, x: x(m.value), text: m.label })),
      ...(budgetInView ? [] : [{ key: 'off-scale', x: plotW, text: offScaleText }]),
    ],
    plotW,
  );

  const binW = (hist.hi - hist.lo) / BINS;
  const fmtDeadlinePct = (us: number) => fmtShareOfDeadline(us, timing.deadlineUs);
  const verdict = overBudget ? 'over budget' : 'within budget';
  const summary = timingSummary(timing, budgetUs);

  const cell: CSSProperties = { padding: '1px 8px', textAlign: 'left', borderBottom: `1px solid ${colors.grid}` };
  const num: CSSProperties = { ...cell, ...numeric, textAlign: 'right', whiteSpace: 'nowrap' };
  const clockCell: CSSProperties = { ...cell, color: colors.muted, fontSize: 12 };

  return (
    <>
      <figure style={{ margin: 0 }}>
        <svg role="img" aria-label={summary} width={width} height={height} style={{ display: 'block', overflow: 'visible' }}>
          <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
            <AxisLeft scale={y} ticks={4} tickValues={y.ticks(4).filter(Number.isInteger)} label="batches" grid={plotW} />
            {hist.counts.map((count, i) =>
              count === 0 ? null : (
                <rect
                  key={i}
                  x={x(hist.lo + i * binW) + 0.5}
                  width={Math.max(1, x(hist.lo + (i + 1) * binW) - x(hist.lo + i * binW) - 1)}
                  y={y(count)}
                  height={plotH - y(count)}
                  fill={colors.bars}
                />
              ),
            )}
            {markers.map((m) => {
              const mx = x(m.value);
              const label = labels.get(m.key);
              const top = -(label?.row ?? 0) * LABEL_ROW_PX;
              return (
                <g key={m.key}>
                  <line
                    x1={mx}
                    x2={mx}
                    y1={plotH}
                    y2={top - 6}
                    stroke={m.color}
                    strokeWidth={m.dashed ? 1.5 : 2}
                    strokeDasharray={m.dashed ? '4 3' : undefined}
                  />
                  <text x={label?.cx ?? mx} y={top - 8} textAnchor="middle" style={{ fontFamily: fonts.mono, fontSize: 10, fill: m.color }}>
                    {m.label}
                  </text>
                </g>
              );
            })}
            {!budgetInView && (
              <text
                x={labels.get('off-scale')?.cx ?? plotW}
                y={-(labels.get('off-scale')?.row ?? 0) * LABEL_ROW_PX - 8}
                textAnchor="middle"
                style={{ fontFamily: fonts.mono, fontSize: 10, fill: colors.danger }}
              >
                {offScaleText}
              </text>
            )}
            <g transform={`translate(0,${plotH})`}>
              <AxisBottom scale={x} ticks={Math.max(2, Math.floor(plotW / 80))} label={`µs per quantum (${timing.clock})`} />
            </g>
          </g>
        </svg>
        <figcaption style={{ fontSize: 12, color: colors.muted }}>
          Per-quantum kernel cost of {timing.samplesUs.length} batches ({timing.backend} backend), timed with {timing.clock}.
        </figcaption>
      </figure>

      <table style={{ borderCollapse: 'collapse', fontSize: 13, marginTop: 6 }}>
        <caption style={{ textAlign: 'left', fontWeight: 600, padding: '2px 0' }}>
          Kernel timing ({timing.stage}, {timing.backend})
        </caption>
        <thead>
          <tr>
            <th scope="col" style={cell}>
              Figure
            </th>
            <th scope="col" style={{ ...cell, textAlign: 'right' }}>
              Value
            </th>
            <th scope="col" style={{ ...cell, textAlign: 'right' }}>
              % of deadline
            </th>
            <th scope="col" style={cell}>
              Clock / source
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row" style={cell}>
              p50
            </th>
            <td style={num}>{fmtUs(timing.p50Us)}</td>
            <td style={num}>{fmtDeadlinePct(timing.p50Us)}</td>
            <td style={clockCell}>{timing.clock}</td>
          </tr>
          <tr>
            <th scope="row" style={cell}>
              p95
            </th>
            <td style={num}>{fmtUs(timing.p95Us)}</td>
            <td style={num}>{fmtDeadlinePct(timing.p95Us)}</td>
            <td style={clockCell}>{timing.clock}</td>
          </tr>
          <tr style={{ color: overBudget ? colors.danger : undefined }}>
            <th scope="row" style={cell}>
              p99
            </th>
            <td style={num}>
              <span data-testid="kernel-p99" data-value={timing.p99Us}>
                {fmtUs(timing.p99Us, false)}
              </span>{' '}
              µs
            </td>
            <td style={num}>{fmtDeadlinePct(timing.p99Us)}</td>
            <td style={clockCell}>
              {timing.clock} —{' '}
              <strong data-testid="kernel-verdict" style={{ color: overBudget ? colors.danger : colors.ok }}>
                {verdict}
              </strong>
            </td>
          </tr>
          <tr>
            <th scope="row" style={cell}>
              budget (p99)
            </th>
            <td style={num}>{fmtUs(budgetUs)}</td>
            <td style={num}>{fmtDeadlinePct(budgetUs)}</td>
            <td style={clockCell}>stage budget, same clock</td>
          </tr>
          <tr>
            <th scope="row" style={cell}>
              deadline
            </th>
            <td style={num}>{fmtUs(timing.deadlineUs)}</td>
            <td style={num}>{fmtPct(100)}</td>
            <td style={clockCell}>{timing.quantumFrames} frames / sample rate (audio clock)</td>
          </tr>
          <tr style={{ color: quantumBudgetUs !== undefined && timing.singleQuantum.p99Us >= quantumBudgetUs ? colors.danger : undefined }}>
            <th scope="row" style={cell}>
              single quantum p99
            </th>
            <td style={num}>
              <span data-testid="quantum-p99" data-value={timing.singleQuantum.p99Us}>
                {fmtUs(timing.singleQuantum.p99Us, false)}
              </span>{' '}
              µs
            </td>
            <td style={num}>{fmtDeadlinePct(timing.singleQuantum.p99Us)}</td>
            <td style={clockCell}>
              {fmtCount(timing.singleQuantum.count)} quanta timed one by one, {timing.clock} (resolution ≈{' '}
              {fmtUs(timing.singleQuantum.resolutionUs)}){quantumBudgetUs !== undefined ? `; budget ${fmtUs(quantumBudgetUs)}` : ''}
            </td>
          </tr>
          <tr>
            <th scope="row" style={cell}>
              single quantum max
            </th>
            <td style={num}>{fmtUs(timing.singleQuantum.maxUs)}</td>
            <td style={num}>{fmtDeadlinePct(timing.singleQuantum.maxUs)}</td>
            <td style={clockCell}>worst of those quanta (includes preemption by the OS)</td>
          </tr>
          <tr>
            <th scope="row" style={cell}>
              quanta per batch
            </th>
            <td style={num}>{fmtCount(timing.quantaPerBatch)}</td>
            <td style={num} />
            <td style={clockCell}>{fmtCount(timing.samplesUs.length)} batches</td>
          </tr>
          <tr style={{ color: timing.allocationsDuringRun !== 0 ? colors.danger : undefined }}>
            <th scope="row" style={cell}>
              allocations during run
            </th>
            <td style={num} data-testid="kernel-allocations">
              {fmtCount(timing.allocationsDuringRun)}
            </td>
            <td style={num} />
            <td style={clockCell}>wasm alloc counter over all timed batches (should be 0)</td>
          </tr>
          <tr style={{ color: timing.memoryGrowthBytes > 0 ? colors.warn : undefined }}>
            <th scope="row" style={cell}>
              memory growth
            </th>
            <td style={num}>{fmtBytes(timing.memoryGrowthBytes)}</td>
            <td style={num} />
            <td style={clockCell}>wasm linear memory over all timed batches</td>
          </tr>
        </tbody>
      </table>
    </>
  );
}
