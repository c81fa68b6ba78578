/**
 * The worker's Rust decode jobs (through dsp-stages/decode/bindings.ts): a WAV chunk
 * (pcm_to_planar; when the rates differ, then resample_span on planes) and a resample span over
 * planar source frames (the same). One wasm instance per worker for decoding; its resampler is
 * kept while the rates and channels stay.
 */
import type { StagebenchWasm } from '../../../worklet/abi.ts';
import type { WorkerContext } from '../../../worklet/pool/task-kind.ts';
import { convertPcmPlanar, convertPcmPlanarAt, Resampler, type WavInfo } from '../bindings.ts';
import type { PlanarResult, ResampleJob, WavChunkJob } from './task.ts';
import { jobBytes, writePlanar } from './worker-io.ts';

let wasm: StagebenchWasm | null = null;
let resampler: Resampler | null = null;

function instance(ctx: WorkerContext): StagebenchWasm {
  wasm ??= ctx.instance();
  return wasm;
}

function resamplerFor(ctx: WorkerContext, inRate: number, outRate: number, channels: number): Resampler {
  const r = resampler;
  if (r && r.inRate === inRate && r.outRate === outRate && r.channels === channels) return r;
  resampler = Resampler.create(instance(ctx), inRate, outRate, channels);
  return resampler;
}

export function decodeWavChunk(ctx: WorkerContext, job: WavChunkJob): PlanarResult {
  const { channels: ch, bits } = job;
  if (!Number.isInteger(ch) || ch < 1 || !Number.isInteger(bits) || bits < 8 || bits % 8 !== 0) {
    throw new Error(`wav chunk: ${ch} channels of ${bits} bits`);
  }
  const blockAlign = (ch * bits) / 8;
  const bytes = jobBytes(ctx, job.input);
  if (bytes.length !== job.in_frames * blockAlign) {
    throw new Error(`wav chunk: ${bytes.length} bytes for ${job.in_frames} frames of ${blockAlign} bytes`);
  }
  const info: WavInfo = {
    format: job.format === 3 ? 'float' : 'pcm',
    formatCode: job.format === 3 ? 3 : 1,
    channels: ch,
    sampleRate: job.in_rate,
    bitsPerSample: bits,
    blockAlign,
    extensible: false,
    dataOffset: 0,
    framesClaimed: job.in_frames,
    frames: job.in_frames,
  };
  if (job.in_rate !== job.out_rate) {
    // the PCM converted straight into the resampler's planar input, resampled from there into
    // planes: no copy of the chunk in between, no pass in JavaScript to (de)interleave
    const rs = resamplerFor(ctx, job.in_rate, job.out_rate, ch);
    const fill = (at: number) => convertPcmPlanarAt(instance(ctx), info, bytes, job.in_frames, at);
    const out = rs.spanPlanarIn(job.in_frames, fill, job.in_start, job.total_in, job.out_start, job.out_count, { views: true });
    return writePlanar(job.output, ch, job.out_count, (c) => out[c]!, []);
  }
  if (job.in_start !== job.out_start || job.in_frames !== job.out_count) {
    throw new Error(
      `wav chunk: input frames ${job.in_start}+${job.in_frames} for output ${job.out_start}+${job.out_count} without resampling`,
    );
  }
  // planes converted in wasm memory (views of it), copied once into the output
  const planes = convertPcmPlanar(instance(ctx), info, bytes, job.in_frames);
  return writePlanar(job.output, ch, job.out_count, (c) => planes[c]!, []);
}

export function resampleSpan(ctx: WorkerContext, job: ResampleJob): PlanarResult {
  const ch = job.channels;
  let planes: Float32Array[];
  if (job.input.mode === 'shared') {
    const { frame_offset, frames } = job.input;
    if (frames !== job.in_frames) throw new Error(`resample: ${frames} shared frames for ${job.in_frames}`);
    planes = job.input.planes.map((sab) => new Float32Array(sab, frame_offset * 4, frames));
  } else {
    planes = job.input.planes.map((buf) => new Float32Array(buf));
  }
  const rs = resamplerFor(ctx, job.in_rate, job.out_rate, ch);
  // views of wasm memory, copied into the output at once
  const out = rs.spanPlanar(planes, job.in_start, job.total_in, job.out_start, job.out_count, { inFrames: job.in_frames, views: true });
  return writePlanar(job.output, ch, job.out_count, (c) => out[c]!, []);
}
