/**
 * Oscilloscope of the newest processed samples: a <canvas> redrawn every animation frame from
 * the runtime's scope ring, SVG axes from d3-scale, peak and RMS figures a few times a second.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { scaleLinear } from 'd3-scale';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { AxisBottom, AxisLeft } from './Axis.tsx';
import { prepareCanvas } from './SpectrumPlot.tsx';
import { fmtDb, fmtHz, fmtMs, fmtNum, gainToDb } from './format.ts';
import { useRuntimeState } from './useRuntime.ts';
import { colors, fonts, numeric } from './theme.ts';

export interface ScopeProps {
  runtime: StagebenchRuntime;
  /** Newest samples shown (default 1024). */
  samples?: number;
  height?: number;
  width?: number;
  title?: string;
}

interface Stats {
  peak: number;
  rms: number;
}

/** Peak/RMS refresh period: React re-renders at ~4 Hz, not on every frame. */
const STATS_INTERVAL_MS = 250;
const MARGIN = { top: 8, right: 12, bottom: 34, left: 46 };

export interface ScopeFigures {
  title: string;
  samples: number;
  durationMs: number;
  sampleRate: number;
  peak: number;
  rms: number;
}

/** The text alternative: "Scope: 1024 samples (21.33 ms at 48 kHz), peak 0.50 (-6.0 dBFS), RMS 0.35 (-9.0 dBFS)". */
export function scopeSummary({ title, samples, durationMs, sampleRate, peak, rms }: ScopeFigures): string {
  return (
    `${title}: ${samples} samples (${fmtMs(durationMs)} at ${fmtHz(sampleRate)}), ` +
    `peak ${fmtNum(peak, 2)} (${fmtDb(gainToDb(peak))}), RMS ${fmtNum(rms, 2)} (${fmtDb(gainToDb(rms))})` +
    (peak >= 1 ? ', clipping' : '')
  );
}
const Y_TICKS = [-1, -0.5, 0, 0.5, 1] as const;

export function Scope({ runtime, samples = 1024, height = 180, width = 640, title = 'Scope' }: ScopeProps) {
  const { sampleRate } = useRuntimeState(runtime);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [stats, setStats] = useState<Stats>({ peak: 0, rms: 0 });

  const n = Math.max(2, Math.floor(samples));
  const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const plotH = Math.max(10, height - MARGIN.top - MARGIN.bottom);
  const durationMs = (n / sampleRate) * 1000;

  const x = useMemo(() => scaleLinear().domain([0, durationMs]).range([0, plotW]), [durationMs, plotW]);
  const y = useMemo(() => scaleLinear().domain([-1, 1]).range([plotH, 0]), [plotH]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const g = canvas ? prepareCanvas(canvas, plotW, plotH) : null;
    if (!canvas || !g) return;

    // One buffer per mount (or size change): the frame loop allocates nothing.
    const buffer = new Float32Array(n);
    const cols = Math.max(1, Math.floor(plotW));
    const zeroY = y(0);
    let raf = 0;
    let lastStats = -Infinity;

    // the quantum count when last drawn: nothing new (audio suspended) draws nothing
    let drawnAt = -1;

    const draw = (now: number) => {
      raf = requestAnimationFrame(draw);
      const quanta = runtime.quantumCount();
      if (quanta === drawnAt) return;
      drawnAt = quanta;
      runtime.readScope(buffer);
      let peak = 0;
      let sumSq = 0;
      for (let i = 0; i < n; i++) {
        const v = buffer[i]!;
        const a = Math.abs(v);
        if (a > peak) peak = a;
        sumSq += v * v;
      }

      g.clearRect(0, 0, plotW, plotH);
      g.strokeStyle = colors.grid;
      g.lineWidth = 1;
      g.beginPath();
      g.moveTo(0, zeroY);
      g.lineTo(plotW, zeroY);
      g.stroke();

      const trace = peak >= 1 ? colors.danger : colors.trace;
      if (n > cols) {
        // More samples than pixels: each column is one bar from its min to its max (its range
        // extended to the previous column's last sample, so the trace has no gaps), so peaks are
        // never skipped. Bars, not a stroked path: a path zig-zagging through noise is slow to
        // rasterise in software (about 17 ms a frame for 582 columns in headless Chromium).
        g.fillStyle = trace;
        for (let c = 0; c < cols; c++) {
          const i0 = Math.floor((c * n) / cols);
          const i1 = Math.max(i0 + 1, Math.floor(((c + 1) * n) / cols));
          let lo = Infinity;
          let hi = -Infinity;
          for (let i = Math.max(0, i0 - 1); i < i1; i++) {
            const v = buffer[i]!;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          const top = y(hi);
          g.fillRect(c, top, 1, Math.max(1.25, y(lo) - top));
        }
      } else {
        g.strokeStyle = trace;
        g.lineWidth = 1.25;
        g.beginPath();
        const step = plotW / (n - 1);
        for (let i = 0; i < n; i++) {
          if (i === 0) g.moveTo(0, y(buffer[0]!));
          else g.lineTo(i * step, y(buffer[i]!));
        }
        g.stroke();
      }

      if (now - lastStats >= STATS_INTERVAL_MS) {
        lastStats = now;
        const rms = Math.sqrt(sumSq / n);
        setStats((prev) => (prev.peak === peak && prev.rms === rms ? prev : { peak, rms }));
      }
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, [runtime, n, plotW, plotH, y]);

  const clipping = stats.peak >= 1;
  const summary = scopeSummary({ title, samples: n, durationMs, sampleRate, peak: stats.peak, rms: stats.rms });

  return (
    <figure style={{ margin: '8px 0', fontFamily: fonts.ui, color: colors.text }}>
      <div role="img" aria-label={summary} style={{ position: 'relative', width, height }}>
        <canvas ref={canvasRef} style={{ position: 'absolute', left: MARGIN.left, top: MARGIN.top, width: plotW, height: plotH }} />
        <svg width={width} height={height} style={{ position: 'absolute', left: 0, top: 0, overflow: 'visible' }} aria-hidden="true">
          <rect x={MARGIN.left} y={MARGIN.top} width={plotW} height={plotH} fill="none" stroke={colors.border} />
          <g transform={`translate(${MARGIN.left},${MARGIN.top + plotH})`}>
            <AxisBottom scale={x} ticks={Math.max(2, Math.floor(plotW / 80))} label="time (ms)" />
          </g>
          <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
            <AxisLeft scale={y} tickValues={Y_TICKS} format={(v) => fmtNum(v, 1)} label="amplitude" />
          </g>
        </svg>
      </div>
      <figcaption style={{ fontSize: 12, display: 'flex', gap: 12, flexWrap: 'wrap', marginTop: 2 }}>
        <strong>{title}</strong>
        <span>
          {n} samples · {fmtMs(durationMs)} at {fmtHz(sampleRate)}
        </span>
        <span>
          peak{' '}
          <span style={numeric} data-testid="scope-peak">
            {fmtNum(stats.peak, 2)}
          </span>
          {clipping && <strong style={{ color: colors.danger }}> clipping</strong>}
        </span>
        <span>
          RMS{' '}
          <span style={numeric} data-testid="scope-rms">
            {fmtNum(stats.rms, 2)}
          </span>
        </span>
      </figcaption>
    </figure>
  );
}
