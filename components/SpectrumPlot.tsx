/**
 * Magnitude spectrum in dB on a log-frequency axis: the trace on a devicePixelRatio-aware <canvas>,
 * axes and the peak marker in SVG from d3-scale. `SpectrumPlot` is the pure version (data in props);
 * the layout, canvas helpers and chrome are shared with the live `Spectrum`, which redraws the
 * canvas from the runtime's visual frame without going through React.
 */
import { useLayoutEffect, useMemo, useRef, type Ref } from 'react';
import { scaleLinear, scaleLog, type ScaleLinear, type ScaleLogarithmic } from 'd3-scale';
import { AxisBottom, AxisLeft } from './Axis.tsx';
import { fmtHz, fmtNum } from './format.ts';
import { colors, fonts, numeric } from './theme.ts';

export interface SpectrumPlotProps {
  /** Magnitude in dB of bins k = 0..fftSize/2 (bin k at k·sampleRate/fftSize Hz). */
  db: Float32Array;
  sampleRate: number;
  fftSize: number;
  /** Bottom of the dB axis; lower values clip to it. */
  floorDb: number;
  /** Top of the dB axis (default +6 dB). */
  ceilingDb?: number;
  peakHz?: number;
  peakDb?: number;
  width?: number;
  height?: number;
  title?: string;
  /** A second dB curve with the same bin layout, drawn dashed in another colour. */
  overlay?: Float32Array;
  overlayLabel?: string;
}

export const DEFAULT_CEILING_DB = 6;
export const SPECTRUM_MARGIN = { top: 22, right: 16, bottom: 36, left: 50 } as const;
/** Axis labels 20, 50, 100 ... 20k, kept where they fall inside the axis. */
const FREQ_TICKS = [20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000] as const;
const OVERLAY_COLOR = '#c2410c';
const PEAK_COLOR = colors.text;
const LABEL_CHAR_PX = 6;

/** Everything the canvas and the SVG need to agree on; build once per size/format, not per frame. */
export interface SpectrumLayout {
  sampleRate: number;
  fftSize: number;
  /** fftSize/2 + 1. */
  bins: number;
  /** Bin spacing, sampleRate/fftSize. */
  binHz: number;
  fMin: number;
  fMax: number;
  floorDb: number;
  ceilingDb: number;
  width: number;
  height: number;
  plotW: number;
  plotH: number;
  x: ScaleLogarithmic<number, number>;
  y: ScaleLinear<number, number>;
  /** First bin on the axis (bins below fMin, DC included, are not drawn). */
  kStart: number;
  /** Pixel x of bin k's centre frequency, for k >= kStart. */
  binX: Float32Array;
}

export function spectrumLayout(
  sampleRate: number,
  fftSize: number,
  floorDb: number,
  ceilingDb: number,
  width: number,
  height: number,
): SpectrumLayout {
  const n = Math.max(2, Math.floor(fftSize));
  const bins = Math.floor(n / 2) + 1;
  const binHz = sampleRate / n;
  const fMax = sampleRate / 2;
  let fMin = Math.max(20, binHz);
  if (!(fMin < fMax)) fMin = fMax / 1000;
  const top = ceilingDb > floorDb ? ceilingDb : floorDb + 1;
  const plotW = Math.max(10, width - SPECTRUM_MARGIN.left - SPECTRUM_MARGIN.right);
  const plotH = Math.max(10, height - SPECTRUM_MARGIN.top - SPECTRUM_MARGIN.bottom);
  const x = scaleLog().domain([fMin, fMax]).range([0, plotW]);
  const y = scaleLinear().domain([floorDb, top]).range([plotH, 0]);
  const kStart = Math.ceil(fMin / binHz - 1e-9);
  const binX = new Float32Array(bins).fill(Number.NaN);
  for (let k = kStart; k < bins; k++) binX[k] = x(k * binHz);
  return { sampleRate, fftSize: n, bins, binHz, fMin, fMax, floorDb, ceilingDb: top, width, height, plotW, plotH, x, y, kStart, binX };
}

export interface TraceStyle {
  color: string;
  /** Area under the trace, or null for a bare line. */
  fill: string | null;
  dash: number[];
  lineWidth: number;
}

export const SPECTRUM_TRACE: TraceStyle = { color: colors.trace, fill: 'rgba(11, 92, 173, 0.10)', dash: [], lineWidth: 1.25 };
export const OVERLAY_TRACE: TraceStyle = { color: OVERLAY_COLOR, fill: null, dash: [5, 3], lineWidth: 1.25 };

/** Sizes a canvas's backing store for devicePixelRatio and returns its context drawing in CSS pixels. */
export function prepareCanvas(canvas: HTMLCanvasElement, plotW: number, plotH: number): CanvasRenderingContext2D | null {
  const g = canvas.getContext('2d');
  if (!g) return null;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(plotW * dpr);
  const h = Math.round(plotH * dpr);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  return g;
}

/** `prepareCanvas` for a spectrum's plot area. */
export function prepareSpectrumCanvas(canvas: HTMLCanvasElement, layout: SpectrumLayout): CanvasRenderingContext2D | null {
  return prepareCanvas(canvas, layout.plotW, layout.plotH);
}

export function clearSpectrum(g: CanvasRenderingContext2D, layout: SpectrumLayout): void {
  g.clearRect(0, 0, layout.plotW, layout.plotH);
}

/**
 * Draws the first `count` bins of `db` (clamped to the layout's bins). Bins sharing a pixel column
 * become one point at the column's maximum, so narrow peaks are never lost; where bins are sparser
 * than pixels (the low end of the log axis) the line goes through each bin's centre. Values below
 * the floor (and NaN, -Infinity) draw at the floor. Allocates nothing.
 */
export function drawSpectrum(
  g: CanvasRenderingContext2D,
  layout: SpectrumLayout,
  db: ArrayLike<number>,
  count: number,
  style: TraceStyle = SPECTRUM_TRACE,
): void {
  const { binX, kStart, plotH, floorDb, ceilingDb } = layout;
  const n = Math.min(count, db.length, layout.bins);
  if (n <= kStart) return;
  const pxPerDb = plotH / (ceilingDb - floorDb);

  g.beginPath();
  let col = Number.NaN;
  let groupMax = -Infinity;
  let groupCount = 0;
  let groupX = 0;
  let firstX = 0;
  let lastX = 0;
  let started = false;
  // One pass over the bins, plus a sentinel step (k === n) that flushes the last column.
  for (let k = kStart; k <= n; k++) {
    const px = k < n ? binX[k]! : Number.NaN;
    const c = Math.floor(px);
    if (k < n && c === col) {
      const v = db[k]!;
      if (v > groupMax) groupMax = v;
      groupCount++;
      continue;
    }
    if (groupCount > 0) {
      const gx = groupCount === 1 ? groupX : col + 0.5;
      const gy = !(groupMax > floorDb) ? plotH : groupMax >= ceilingDb ? 0 : (ceilingDb - groupMax) * pxPerDb;
      if (!started) {
        g.moveTo(gx, gy);
        firstX = gx;
        started = true;
      } else {
        g.lineTo(gx, gy);
      }
      lastX = gx;
    }
    if (k < n) {
      col = c;
      const v = db[k]!;
      groupMax = v > -Infinity ? v : -Infinity; // NaN counts as "no value"
      groupCount = 1;
      groupX = px;
    }
  }
  if (!started) return;
  g.setLineDash(style.dash);
  g.lineJoin = 'round';
  g.lineWidth = style.lineWidth;
  g.strokeStyle = style.color;
  g.stroke();
  if (style.fill) {
    g.lineTo(lastX, plotH);
    g.lineTo(firstX, plotH);
    g.closePath();
    g.fillStyle = style.fill;
    g.fill();
  }
}

/** "1000.37 Hz" */
export function fmtPeakHz(hz: number): string {
  const s = fmtNum(hz, 2);
  return Number.isFinite(hz) ? `${s} Hz` : s;
}

/** "-6.02 dB" (ASCII minus, like the rest of format.ts) */
export function fmtPeakDb(db: number): string {
  const s = fmtNum(db, 2);
  return Number.isFinite(db) ? `${s} dB` : s;
}

/** "-120 dB", "-96.5 dB" */
function fmtLevelDb(db: number): string {
  return Number.isFinite(db) ? `${Number(db.toFixed(1))} dB` : fmtNum(db);
}

function fmtFreqTick(hz: number): string {
  return hz >= 1000 ? `${hz / 1000}k` : String(hz);
}

export interface SpectrumPeak {
  hz: number;
  db: number;
}

/** The loudest bin drawn on the axis (DC and bins below fMin excluded), or null if none is finite. */
export function loudestBin(layout: SpectrumLayout, db: ArrayLike<number>): SpectrumPeak | null {
  let best = -Infinity;
  let bestK = -1;
  const n = Math.min(db.length, layout.bins);
  for (let k = layout.kStart; k < n; k++) {
    const v = db[k]!;
    if (v > best) {
      best = v;
      bestK = k;
    }
  }
  return bestK >= 0 ? { hz: bestK * layout.binHz, db: best } : null;
}

/** The text alternative: title, bins, rate, FFT size, peak, floor. */
export function spectrumSummary(
  layout: SpectrumLayout,
  title: string,
  peak: SpectrumPeak | null,
  extra?: string,
  peakName = 'peak',
): string {
  const head = `${title}, ${layout.bins} bins at ${fmtHz(layout.sampleRate)} (N = ${layout.fftSize})`;
  let peakText = 'no peak';
  if (peak && Number.isFinite(peak.hz)) {
    peakText = `${peakName} ${fmtPeakHz(peak.hz)}` + (Number.isFinite(peak.db) ? ` at ${fmtPeakDb(peak.db)}` : '');
  }
  return `${head}: ${peakText}; floor ${fmtLevelDb(layout.floorDb)}${extra ? `; ${extra}` : ''}`;
}

export interface SpectrumChromeProps {
  layout: SpectrumLayout;
  canvasRef: Ref<HTMLCanvasElement>;
  title: string;
  /** The role="img" text alternative. */
  summary: string;
  peak: SpectrumPeak | null;
  /** What the peak is, in the caption ("peak", "max bin"). */
  peakName?: string;
  overlayLabel?: string | null;
  /** Shown over the plot instead of a trace (e.g. "waiting for the first frame…"). */
  status?: string | null;
  testId?: string;
}

/** Axes, peak marker, status and caption around a spectrum canvas. */
export function SpectrumChrome({
  layout,
  canvasRef,
  title,
  summary,
  peak,
  peakName = 'peak',
  overlayLabel = null,
  status = null,
  testId = 'spectrum',
}: SpectrumChromeProps) {
  const { x, y, plotW, plotH, width, height, fMin, fMax } = layout;
  const tickValues = FREQ_TICKS.filter((f) => f >= fMin * 0.999 && f <= fMax * 1.001);
  const yTicks = y.ticks(Math.max(3, Math.min(8, Math.floor(plotH / 28))));

  const hasPeak = !!peak && Number.isFinite(peak.hz);
  const peakInView = hasPeak && peak.hz >= fMin && peak.hz <= fMax;
  let marker = null;
  if (peakInView) {
    const px = x(peak.hz);
    const py = Number.isFinite(peak.db) ? Math.min(plotH, Math.max(0, y(peak.db))) : 0;
    const label = `${fmtPeakHz(peak.hz)}` + (Number.isFinite(peak.db) ? `, ${fmtPeakDb(peak.db)}` : '');
    const half = (label.length * LABEL_CHAR_PX) / 2;
    const cx = Math.min(plotW + SPECTRUM_MARGIN.right - half, Math.max(half - SPECTRUM_MARGIN.left, px));
    marker = (
      <g data-testid={`${testId}-peak-marker`}>
        {py > 12 && <line x1={px} x2={px} y1={-3} y2={py - 8} stroke={PEAK_COLOR} strokeWidth={1} strokeDasharray="2 2" />}
        <path d={`M${px},${py - 1} l-4,-7 h8 z`} fill={PEAK_COLOR} />
        <text x={cx} y={-7} textAnchor="middle" style={{ fontFamily: fonts.mono, fontSize: 10, fill: PEAK_COLOR }}>
          {label}
        </text>
      </g>
    );
  }

  const swatch = (color: string, dash: string | undefined) => (
    <svg width={22} height={8} aria-hidden="true" style={{ marginRight: 4, verticalAlign: 'middle' }}>
      <line x1={1} x2={21} y1={4} y2={4} stroke={color} strokeWidth={2} strokeDasharray={dash} />
    </svg>
  );

  return (
    <figure style={{ margin: '8px 0', fontFamily: fonts.ui, color: colors.text }} data-testid={testId}>
      <div role="img" aria-label={summary} style={{ position: 'relative', width, height }}>
        <canvas
          ref={canvasRef}
          style={{ position: 'absolute', left: SPECTRUM_MARGIN.left, top: SPECTRUM_MARGIN.top, width: plotW, height: plotH }}
        />
        <svg width={width} height={height} style={{ position: 'absolute', left: 0, top: 0, overflow: 'visible' }} aria-hidden="true">
          <g transform={`translate(${SPECTRUM_MARGIN.left},${SPECTRUM_MARGIN.top})`}>
            <AxisLeft scale={y} tickValues={yTicks} label="magnitude (dB)" grid={plotW} />
            <g transform={`translate(0,${plotH})`}>
              <AxisBottom scale={x} tickValues={tickValues} format={fmtFreqTick} label="frequency (Hz)" grid={plotH} />
            </g>
            <rect width={plotW} height={plotH} fill="none" stroke={colors.border} />
            {marker}
            {status && (
              <text
                x={plotW / 2}
                y={plotH / 2}
                textAnchor="middle"
                data-testid={`${testId}-status`}
                style={{ fontFamily: fonts.ui, fontSize: 13, fill: colors.muted }}
              >
                {status}
              </text>
            )}
          </g>
        </svg>
      </div>
      <figcaption style={{ fontSize: 12, display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'baseline', marginTop: 2 }}>
        <strong>{title}</strong>
        <span>
          {layout.bins} bins · N = {layout.fftSize} · Δf {fmtNum(layout.binHz, 2)} Hz at {fmtHz(layout.sampleRate)}
        </span>
        <span>
          {peakName}{' '}
          <span style={numeric} data-testid={`${testId}-peak-hz`} data-value={hasPeak ? peak.hz : undefined}>
            {hasPeak ? fmtPeakHz(peak.hz) : '—'}
          </span>
          {hasPeak && Number.isFinite(peak.db) && (
            <>
              {' at '}
              <span style={numeric} data-testid={`${testId}-peak-db`} data-value={peak.db}>
                {fmtPeakDb(peak.db)}
              </span>
            </>
          )}
          {hasPeak && !peakInView && <span style={{ color: colors.muted }}> (off axis)</span>}
        </span>
        <span>floor {fmtLevelDb(layout.floorDb)}</span>
        {overlayLabel !== null && (
          <span style={{ display: 'inline-flex', gap: 10 }}>
            <span>
              {swatch(SPECTRUM_TRACE.color, undefined)}
              {title}
            </span>
            <span>
              {swatch(OVERLAY_TRACE.color, OVERLAY_TRACE.dash.join(' '))}
              {overlayLabel}
            </span>
          </span>
        )}
      </figcaption>
    </figure>
  );
}

export function SpectrumPlot({
  db,
  sampleRate,
  fftSize,
  floorDb,
  ceilingDb = DEFAULT_CEILING_DB,
  peakHz,
  peakDb,
  width = 640,
  height = 240,
  title = 'Spectrum',
  overlay,
  overlayLabel,
}: SpectrumPlotProps) {
  const layout = useMemo(
    () => spectrumLayout(sampleRate, fftSize, floorDb, ceilingDb, width, height),
    [sampleRate, fftSize, floorDb, ceilingDb, width, height],
  );
  const canvasRef = useRef<HTMLCanvasElement>(null);

  // Redrawn on every render: cheap (one pass over the bins), and correct even if a caller
  // refills the same Float32Array and re-renders.
  useLayoutEffect(() => {
    const canvas = canvasRef.current;
    const g = canvas && prepareSpectrumCanvas(canvas, layout);
    if (!g) return;
    clearSpectrum(g, layout);
    drawSpectrum(g, layout, db, db.length, SPECTRUM_TRACE);
    if (overlay) drawSpectrum(g, layout, overlay, overlay.length, OVERLAY_TRACE);
  });

  // without a given peak, the text alternative and caption name the loudest bin on the axis
  const peak = peakHz !== undefined ? { hz: peakHz, db: peakDb ?? Number.NaN } : loudestBin(layout, db);
  const peakName = peakHz !== undefined ? 'peak' : 'loudest bin';
  const overlayName = overlay ? (overlayLabel ?? 'overlay') : null;
  const summary = spectrumSummary(layout, title, peak, overlayName ? `dashed overlay: ${overlayName}` : undefined, peakName);
  return (
    <SpectrumChrome
      layout={layout}
      canvasRef={canvasRef}
      title={title}
      summary={summary}
      peak={peak}
      peakName={peakName}
      overlayLabel={overlayName}
    />
  );
}
