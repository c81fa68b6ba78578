/** Input and output of the worker's decode jobs: staged bytes and planar f32 targets. */
import type { StagebenchWasm } from '../abi.ts';
import type { PoolLayout } from './layout.ts';
import type { ByteSource, FrameError, PlanarResult, PlanarTarget } from './protocol.ts';

export interface DecodeContext {
  layout(): PoolLayout | null;
  /** A fresh wasm instance (the decode job keeps its own). */
  instance(): StagebenchWasm;
}

/** The bytes of a job, as a view (shared: the layout's decode buffer; messages: the moved buffer). */
export function jobBytes(ctx: DecodeContext, src: ByteSource): Uint8Array {
  if (src.mode === 'messages') return new Uint8Array(src.bytes);
  const layout = ctx.layout();
  if (!layout) throw new Error('decode: shared input, but this worker has no shared buffer');
  const slot = layout.decode[src.slot];
  if (!slot) throw new Error(`decode: decode buffer ${src.slot} does not exist`);
  if (src.byte_length > slot.length) throw new Error(`decode: ${src.byte_length} bytes do not fit a ${slot.length}-byte decode buffer`);
  return slot.subarray(0, src.byte_length);
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
