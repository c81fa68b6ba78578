/**
 * The CLI's `--out` file, for every command that writes audio: a WAVE_FORMAT_IEEE_FLOAT 32-bit
 * WAV (`writeWavFloat32`, the one WAV writer) when the name ends in `.wav`, raw little-endian
 * float32 otherwise (channels interleaved frame by frame). Either way the samples are written bit
 * for bit. Node only (it writes the file system).
 */
import { writeFileSync } from 'node:fs';
import { CliError } from './node-api.ts';
import { f32ToBytes, interleave, writeWavFloat32 } from './wav.ts';

/** Whether `--out` names a WAV file (by its extension, any case). */
export function isWavName(path: string): boolean {
  return /\.wav$/i.test(path);
}

/** The bytes `--out path` holds for `channels` (all the same length) at `sampleRate`. */
export function encodeOut(path: string, channels: readonly Float32Array[], sampleRate: number): Uint8Array<ArrayBuffer> {
  if (isWavName(path)) return writeWavFloat32(channels, sampleRate);
  return f32ToBytes(channels.length === 1 ? channels[0]! : interleave(channels, channels[0]?.length ?? 0));
}

/** Writes `bytes` to `path`; a failure is a CliError naming why, in one line. */
export function writeOutBytes(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such directory'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new CliError(`cannot write ${path}: ${why}`);
  }
}

/** Writes `channels` to `--out path` (WAV or raw float32, by the name). */
export function writeOutFile(path: string, channels: readonly Float32Array[], sampleRate: number): void {
  let bytes;
  try {
    bytes = encodeOut(path, channels, sampleRate);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
  writeOutBytes(path, bytes);
}
