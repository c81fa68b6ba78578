/**
 * decode/resample-1s: one second of stereo 44.1 kHz (a 997 Hz sine, the two channels a quarter
 * turn apart, amplitude 0.5) to 48 kHz per call, in this thread:
 *
 * - stagebench: the decode workers' resampler (`Resampler.spanPlanar` on this module's wasm:
 *   planes in, planes out, copied out of wasm memory), the clip as one span. A Kaiser-windowed
 *   sinc of 128 taps at these rates, 160 exact phases, stopband 98 dB from the lower Nyquist,
 *   passband to 0.9 of it; stateless, so spans computed apart join bit for bit (what decoding on
 *   several workers needs);
 * - @alexanderolsen/libsamplerate-js: libsamplerate (Erik de Castro Lopo's Secret Rabbit Code)
 *   compiled to wasm, `SRC.simple` on the interleaved clip, with the two sinc converters nearest
 *   ours: `SRC_SINC_FASTEST` (97 dB, 80 % of the band) and `SRC_SINC_MEDIUM_QUALITY` (121 dB,
 *   90 %). Its answer is a new interleaved array, as ours is two new planes.
 *
 * Each output is checked (48000 or 48001 frames; a 997 Hz sine of amplitude 0.5 in both
 * channels, residual below -60 dB), and the accuracy column gives each channel's residual after
 * a least-squares fit of a 997 Hz sine over the middle 80 % of the output, relative to the
 * amplitude (what the converter's filter and its rounding leave of a pure tone).
 */
import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { Resampler, deinterleave } from '../bindings.ts';
import { fitSine, sine } from '../../signals.ts';
import type { BenchAccuracy, BenchCase, BenchEnv, BenchFile, BenchImpl } from '../../bench-harness.ts';

export const RESAMPLE_CASE = 'decode/resample-1s';
const IN_RATE = 44100;
const OUT_RATE = 48000;
const FREQ = 997;
const AMP = 0.5;
/** Loose enough for any sinc converter, tight enough to catch a misused API (wrong rate, layout). */
const CHECK_DB = -60;

/** The clip: channel 0 `AMP sin`, channel 1 `AMP cos`, at IN_RATE. */
export function resampleClip(): Float32Array[] {
  return [0, Math.PI / 2].map((phase) => sine(IN_RATE, IN_RATE, FREQ, AMP, phase));
}

/**
 * The residual of `y` (at `rate`) after the least-squares fit of a sine at `freq` over its
 * middle 80 % (`fitSine`), in dB relative to `amp`; and the fitted amplitude.
 */
export function sineResidualDb(y: ArrayLike<number>, rate: number, freq: number, amp: number): { db: number; amplitude: number } {
  const fit = fitSine(y, rate, freq, Math.floor(y.length * 0.1), Math.ceil(y.length * 0.9));
  return { db: 20 * Math.log10(fit.residualRms / (amp / Math.SQRT2)), amplitude: fit.amplitude };
}

/** One implementation: its run, and its last output as planes (for the check and the accuracy). */
export function resampleImpl(name: string, run: () => Float32Array[]): BenchImpl {
  let last: Float32Array[] | null = null;
  const output = () => (last ??= run());
  const fits = () => output().map((p) => sineResidualDb(p, OUT_RATE, FREQ, AMP));
  return {
    name,
    run: () => {
      last = run();
    },
    check() {
      last = null;
      const planes = output();
      if (planes.length !== 2 || planes.some((p) => p.length < OUT_RATE || p.length > OUT_RATE + 1)) {
        throw new Error(`${name}: ${planes.map((p) => p.length).join(' and ')} frames, expected 48000 per channel`);
      }
      fits().forEach((f, c) => {
        if (!(f.db < CHECK_DB && Math.abs(f.amplitude - AMP) < 0.01)) {
          throw new Error(
            `${name}: channel ${c} is not the ${FREQ} Hz sine at ${OUT_RATE} Hz (amplitude ${f.amplitude.toFixed(4)}, residual ${f.db.toFixed(1)} dB)`,
          );
        }
      });
    },
    accuracy(): BenchAccuracy {
      const f = fits();
      return {
        summary: `sine residual ${f.map((x) => x.db.toFixed(1)).join(' / ')} dB`,
        figures: { residualDb0: f[0]!.db, residualDb1: f[1]!.db },
      };
    },
  };
}

type Src = Awaited<ReturnType<typeof libsamplerate.create>>;
let peers: { fastest: Src; medium: Src } | null = null;

function oursImpl(env: BenchEnv, clip: Float32Array[]): BenchImpl {
  const rs = Resampler.create(env.newWasm(), IN_RATE, OUT_RATE, 2);
  const outFrames = rs.outFrames(IN_RATE);
  return resampleImpl('stagebench', () => rs.spanPlanar(clip, 0, IN_RATE, 0, outFrames));
}

function peerImpl(variant: string, src: Src, clip: Float32Array[]): BenchImpl {
  const interleaved = new Float32Array(2 * IN_RATE);
  clip[0]!.forEach((v, i) => (interleaved[2 * i] = v));
  clip[1]!.forEach((v, i) => (interleaved[2 * i + 1] = v));
  return resampleImpl(`@alexanderolsen/libsamplerate-js (${variant})`, () => deinterleave(src.simple(interleaved), 2));
}

export function resampleCase(env: BenchEnv): BenchCase {
  if (!peers) throw new Error('resample bench: prepare() must run before cases() (it loads libsamplerate)');
  const clip = resampleClip();
  return {
    stage: 'decode',
    name: RESAMPLE_CASE,
    ours: 'stagebench',
    impls: [oursImpl(env, clip), peerImpl('SINC_FASTEST', peers.fastest, clip), peerImpl('SINC_MEDIUM', peers.medium, clip)],
  };
}

export const resampleBench: BenchFile = {
  help: `  decode/resample-1s resamples one second of stereo 44.1 kHz (a 997 Hz sine) to 48 kHz per call
  in this thread: ours, the decode workers' stateless windowed-sinc resampler (planes in and
  out), against libsamplerate in wasm (@alexanderolsen/libsamplerate-js, src_simple) with its
  SINC_FASTEST and SINC_MEDIUM_QUALITY converters. The accuracy column: each channel's residual
  after fitting the sine, in dB.
`,
  stage: 'decode',
  caseNames: [RESAMPLE_CASE],
  async prepare() {
    const { create, ConverterType } = libsamplerate;
    peers ??= {
      fastest: await create(2, IN_RATE, OUT_RATE, { converterType: ConverterType.SRC_SINC_FASTEST }),
      medium: await create(2, IN_RATE, OUT_RATE, { converterType: ConverterType.SRC_SINC_MEDIUM_QUALITY }),
    };
  },
  async close() {
    peers?.fastest.destroy();
    peers?.medium.destroy();
    peers = null;
  },
  cases: (env) => [resampleCase(env)],
};
