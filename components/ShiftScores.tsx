/**
 * The shift stage's scores against hypothesis lag, live from the worklet's visual frame, with the
 * refined estimate (and the true delay, when the source knows it) marked.
 */
import { useEffect, useState } from 'react';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { XYPlot, type XYPoint, type XYSeries } from './XYPlot.tsx';

export interface ShiftScoresProps {
  runtime: StagebenchRuntime;
  hypotheses: number;
  /** The delay the test source applies, samples (marked on the plot). */
  trueDelay?: number;
  width?: number;
  height?: number;
}

interface Frame {
  points: XYPoint[];
  shift: number;
  centre: number;
  bestTau: number;
}

export function ShiftScores({ runtime, hypotheses, trueDelay, width = 640, height = 240 }: ShiftScoresProps) {
  const [frame, setFrame] = useState<Frame | null>(null);
  useEffect(() => {
    const buf = new Float32Array(2 * hypotheses + 32770);
    let lastSeq = -1;
    const id = setInterval(() => {
      const { seq, length } = runtime.readVisual(buf);
      if (seq < 0 || seq === lastSeq || length < 2 * hypotheses) return;
      lastSeq = seq;
      const figures = runtime.figures();
      const points = Array.from({ length: hypotheses }, (_, i) => ({ x: buf[hypotheses + i]!, y: buf[i]! }));
      setFrame({ points, shift: figures[0]!, centre: figures[1]!, bestTau: figures[2]! });
    }, 250);
    return () => clearInterval(id);
  }, [runtime, hypotheses]);

  if (!frame) return <p role="status">Waiting for the first analysis (one frame of N samples, then every hop)…</p>;
  const ys = frame.points.map((p) => p.y);
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const marker = (x: number, name: string, color: string): XYSeries => ({ name, points: [{ x, y: lo }, { x, y: hi }], color, dashed: true });
  const series: XYSeries[] = [{ name: 'score c(τ)', points: frame.points, markers: true }, marker(frame.shift, `estimate ${frame.shift.toFixed(3)}`, '#c2410c')];
  if (trueDelay !== undefined) series.push(marker(trueDelay, `true ${trueDelay}`, '#1b6e2c'));
  const summary =
    `Scores of ${hypotheses} shift hypotheses around ${frame.centre} samples: best ${frame.bestTau.toFixed(3)}, ` +
    `refined estimate ${frame.shift.toFixed(3)} samples` + (trueDelay !== undefined ? ` (true delay ${trueDelay}, error ${(frame.shift - trueDelay).toFixed(3)})` : '') + '.';
  return (
    <XYPlot title="Score against hypothesis" summary={summary} xLabel="lag τ (samples)" yLabel="correlation c(τ)" series={series} width={width} height={height} />
  );
}
