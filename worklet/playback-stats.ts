/**
 * The browser's own glitch counters and the audio clock's lag, since a baseline taken when the
 * stage started: what the status bar shows first. Pure, so the baseline, the differences and the
 * verdict are tested without a browser.
 *
 * `AudioContext.playbackStats` (Chromium; refreshed about once a second) counts underruns: times
 * the output device asked for audio the renderer had not made in time (with Chromium's fake
 * headless output, one event is one missed 10 ms callback). The clock lag needs no such API:
 * `currentTime` advances only by what was rendered, so wall time minus audio time since the
 * baseline grows while the renderer falls behind for good. It does not see a short stall: the
 * renderer then renders the missed quanta in a burst and the lag recovers (measured: the renderer
 * stopped 3 x 200 ms, 55 underruns counted, lag back at 1 ms), which is why both are shown.
 */

/** The clock lag above which the verdict is "glitching" (main-thread `currentTime` moves in ~10 ms steps: well above that jitter). */
export const CLOCK_LAG_BOUND_MS = 50;

/**
 * The clock-lag bound at quanta of `quantumFrames` frames at `sampleRate` Hz: CLOCK_LAG_BOUND_MS,
 * or one quantum's duration where that is longer. `currentTime` moves a quantum at a time, so a
 * lag below one quantum is its resolution, not a glitch (a page's `?quantum=16384` at 44.1 kHz:
 * 371.5 ms steps).
 */
export function clockLagBoundMs(quantumFrames: number, sampleRate: number): number {
  return Math.max(CLOCK_LAG_BOUND_MS, (1000 * quantumFrames) / sampleRate);
}

/** The fields of `AudioContext.playbackStats` we read, durations in seconds as the browser gives them. */
export interface PlaybackStatsSample {
  underrunEvents: number;
  underrunDurationS: number;
  totalDurationS: number;
}

/** One reading of both clocks and of the browser's counters (null where the browser has none). */
export interface ClockSample {
  /** performance.now(), ms. */
  wallMs: number;
  /** AudioContext.currentTime, s. */
  audioTimeS: number;
  stats: PlaybackStatsSample | null;
}

interface PlaybackStatsLike {
  underrunEvents?: unknown;
  underrunDuration?: unknown;
  totalDuration?: unknown;
}

/** The context's playback counters, or null where the browser has no `playbackStats`. */
export function readPlaybackStats(ctx: object): PlaybackStatsSample | null {
  const stats = (ctx as { playbackStats?: PlaybackStatsLike | null }).playbackStats;
  if (!stats || typeof stats.underrunEvents !== 'number' || typeof stats.underrunDuration !== 'number') return null;
  return {
    underrunEvents: stats.underrunEvents,
    underrunDurationS: stats.underrunDuration,
    totalDurationS: typeof stats.totalDuration === 'number' ? stats.totalDuration : NaN,
  };
}

export interface PlaybackHealth {
  /** Since the baseline, ms of wall time. */
  elapsedMs: number;
  /** Wall time minus audio time since the baseline, ms: positive when the audio clock fell behind. */
  clockLagMs: number;
  /** Underrun events since the baseline; null where the browser has no counter. */
  underrunEvents: number | null;
  /** Underrun duration since the baseline, ms; null where the browser has no counter. */
  underrunMs: number | null;
  /** The clock lag above which the verdict is "glitching", ms. */
  lagBoundMs: number;
  verdict: 'ok' | 'glitching';
  /** Why the verdict is "glitching" (empty when it is "ok"). */
  reasons: string[];
}

/**
 * The figures since `baseline`. A counter that went down (the browser reset it) counts from zero
 * again rather than going negative; the verdict is "glitching" when underruns grew or the lag
 * exceeds `lagBoundMs`.
 */
export function playbackHealth(baseline: ClockSample, now: ClockSample, lagBoundMs = CLOCK_LAG_BOUND_MS): PlaybackHealth {
  const elapsedMs = now.wallMs - baseline.wallMs;
  const clockLagMs = elapsedMs - (now.audioTimeS - baseline.audioTimeS) * 1000;
  const since = (a: number, b: number): number => (a >= b ? a - b : a);
  const stats = baseline.stats && now.stats ? { from: baseline.stats, to: now.stats } : null;
  const underrunEvents = stats ? since(stats.to.underrunEvents, stats.from.underrunEvents) : null;
  const underrunMs = stats ? since(stats.to.underrunDurationS, stats.from.underrunDurationS) * 1000 : null;
  const reasons: string[] = [];
  if (underrunEvents !== null && underrunEvents > 0) reasons.push(`${underrunEvents} underrun${underrunEvents === 1 ? '' : 's'}`);
  if (clockLagMs > lagBoundMs) reasons.push(`audio clock ${Math.round(clockLagMs)} ms behind (bound ${lagBoundMs} ms)`);
  return { elapsedMs, clockLagMs, underrunEvents, underrunMs, lagBoundMs, verdict: reasons.length > 0 ? 'glitching' : 'ok', reasons };
}
