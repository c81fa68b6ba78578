/**
 * Live spectrum: the stage's newest visual frame (dB per bin, k = 0..fftSize/2) redrawn on the
 * canvas whenever its sequence number changes, outside React; the peak figures, label and text
 * alternative re-render at most 4 times a second. The frame loop allocates nothing of its own.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { StagebenchRuntime } from '../worklet/host.ts';
import {
  DEFAULT_CEILING_DB,
  SPECTRUM_TRACE,
  SpectrumChrome,
  clearSpectrum,
  drawSpectrum,
  prepareSpectrumCanvas,
  spectrumLayout,
  spectrumSummary,
} from './SpectrumPlot.tsx';
import { useRuntimeState } from './useRuntime.ts';

export interface SpectrumProps {
  runtime: StagebenchRuntime;
  fftSize: number;
  floorDb: number;
  /**
   * Indices into `runtime.figures()` of the stage's peak frequency (Hz) and level (dB). Without
   * them the caption shows the loudest bin (bin resolution) instead.
   */
  peakFigures?: { hz: number; db: number };
  width?: number;
  height?: number;
  title?: string;
  /** The visual slot to draw (default 0, a single stage's; a chain stage's is its `visualSlot`). */
  slot?: number;
}

/** Peak label / aria-label refresh period: React re-renders at ~4 Hz, not on every frame. */
const STATS_INTERVAL_MS = 250;
const WAITING = 'waiting for the first frame…';

interface LiveView {
  ready: boolean;
  peakHz: number;
  peakDb: number;
}

export function Spectrum({
  runtime,
  fftSize,
  floorDb,
  peakFigures,
  width = 640,
  height = 240,
  title = 'Spectrum',
  slot = 0,
}: SpectrumProps) {
  const { sampleRate } = useRuntimeState(runtime);
  const layout = useMemo(
    () => spectrumLayout(sampleRate, fftSize, floorDb, DEFAULT_CEILING_DB, width, height),
    [sampleRate, fftSize, floorDb, width, height],
  );
  // Once per FFT size: room for a frame of dB followed by the complex spectrum; only the
  // first fftSize/2 + 1 values are plotted.
  const buffer = useMemo(() => new Float32Array(Math.max(2, Math.floor(fftSize)) * 2 + 8), [fftSize]);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [view, setView] = useState<LiveView>({ ready: false, peakHz: Number.NaN, peakDb: Number.NaN });
  const hzIndex = peakFigures?.hz ?? -1;
  const dbIndex = peakFigures?.db ?? -1;

  useEffect(() => {
    const canvas = canvasRef.current;
    const g = canvas && prepareSpectrumCanvas(canvas, layout);
    if (!g) return;
    clearSpectrum(g, layout);
    const { bins, kStart, binHz } = layout;
    let raf = 0;
    let lastSeq = -1;
    let lastStats = -Infinity;
    // Loudest bin of the newest drawn frame (used when the stage gives no peak figures).
    let maxBinHz = Number.NaN;
    let maxBinDb = Number.NaN;

    const frame = (now: number) => {
      const { seq, length } = runtime.readVisual(buffer, slot);
      // seq -1: no frame yet, or a frame being written; keep what is drawn.
      if (seq >= 0 && seq !== lastSeq) {
        lastSeq = seq;
        const count = Math.min(length, bins);
        clearSpectrum(g, layout);
        drawSpectrum(g, layout, buffer, count, SPECTRUM_TRACE);
        if (hzIndex < 0) {
          let best = -Infinity;
          let bestK = -1;
          for (let k = kStart; k < count; k++) {
            const v = buffer[k]!;
            if (v > best) {
              best = v;
              bestK = k;
            }
          }
          maxBinHz = bestK >= 0 ? bestK * binHz : Number.NaN;
          maxBinDb = bestK >= 0 ? best : Number.NaN;
        }
      }
      if (lastSeq >= 0 && now - lastStats >= STATS_INTERVAL_MS) {
        lastStats = now;
        let hz = maxBinHz;
        let db = maxBinDb;
        if (hzIndex >= 0) {
          // figures() copies: read it here, at 4 Hz, not every frame.
          const figures = runtime.figures(slot);
          hz = figures[hzIndex] ?? Number.NaN;
          db = dbIndex >= 0 ? (figures[dbIndex] ?? Number.NaN) : Number.NaN;
        }
        setView((prev) =>
          prev.ready && Object.is(prev.peakHz, hz) && Object.is(prev.peakDb, db) ? prev : { ready: true, peakHz: hz, peakDb: db },
        );
      }
      raf = requestAnimationFrame(frame);
    };
    raf = requestAnimationFrame(frame);
    return () => cancelAnimationFrame(raf);
  }, [runtime, layout, buffer, hzIndex, dbIndex, slot]);

  const peak = view.ready && Number.isFinite(view.peakHz) ? { hz: view.peakHz, db: view.peakDb } : null;
  const peakName = hzIndex >= 0 ? 'peak' : 'max bin';
  const summary = view.ready ? spectrumSummary(layout, title, peak, undefined, peakName) : `${title}: ${WAITING}`;
  return (
    <SpectrumChrome
      layout={layout}
      canvasRef={canvasRef}
      title={title}
      summary={summary}
      peak={peak}
      peakName={peakName}
      status={view.ready ? null : WAITING}
      testId="spectrum"
    />
  );
}
