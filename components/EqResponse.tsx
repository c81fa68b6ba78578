/**
 * The EQ's magnitude response: designed (analytic, from the Web Audio coefficients), measured on
 * the running stage (the worklet publishes input and output blocks; white noise in, Welch-averaged
 * H1 ratio out/in), and the native BiquadFilterNode chain's getFrequencyResponse for comparison.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { biquadCoefficients, cascadeResponseDb } from '../dsp-stages/eq/coefficients.ts';
import type { EqBand } from '../dsp-stages/eq/params.ts';
import { RESPONSE_FRAME } from '../dsp-stages/eq/reference.ts';
import { ResponseMeter } from '../dsp-stages/eq/response.ts';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { XYPlot, type XYPoint } from './XYPlot.tsx';
import { SpectrumPlot } from './SpectrumPlot.tsx';
import { coherentGain, complexFft, periodicWindow } from '../dsp-stages/fft/reference.ts';
import { button } from './theme.ts';

export interface EqResponseProps {
  runtime: StagebenchRuntime;
  bands: readonly EqBand[];
  bypass: boolean;
  /** Frequencies of the designed curve. */
  points?: number;
  width?: number;
  height?: number;
  /** The visual slot to draw (default 0, a single stage's; a chain stage's is its `visualSlot`). */
  slot?: number;
}

const F_MIN = 20;
const UPDATE_MS = 500;

function logFrequencies(count: number, hi: number): number[] {
  return Array.from({ length: count }, (_, i) => F_MIN * Math.pow(hi / F_MIN, i / (count - 1)));
}

/** Designed response of the bands at `freqs` (0 dB when bypassed). */
export function designedResponse(bands: readonly EqBand[], bypass: boolean, freqs: readonly number[], sampleRate: number): XYPoint[] {
  const sections = bands.map((b) => biquadCoefficients(b, sampleRate));
  return freqs.map((f) => ({ x: f, y: bypass ? 0 : cascadeResponseDb(sections, f, sampleRate) }));
}

/** The native BiquadFilterNode chain's response (getFrequencyResponse), in dB. */
function nativeResponse(bands: readonly EqBand[], bypass: boolean, freqs: readonly number[], sampleRate: number): XYPoint[] {
  const ctx = new OfflineAudioContext({ numberOfChannels: 1, length: 128, sampleRate });
  const hz = Float32Array.from(freqs);
  const mag = new Float32Array(freqs.length);
  const phase = new Float32Array(freqs.length);
  const total = new Float64Array(freqs.length);
  if (!bypass) {
    for (const b of bands) {
      if (b.type === 'off') continue;
      const node = new BiquadFilterNode(ctx, { type: b.type, frequency: b.frequencyHz, gain: b.gainDb, Q: b.q });
      node.getFrequencyResponse(hz, mag, phase);
      for (let i = 0; i < freqs.length; i++) total[i] = total[i]! + 20 * Math.log10(mag[i]!);
    }
  }
  return freqs.map((f, i) => ({ x: f, y: total[i]! }));
}

export interface EqResponseFigures {
  bypass: boolean;
  /** Designed response, dB, over the plotted frequencies. */
  designed: readonly XYPoint[];
  /** Frames averaged into the measured response (0: none yet). */
  frames: number;
  /** Whether any measured point exists. */
  measured: boolean;
  /** Largest |measured - designed|, dB, from 30 Hz to 16 kHz where the design is above -40 dB. */
  maxDeviationDb: number;
}

/** The response plot's text alternative: designed range and 1 kHz level, measured frames and the response error. */
export function eqResponseSummary({ bypass, designed, frames, measured, maxDeviationDb }: EqResponseFigures): string {
  const at1k = designed.reduce(
    (best, p) => (Math.abs(p.x - 1000) < Math.abs(best.x - 1000) ? p : best),
    designed[0] ?? { x: 1000, y: NaN },
  );
  const ys = designed.map((p) => p.y);
  return (
    `EQ magnitude response${bypass ? ' (bypassed)' : ''}: designed ${Math.min(...ys).toFixed(1)} to ${Math.max(...ys).toFixed(1)} dB, ` +
    `${at1k.y.toFixed(2)} dB at 1 kHz; measured on the running stage from ${frames} frames of ${RESPONSE_FRAME} samples` +
    (measured
      ? `, response error (largest deviation from the design) ${maxDeviationDb.toFixed(2)} dB from 30 Hz to 16 kHz (where the design is above −40 dB).`
      : ' (waiting for frames; pick the white-noise source).')
  );
}

export function EqResponse({ runtime, bands: bandsProp, bypass, points = 240, width = 720, height = 300, slot = 0 }: EqResponseProps) {
  // callers pass a fresh array each render: key the memos and the reset on its contents
  const bandsKey = JSON.stringify(bandsProp);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const bands = useMemo(() => bandsProp, [bandsKey]);
  const sampleRate = runtime.state.sampleRate;
  const hi = Math.min(20_000, sampleRate * 0.49);
  const freqs = useMemo(() => logFrequencies(points, hi), [points, hi]);
  const designed = useMemo(() => designedResponse(bands, bypass, freqs, sampleRate), [bands, bypass, freqs, sampleRate]);
  const native = useMemo(() => nativeResponse(bands, bypass, freqs, sampleRate), [bands, bypass, freqs, sampleRate]);
  const [measured, setMeasured] = useState<XYPoint[]>([]);
  const [frames, setFrames] = useState(0);
  const meterRef = useRef(new ResponseMeter(RESPONSE_FRAME));
  /** Output and input power spectra, exponentially averaged over frames, shown in dBFS. */
  const [outputDb, setOutputDb] = useState<{ out: Float32Array; input: Float32Array } | null>(null);

  // a new setting starts a new average
  useEffect(() => {
    meterRef.current.reset();
    setMeasured([]);
    setFrames(0);
  }, [bands, bypass]);

  useEffect(() => {
    const frame = new Float32Array(2 * RESPONSE_FRAME);
    let lastSeq = -1;
    let raf = 0;
    let lastUpdate = 0;
    // the meter's frame count when last shown: no new frames (audio suspended), no re-render
    let shownFrames = -1;
    const hann = periodicWindow('hann', 0, RESPONSE_FRAME);
    const ref = (RESPONSE_FRAME * coherentGain(hann)) / 2;
    const avgOut = new Float64Array(RESPONSE_FRAME / 2 + 1);
    const avgIn = new Float64Array(RESPONSE_FRAME / 2 + 1);
    // transform buffers reused for every frame: no per-frame garbage while the page runs
    const re = new Float64Array(RESPONSE_FRAME);
    const im = new Float64Array(RESPONSE_FRAME);
    const accumulate = (x: Float32Array, avg: Float64Array) => {
      for (let i = 0; i < RESPONSE_FRAME; i++) re[i] = x[i]! * hann[i]!;
      im.fill(0);
      complexFft(re, im);
      for (let k = 0; k < avg.length; k++) avg[k] = 0.8 * avg[k]! + 0.2 * ((re[k]! ** 2 + im[k]! ** 2) / (ref * ref));
    };
    const toDb = (avg: Float64Array) => Float32Array.from(avg, (p) => (p > 1e-30 ? 10 * Math.log10(p) : -300));
    const tick = (now: number) => {
      raf = requestAnimationFrame(tick);
      const { seq, length } = runtime.readVisual(frame, slot);
      if (seq >= 0 && seq !== lastSeq && length === 2 * RESPONSE_FRAME) {
        lastSeq = seq;
        meterRef.current.add(frame.subarray(0, RESPONSE_FRAME), frame.subarray(RESPONSE_FRAME));
        accumulate(frame.subarray(0, RESPONSE_FRAME), avgIn);
        accumulate(frame.subarray(RESPONSE_FRAME), avgOut);
      }
      if (now - lastUpdate > UPDATE_MS && meterRef.current.frames > 0 && meterRef.current.frames !== shownFrames) {
        lastUpdate = now;
        shownFrames = meterRef.current.frames;
        const meter = meterRef.current;
        // one point per bin above 20 Hz, thinned to about 3 per 1/24 octave for the plot
        const pts: XYPoint[] = [];
        let lastX = 0;
        for (let k = 1; k <= RESPONSE_FRAME / 2; k++) {
          const x = meter.binHz(k, sampleRate);
          if (x < F_MIN || x > hi || x < lastX * Math.pow(2, 1 / 72)) continue;
          const y = meter.responseDb(k);
          if (Number.isFinite(y)) {
            pts.push({ x, y });
            lastX = x;
          }
        }
        setMeasured(pts);
        setFrames(meter.frames);
        setOutputDb({ out: toDb(avgOut), input: toDb(avgIn) });
      }
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [runtime, sampleRate, hi, slot]);

  const maxDesigned = Math.max(...designed.map((p) => p.y));
  const minDesigned = Math.min(...designed.map((p) => p.y));
  // measured vs designed over 30 Hz - 16 kHz where the design is above -40 dB (noise decides below)
  const sections = useMemo(() => bands.map((b) => biquadCoefficients(b, sampleRate)), [bands, sampleRate]);
  let maxDev = 0;
  for (const p of measured) {
    if (p.x < 30 || p.x > 16_000) continue;
    const d = cascadeResponseDb(sections, p.x, sampleRate);
    if (bypass || d > -40) maxDev = Math.max(maxDev, Math.abs(p.y - (bypass ? 0 : d)));
  }
  const summary = eqResponseSummary({ bypass, designed, frames, measured: measured.length > 0, maxDeviationDb: maxDev });

  return (
    <div>
      <XYPlot
        title="Magnitude response"
        summary={summary}
        xLabel="frequency (Hz)"
        yLabel="magnitude (dB)"
        xScale="log"
        xDomain={[F_MIN, hi]}
        yDomain={[Math.max(-60, Math.floor(minDesigned / 6) * 6 - 6), Math.ceil(maxDesigned / 6) * 6 + 6]}
        width={width}
        height={height}
        series={[
          { name: 'designed (analytic)', points: designed, color: '#0b5cad' },
          { name: 'native BiquadFilterNode chain', points: native, color: '#8a5a00', dashed: true },
          { name: `measured (noise in, ${frames} frames)`, points: measured, color: '#c2410c', markers: false },
        ]}
      />
      <button
        type="button"
        style={button}
        onClick={() => {
          meterRef.current.reset();
          setMeasured([]);
          setFrames(0);
        }}
      >
        Restart the measured average
      </button>
      {outputDb && (
        <SpectrumPlot
          title="Output spectrum (input dashed)"
          db={outputDb.out}
          overlay={outputDb.input}
          overlayLabel="input"
          sampleRate={sampleRate}
          fftSize={RESPONSE_FRAME}
          floorDb={-120}
          width={width}
          height={220}
        />
      )}
    </div>
  );
}
