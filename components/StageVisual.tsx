/**
 * A stage's visualiser, found through its descriptor (`StageDescriptor.visualiser`): a spectrum
 * (FFT, decode), the EQ's response, the shift stage's scores, or, for a stage that names none, a
 * trace of its visual frame's floats. Its stage's story draws it, and the chain bench draws every
 * stage of a chain with it, each from its own visual slot.
 */
import { useEffect, useState } from 'react';
import { resolveParams, numberParam } from '../dsp-stages/params.ts';
import { eqBands } from '../dsp-stages/eq/params.ts';
import type { ParamValues, StageDescriptor } from '../dsp-stages/types.ts';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { EqResponse } from './EqResponse.tsx';
import { ShiftScores } from './ShiftScores.tsx';
import { Spectrum } from './Spectrum.tsx';
import { XYPlot, type XYPoint } from './XYPlot.tsx';

export interface StageVisualProps {
  runtime: StagebenchRuntime;
  stage: StageDescriptor;
  /** The stage's parameters (missing ones take their defaults). */
  params: ParamValues;
  /** The visual slot its frames are in: 0 for a single stage, a chain stage's `visualSlot`. */
  slot?: number;
  /** A spectrum's floor, dB (default: the descriptor's). */
  floorDb?: number;
  /** A spectrum's title (default: the descriptor's). */
  title?: string;
  /** The delay a test source applies, samples: marked on the shift stage's scores. */
  trueDelay?: number;
  width?: number;
  height?: number;
}

export function StageVisual({ runtime, stage, params, slot = 0, floorDb, title, trueDelay, width, height }: StageVisualProps) {
  const { values } = resolveParams(stage.params, params);
  const v = stage.visualiser;
  const size = width !== undefined ? { width } : {};
  const sized = height !== undefined ? { ...size, height } : size;
  if (!v) return <VisualTrace runtime={runtime} slot={slot} title={title ?? `${stage.title}: visual frame`} {...sized} />;
  switch (v.kind) {
    case 'spectrum':
      return (
        <Spectrum
          runtime={runtime}
          slot={slot}
          fftSize={v.fftSize(values)}
          floorDb={floorDb ?? v.floorDb}
          title={title ?? v.title}
          {...(v.peakFigures ? { peakFigures: v.peakFigures } : {})}
          {...sized}
        />
      );
    case 'eq-response':
      return <EqResponse runtime={runtime} slot={slot} bands={eqBands(values)} bypass={values.bypass === 'on'} {...sized} />;
    case 'shift-scores':
      return (
        <ShiftScores
          runtime={runtime}
          slot={slot}
          hypotheses={numberParam(values, 'hypotheses')}
          size={numberParam(values, 'size')}
          {...(trueDelay !== undefined ? { trueDelay } : {})}
          {...sized}
        />
      );
  }
}

/** Points a trace shows at most: a longer frame is shown by its extremes over equal spans. */
const TRACE_POINTS = 1024;

/** Every float of the frame against its index (min and max of each span when the frame is long). */
export function tracePoints(frame: Float32Array, length: number, maxPoints = TRACE_POINTS): XYPoint[] {
  if (length <= maxPoints) return Array.from(frame.subarray(0, length), (y, x) => ({ x, y }));
  const spans = Math.floor(maxPoints / 2);
  const points: XYPoint[] = [];
  for (let s = 0; s < spans; s++) {
    const from = Math.floor((s * length) / spans);
    const to = Math.floor(((s + 1) * length) / spans);
    let lo = from;
    let hi = from;
    for (let i = from; i < to; i++) {
      if (frame[i]! < frame[lo]!) lo = i;
      if (frame[i]! > frame[hi]!) hi = i;
    }
    for (const i of lo <= hi ? [lo, hi] : [hi, lo]) points.push({ x: i, y: frame[i]! });
  }
  return points;
}

/** The visual frame of a stage that names no visualiser: its floats against their index, 4 times a second. */
function VisualTrace({
  runtime,
  slot,
  title,
  width,
  height,
}: {
  runtime: StagebenchRuntime;
  slot: number;
  title: string;
  width?: number;
  height?: number;
}) {
  const [points, setPoints] = useState<XYPoint[] | null>(null);
  useEffect(() => {
    let buf = new Float32Array(1024);
    let lastSeq = -1;
    const id = setInterval(() => {
      let { seq, length } = runtime.readVisual(buf, slot);
      if (length === buf.length) {
        // the frame may be longer: grow once and read again
        buf = new Float32Array(buf.length * 4);
        ({ seq, length } = runtime.readVisual(buf, slot));
      }
      if (seq < 0 || seq === lastSeq) return;
      lastSeq = seq;
      setPoints(tracePoints(buf, length));
    }, 250);
    return () => clearInterval(id);
  }, [runtime, slot]);
  if (!points) return <p role="status">{title}: waiting for the first frame…</p>;
  const ys = points.map((p) => p.y).filter(Number.isFinite);
  return (
    <XYPlot
      title={title}
      series={[{ name: 'frame', points }]}
      xLabel="index in the frame"
      yLabel="value"
      summary={`${title}: ${points.length} points, values ${ys.length ? `${Math.min(...ys).toPrecision(4)} to ${Math.max(...ys).toPrecision(4)}` : 'not finite'}.`}
      {...(width !== undefined ? { width } : {})}
      {...(height !== undefined ? { height } : {})}
    />
  );
}
