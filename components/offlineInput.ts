/**
 * What Bounce and A/B render offline: the current source as samples. The built-in signals are
 * made by `sourceSamples` for OFFLINE_SIGNAL_SECONDS; a file source is its whole decoded file.
 * Both render channel 0 (mono), as the offline render's output is.
 */
import { sourceSamples, type SourceSpec } from '../dsp-stages/signals.ts';
import type { DecodedFile } from './fileSource.ts';
import { SOURCE_LABELS } from './SourcePicker.tsx';

/** Length of a built-in signal rendered offline, seconds. */
export const OFFLINE_SIGNAL_SECONDS = 10;

export interface OfflineInput {
  input: Float32Array;
  /** What it is, for people: "signal.wav, channel 0 (10.00 s)", "White noise, 10 s". */
  what: string;
}

/** The current source's samples at `sampleRate`; throws (with what to do) for the microphone or an undecoded file. */
export function offlineInput(source: SourceSpec, file: DecodedFile | null, sampleRate: number): OfflineInput {
  if (source.kind === 'mic') throw new Error('the microphone cannot be rendered offline: pick a built-in signal or a file');
  if (source.kind === 'file') {
    if (!file) throw new Error('the file has not been decoded yet');
    if (file.sampleRate !== sampleRate) throw new Error(`${file.name} is decoded at ${file.sampleRate} Hz, not ${sampleRate} Hz`);
    return { input: file.channelData[0]!.slice(), what: `${file.name}, channel 0 (${(file.frames / sampleRate).toFixed(2)} s)` };
  }
  const frames = Math.round(OFFLINE_SIGNAL_SECONDS * sampleRate);
  return { input: sourceSamples(source, sampleRate, frames), what: `${SOURCE_LABELS[source.kind]}, ${OFFLINE_SIGNAL_SECONDS} s` };
}
