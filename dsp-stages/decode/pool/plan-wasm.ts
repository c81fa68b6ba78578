/**
 * Decode planning on the calling thread, with the same Rust code the workers run (one wasm
 * instance per pool, instantiated asynchronously): the WAV header probe, and the resampler's
 * context and output length that decide which input frames each chunk needs.
 */
import { StagebenchWasm } from '../../../worklet/abi.ts';
import type { WorkerPool } from '../../../worklet/pool/pool.ts';
import { isWavProbeError, probeWavPrefixes, Resampler, WAV_CODE } from '../bindings.ts';

export interface WavInfo {
  /** False when the header cannot be decoded at all (`message` says why). */
  usable: boolean;
  /** 'ok', or the problem (the file is still usable when `usable`). */
  message: string;
  /** 1 PCM, 3 float (`pcm_to_f32`'s format). */
  format: number;
  channels: number;
  sampleRate: number;
  bits: number;
  blockAlign: number;
  dataOffset: number;
  framesClaimed: number;
  framesAvailable: number;
}

export interface ResamplePlan {
  /** Input frames of context on each side. */
  context: number;
  /** Output frames for `totalIn` input frames: ceil(totalIn * out / in), as `resampler_out_frames`. */
  outFrames(totalIn: number): number;
}

export interface Planner {
  /** The header of a WAV file held in memory (read by growing prefixes, 64 KiB first). */
  probeWav(file: Uint8Array): Promise<WavInfo>;
  resampler(inRate: number, outRate: number, channels: number): ResamplePlan;
}

const planners = new WeakMap<WorkerPool, Promise<Planner>>();

function makePlanner(wasm: StagebenchWasm): Planner {
  return {
    async probeWav(file) {
      const p = await probeWavPrefixes(wasm, (n) => file.subarray(0, n), file.length);
      const empty = {
        format: 0,
        channels: 0,
        sampleRate: 0,
        bits: 0,
        blockAlign: 0,
        dataOffset: 0,
        framesClaimed: 0,
        framesAvailable: 0,
      };
      if (!isWavProbeError(p)) {
        return {
          usable: true,
          message: 'ok',
          format: p.formatCode,
          channels: p.channels,
          sampleRate: p.sampleRate,
          bits: p.bitsPerSample,
          blockAlign: p.blockAlign,
          dataOffset: p.dataOffset,
          framesClaimed: p.framesClaimed,
          framesAvailable: p.frames,
        };
      }
      const u = p.code === WAV_CODE.needMore ? undefined : p.usable;
      if (u && u.frames > 0) {
        return {
          usable: true,
          message: p.error,
          format: u.formatCode,
          channels: u.channels,
          sampleRate: u.sampleRate,
          bits: u.bitsPerSample,
          blockAlign: u.blockAlign,
          dataOffset: u.dataOffset,
          framesClaimed: u.framesClaimed,
          framesAvailable: u.frames,
        };
      }
      return { ...empty, usable: false, message: p.error };
    },
    resampler(inRate, outRate, channels) {
      const r = Resampler.create(wasm, inRate, outRate, channels);
      const outFrames = (totalIn: number) => {
        const p = totalIn * outRate;
        return (p - (p % inRate)) / inRate + (p % inRate === 0 ? 0 : 1);
      };
      // the Rust formula, checked once on a length that exercises the rounding
      const probe = 1_000_003;
      if (r.outFrames(probe) !== outFrames(probe)) throw new Error('resampler: output length formula disagrees with resampler_out_frames');
      return { context: r.context, outFrames };
    },
  };
}

/** The pool's planner (one wasm instance on this thread, made on first use). */
export function planner(pool: WorkerPool): Promise<Planner> {
  let p = planners.get(pool);
  if (!p) {
    p = pool.compiledWasm().then(async (module) => makePlanner(new StagebenchWasm(await WebAssembly.instantiate(module, {}))));
    planners.set(pool, p);
  }
  return p;
}
