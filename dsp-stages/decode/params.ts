import type { ParamSpec } from '../types.ts';
import { MAX_WORKERS } from '../../worklet/pool/layout.ts';

/** Output rates offered by name; 0 means "the audio context's rate" (the file's own rate in the CLI). */
export const DECODE_RATES = [0, 8000, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000] as const;

/**
 * Decode parameters: the one source for the story's controls, the CLI's `--param` flags and their
 * clamps. They configure the worker pool and the decode, not the per-quantum kernel.
 */
export const decodeParams = [
  {
    kind: 'number',
    name: 'rate',
    label: 'Output rate (0 = native)',
    unit: 'Hz',
    min: 0,
    max: 192000,
    step: 1,
    default: 0,
    integer: true,
    description:
      'Sample rate of the decoded output (windowed-sinc conversion in Rust, about 98 dB stopband); 0 keeps the context rate in the workbench and the file rate in the CLI. Other values below 8000 Hz clamp to 8000.',
  },
  {
    kind: 'number',
    name: 'workers',
    label: 'Workers (0 = half the cores)',
    unit: 'workers',
    min: 0,
    max: MAX_WORKERS,
    step: 1,
    default: 0,
    integer: true,
    description: 'Web Workers in the decode pool, each with its own wasm instance; 0 takes half the cores, at least 2.',
  },
  {
    kind: 'number',
    name: 'chunk',
    label: 'Chunk size',
    unit: 'frames',
    min: 4096,
    max: 1 << 20,
    step: 4096,
    default: 65536,
    integer: true,
    description:
      'Output frames per decode task: smaller chunks spread over more workers and start playback sooner, at more per-task overhead.',
  },
] as const satisfies readonly ParamSpec[];

/** The output rate a `rate` value asks for: 0 -> `native`, values in (0, 8000) -> 8000. */
export function resolveDecodeRate(rate: number, native: number): number {
  if (!(rate > 0)) return native;
  return Math.max(8000, Math.min(192000, Math.round(rate)));
}
