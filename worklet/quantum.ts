/**
 * The render quantum: which size a context renders, how to ask for one, and the page's URL
 * parameter that chooses it for the shared runtime. Pure (no Web Audio object is made here).
 */
import { RENDER_QUANTUM_FRAMES } from '../dsp-stages/types.ts';

/**
 * Frames per render quantum of `ctx`: its `renderQuantumSize` (what a `renderSizeHint` gave),
 * or RENDER_QUANTUM_FRAMES where the browser does not report one (Firefox renders 128).
 */
export function contextQuantumFrames(ctx: BaseAudioContext): number {
  const size = (ctx as BaseAudioContext & { renderQuantumSize?: number }).renderQuantumSize;
  return typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : RENDER_QUANTUM_FRAMES;
}

/**
 * Context options asking for `quantumFrames`-frame quanta (`renderSizeHint`; a browser without it
 * ignores it and renders 128). Undefined or RENDER_QUANTUM_FRAMES asks for nothing.
 */
export function renderSizeOptions(quantumFrames: number | undefined): { renderSizeHint?: number } {
  if (quantumFrames === undefined || quantumFrames === RENDER_QUANTUM_FRAMES) return {};
  if (!(Number.isInteger(quantumFrames) && quantumFrames > 0))
    throw new Error(`render quantum must be a positive whole number of frames, got ${quantumFrames}`);
  return { renderSizeHint: quantumFrames };
}

/**
 * The URL parameter that chooses the shared runtime's render quantum: `?quantum=441` on the
 * preview page (or on the Storybook UI around it). A share link keeps it, as it keeps `coi`.
 */
export const QUANTUM_URL_PARAM = 'quantum';

/** The largest render quantum the page's `?quantum=N` or the CLI's `--quantum N` may ask for. */
export const MAX_QUANTUM_FRAMES = 16384;

/** `text` as a render quantum: a whole number of frames from 1 to MAX_QUANTUM_FRAMES, else null. */
export function parseQuantumFrames(text: string): number | null {
  const n = Number(text);
  return /^\d+$/.test(text) && n >= 1 && n <= MAX_QUANTUM_FRAMES ? n : null;
}

/**
 * The render quantum asked for by `?quantum=N` in the first of `searches` (location.search
 * strings) that has one (`parseQuantumFrames`); undefined when none asks, or the value is not
 * such a number (then the default applies).
 */
export function quantumFromSearch(searches: readonly (string | null | undefined)[]): number | undefined {
  for (const search of searches) {
    if (!search) continue;
    const value = new URLSearchParams(search).get(QUANTUM_URL_PARAM);
    if (value === null) continue;
    return parseQuantumFrames(value) ?? undefined;
  }
  return undefined;
}
