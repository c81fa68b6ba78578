/**
 * The built wasm's bytes for the page: fetched once, shared by the runtime's processor, its
 * kernel-timing worker, the worker pool and every offline render.
 */

/** URL of the built wasm, if `npm run build:wasm` produced it when this bundle was built. */
const wasmUrls = import.meta.glob('../rust/pkg/stagebench_dsp.wasm', { query: '?url', import: 'default', eager: true }) as Record<
  string,
  string
>;
const WASM_URL: string | null = Object.values(wasmUrls)[0] ?? null;

export interface WasmBytesResult {
  bytes: ArrayBuffer | null;
  /** Why there are no bytes (shown as the fallback reason). */
  reason: string | null;
}

let wasmBytesPromise: Promise<WasmBytesResult> | null = null;

/** Fetches the wasm once per page. Never rejects: failure is a reason the UI shows. */
export function loadWasmBytes(): Promise<WasmBytesResult> {
  wasmBytesPromise ??= (async () => {
    if (!WASM_URL)
      return {
        bytes: null,
        reason: 'wasm not built: rust/pkg/stagebench_dsp.wasm was missing when this Storybook was built (run npm run build:wasm)',
      };
    try {
      const res = await fetch(WASM_URL);
      if (!res.ok) return { bytes: null, reason: `wasm fetch failed: HTTP ${res.status} for ${WASM_URL}` };
      return { bytes: await res.arrayBuffer(), reason: null };
    } catch (err) {
      return { bytes: null, reason: `wasm fetch failed: ${(err as Error).message}` };
    }
  })();
  return wasmBytesPromise;
}
