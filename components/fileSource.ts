/**
 * The `file` source: a built-in decode fixture (named by its id in the source spec, so links carry
 * it) or the user's own file (kept in this page only), decoded on the page's worker pool at the
 * context's rate, then looped through the worklet by the runtime (StagebenchRuntime.playFile).
 */
import type { StagebenchRuntime } from '../worklet/host.ts';
import { decode } from '../dsp-stages/decode/pool/decode.ts';
import { DEFAULT_FIXTURE, fixtureBytes, fixtureName } from './fixtures.ts';

/** Bytes to decode, with the name messages give. */
export interface FileInput {
  name: string;
  bytes: Uint8Array;
}

/** A decoded file at the context's rate. */
export interface DecodedFile {
  name: string;
  format: string;
  channelData: Float32Array[];
  frames: number;
  sampleRate: number;
  /** True for the user's own file (no link or report can carry it). */
  own: boolean;
}

/** The bytes of the built-in fixture a source spec names (none: DEFAULT_FIXTURE); throws naming an unknown id. */
export async function fixtureInput(id: string | undefined): Promise<FileInput> {
  const name = fixtureName(id ?? DEFAULT_FIXTURE);
  if (!name) throw new Error(`no built-in file "${id}"`);
  return { name, bytes: await fixtureBytes(name) };
}

/**
 * Decodes `input` on the runtime's worker pool at the context's rate. A file the decoder rejects,
 * or decodes only in part, throws the decoder's message (it names the file and the problem).
 */
export async function decodeForSource(runtime: StagebenchRuntime, input: FileInput, own: boolean): Promise<DecodedFile> {
  const pool = await runtime.pool();
  const r = await decode(pool, input, { outputRate: runtime.ctx.sampleRate });
  if (r.error) throw new Error(r.error);
  if (r.frames === 0) throw new Error(`${input.name}: no audio frames decoded`);
  return { name: r.name, format: r.format ?? 'unknown', channelData: r.channelData, frames: r.frames, sampleRate: r.sampleRate, own };
}
