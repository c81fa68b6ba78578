/**
 * The shift stage's scores against hypothesis lag, live from the worklet's visual frame, with the
 * refined estimate (and the true delay, when the source knows it) marked.
 */
import { useEffect, useState } from 'react';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { XYPlot, type XYPoint, type XYSeries } from './XYPlot.tsx';
import { SpectrumPlot } from './SpectrumPlot.tsx';

export interface ShiftScoresProps {
  runtime: StagebenchRuntime;
  hypotheses: number;
  /** Frame length N (for the spectra of both frames). */
  size: number;
  /** The delay the test source applies, samples (marked on the plot). */
  trueDelay?: number;
  width?: number;
  height?: number;
  /** The visual slot to draw (default 0, a single stage's; a chain stage's is its `visualSlot`). */
  slot?: number;
}

interface Frame {
  points: XYPoint[];
  /** dB spectra of the input and reference frames (re a full-scale sine, no window). */
  inputDb: Float32Array;
  referenceDb: Float32Array;
  shift: number;
  centre: number;
  bestTau: number;
}

/** The score plot's text alternative: hypotheses, centre, best lag, the estimated shift (and its error, when the true delay is known). */
export function shiftScoresSummary(hypotheses: number, f: { centre: number; bestTau: number; shift: number }, trueDelay?: number): string {
  return (
    `Scores of ${hypotheses} shift hypotheses around ${f.centre} samples: best ${f.bestTau.toFixed(3)}, ` +
    `estimated shift ${f.shift.toFixed(3)} samples` +
    (trueDelay !== undefined ? ` (true delay ${trueDelay}, error ${(f.shift - trueDelay).toFixed(3)})` : '') +
    '.'
  );
}

export function ShiftScores({ runtime, hypotheses, size, trueDelay, width = 640, height = 240, slot = 0 }: ShiftScoresProps) {
  const [frame, setFrame] = useState<Frame | null>(null);
  useEffect(() => {
    const bins = size / 2 + 1;
    const buf = new Float32Array(2 * hypotheses + size + 2 + 2 * bins);
    const ref2 = (size / 2) ** 2;
    // refilled in place each frame (SpectrumPlot redraws on every render): no per-frame garbage
    const inputDb = new Float32Array(bins);
    const referenceDb = new Float32Array(bins);
    const toDb = (from: number, out: Float32Array) => {
      for (let k = 0; k < bins; k++) {
        const p = buf[from + k]!;
        out[k] = p > 1e-30 ? 10 * Math.log10(p / ref2) : -300;
      }
      return out;
    };
    let lastSeq = -1;
    const id = setInterval(() => {
      const { seq, length } = runtime.readVisual(buf, slot);
      if (seq < 0 || seq === lastSeq || length < buf.length) return;
      lastSeq = seq;
      const figures = runtime.figures(slot);
      const points = Array.from({ length: hypotheses }, (_, i) => ({ x: buf[hypotheses + i]!, y: buf[i]! }));
      const inAt = 2 * hypotheses + size + 2;
      setFrame({
        points,
        inputDb: toDb(inAt, inputDb),
        referenceDb: toDb(inAt + bins, referenceDb),
        shift: figures[0]!,
        centre: figures[1]!,
        bestTau: figures[2]!,
      });
    }, 250);
    return () => clearInterval(id);
  }, [runtime, hypotheses, size, slot]);

  if (!frame) return <p role="status">Waiting for the first analysis (one frame of N samples, then every hop)…</p>;
  const ys = frame.points.map((p) => p.y);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const marker = (x: number, name: string, color: string): XYSeries => ({
    name,
    points: [
      { x, y: lo },
      { x, y: hi },
    ],
    color,
    dashed: true,
  });
  const series: XYSeries[] = [
    { name: 'score c(τ)', points: frame.points, markers: true },
    marker(frame.shift, `estimate ${frame.shift.toFixed(3)}`, '#c2410c'),
  ];
  if (trueDelay !== undefined) series.push(marker(trueDelay, `true ${trueDelay}`, '#1b6e2c'));
  const summary = shiftScoresSummary(hypotheses, frame, trueDelay);
  return (
    <>
      <XYPlot
        title="Score against hypothesis"
        summary={summary}
        xLabel="lag τ (samples)"
        yLabel="correlation c(τ)"
        series={series}
        width={width}
        height={height}
      />
      <SpectrumPlot
        title="Spectra of both frames (input; reference dashed)"
        db={frame.inputDb}
        overlay={frame.referenceDb}
        overlayLabel="reference"
        sampleRate={runtime.state.sampleRate}
        fftSize={size}
        floorDb={-120}
        ceilingDb={0}
        width={width}
        height={200}
      />
    </>
  );
}
