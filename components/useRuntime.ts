/** React bindings to the shared runtime: its state (pushed) and its telemetry (polled). */
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { RuntimeState, StagebenchRuntime } from '../worklet/host.ts';
import type { TelemetrySnapshot } from '../worklet/layout.ts';
import type { PlaybackHealth } from '../worklet/playback-stats.ts';

/** The runtime's state; re-renders on every `update` (the state object is replaced, never mutated). */
export function useRuntimeState(runtime: StagebenchRuntime): RuntimeState {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const unsubscribe = runtime.subscribe(onChange);
      return () => {
        unsubscribe();
      };
    },
    [runtime],
  );
  const get = useCallback(() => runtime.state, [runtime]);
  return useSyncExternalStore(subscribe, get, get);
}

/** Telemetry polled every `intervalMs`: the worklet publishes its timing figures only once a second. */
export function useTelemetry(runtime: StagebenchRuntime, intervalMs = 250): TelemetrySnapshot {
  const [snap, setSnap] = useState(() => runtime.telemetry());
  useEffect(() => {
    setSnap(runtime.telemetry());
    const id = setInterval(() => setSnap(runtime.telemetry()), intervalMs);
    return () => clearInterval(id);
  }, [runtime, intervalMs]);
  return snap;
}

/**
 * The browser's underruns and the audio clock's lag since the stage started, polled every
 * `intervalMs` (the browser refreshes its counters about once a second); null before the baseline.
 */
export function usePlaybackHealth(runtime: StagebenchRuntime, intervalMs = 250): PlaybackHealth | null {
  const [health, setHealth] = useState(() => runtime.playbackHealth());
  useEffect(() => {
    setHealth(runtime.playbackHealth());
    const id = setInterval(() => setHealth(runtime.playbackHealth()), intervalMs);
    return () => clearInterval(id);
  }, [runtime, intervalMs]);
  return health;
}
