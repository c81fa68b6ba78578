/** Input and output of the worker's decode jobs: staged bytes and planar f32 targets. */
import { STAGING, region } from '../../../worklet/pool/layout.ts';
import type { WorkerContext } from '../../../worklet/pool/task-kind.ts';
import type { ByteSource, FrameError, PlanarResult, PlanarTarget } from './task.ts';

/** The bytes of a job, as a view (shared: a staging buffer of the layout; messages: the moved buffer). */
export function jobBytes(ctx: WorkerContext, src: ByteSource): Uint8Array {
  if (src.mode === 'messages') return new Uint8Array(src.bytes);
  const layout = ctx.needLayout('decode');
  const slot = region(layout, STAGING).items[src.slot];
  if (!slot) throw new Error(`decode: staging buffer ${src.slot} does not exist`);
  const { byte_offset: at, byte_length: n } = src;
  if (!(Number.isInteger(at) && at >= 0 && Number.isInteger(n) && n >= 0 && at + n <= slot.length)) {
    throw new Error(`decode: bytes ${at}..${at + n} are not inside a ${slot.length}-byte staging buffer`);
  }
  return slot.subarray(at, at + n);
}

/**
 * Writes `frames` frames of `channels` planes to the target. `source(c)` gives channel c's
 * frames; returned planes are fresh ArrayBuffers (moved with the reply).
 */
export function writePlanar(
  target: PlanarTarget,
  channels: number,
  frames: number,
  source: (c: number) => Float32Array,
  errors: FrameError[],
): PlanarResult {
  if (target.mode === 'shared') {
    if (target.planes.length !== channels) throw new Error(`decode: ${target.planes.length} output planes for ${channels} channels`);
    for (let c = 0; c < channels; c++) {
      const plane = new Float32Array(target.planes[c]!);
      if (target.frame_offset + frames > plane.length) {
        throw new Error(`decode: frames ${target.frame_offset}..${target.frame_offset + frames} exceed the output's ${plane.length}`);
      }
      plane.set(source(c).subarray(0, frames), target.frame_offset);
    }
    return { kind: 'planar', frames, planes: null, errors };
  }
  const planes: ArrayBuffer[] = [];
  for (let c = 0; c < channels; c++) planes.push(source(c).slice(0, frames).buffer);
  return { kind: 'planar', frames, planes, errors };
}

/**
 * Output planes of `frames` frames for a job that fills them piece by piece: views into the
 * shared planes at the target's offset, or fresh planes moved with the reply. `result(n)` says
 * that the first n frames were written.
 */
export function outputPlanes(
  target: PlanarTarget,
  channels: number,
  frames: number,
): { planes: Float32Array[]; result(written: number, errors: FrameError[]): PlanarResult } {
  if (target.mode === 'shared') {
    if (target.planes.length !== channels) throw new Error(`decode: ${target.planes.length} output planes for ${channels} channels`);
    const planes = target.planes.map((sab) => {
      const plane = new Float32Array(sab);
      if (target.frame_offset + frames > plane.length) {
        throw new Error(`decode: frames ${target.frame_offset}..${target.frame_offset + frames} exceed the output's ${plane.length}`);
      }
      return plane.subarray(target.frame_offset, target.frame_offset + frames);
    });
    return { planes, result: (written, errors) => ({ kind: 'planar', frames: written, planes: null, errors }) };
  }
  const planes = Array.from({ length: channels }, () => new Float32Array(frames));
  return {
    planes,
    result: (written, errors) => ({
      kind: 'planar',
      frames: written,
      planes: planes.map((p) => (written === frames ? p.buffer : p.slice(0, written).buffer)),
      errors,
    }),
  };
}
