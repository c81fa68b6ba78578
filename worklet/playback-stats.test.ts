import { describe, expect, it } from 'vitest';
import { CLOCK_LAG_BOUND_MS, clockLagBoundMs, playbackHealth, readPlaybackStats, type ClockSample } from './playback-stats.ts';

const sample = (wallMs: number, audioTimeS: number, events: number | null = 0, underrunS = 0): ClockSample => ({
  wallMs,
  audioTimeS,
  stats: events === null ? null : { underrunEvents: events, underrunDurationS: underrunS, totalDurationS: audioTimeS },
});

describe('readPlaybackStats', () => {
  it('reads the counters of a context that has them', () => {
    const ctx = { playbackStats: { underrunEvents: 3, underrunDuration: 0.03, totalDuration: 12.5, averageLatency: 0.031 } };
    expect(readPlaybackStats(ctx)).toEqual({ underrunEvents: 3, underrunDurationS: 0.03, totalDurationS: 12.5 });
  });

  it('is null where the browser has no playbackStats', () => {
    expect(readPlaybackStats({})).toBeNull();
    expect(readPlaybackStats({ playbackStats: null })).toBeNull();
    expect(readPlaybackStats({ playbackStats: { underrunEvents: 'x', underrunDuration: 0 } })).toBeNull();
  });
});

describe('playbackHealth', () => {
  it('is ok when the audio clock kept up and nothing underran', () => {
    const h = playbackHealth(sample(1000, 0.5, 2, 0.02), sample(6000, 5.49, 2, 0.02));
    expect(h.elapsedMs).toBe(5000);
    expect(h.clockLagMs).toBeCloseTo(10, 6);
    expect(h.underrunEvents).toBe(0);
    expect(h.underrunMs).toBe(0);
    expect(h.verdict).toBe('ok');
    expect(h.reasons).toEqual([]);
  });

  it('counts underruns since the baseline, not since the context started', () => {
    const h = playbackHealth(sample(0, 0, 7, 0.07), sample(3000, 2.97, 10, 0.1));
    expect(h.underrunEvents).toBe(3);
    expect(h.underrunMs).toBeCloseTo(30, 6);
    expect(h.verdict).toBe('glitching');
    expect(h.reasons).toEqual(['3 underruns']);
  });

  it('is glitching when the audio clock falls behind by more than the bound, even with no counter', () => {
    const lagged = playbackHealth(sample(0, 0, null), sample(4000, 4 - (CLOCK_LAG_BOUND_MS + 20) / 1000, null));
    expect(lagged.underrunEvents).toBeNull();
    expect(lagged.underrunMs).toBeNull();
    expect(lagged.clockLagMs).toBeCloseTo(CLOCK_LAG_BOUND_MS + 20, 6);
    expect(lagged.verdict).toBe('glitching');
    expect(lagged.reasons).toEqual([`audio clock ${CLOCK_LAG_BOUND_MS + 20} ms behind (bound ${CLOCK_LAG_BOUND_MS} ms)`]);
    const within = playbackHealth(sample(0, 0, null), sample(4000, 4 - (CLOCK_LAG_BOUND_MS - 20) / 1000, null));
    expect(within.verdict).toBe('ok');
  });

  it('takes a bound of its own, and says which', () => {
    expect(playbackHealth(sample(0, 0), sample(1000, 0.98), 10).verdict).toBe('glitching');
    expect(playbackHealth(sample(0, 0), sample(1000, 0.98), 30).verdict).toBe('ok');
    expect(playbackHealth(sample(0, 0), sample(1000, 0.98), 30).lagBoundMs).toBe(30);
    expect(playbackHealth(sample(0, 0), sample(1000, 0.98)).lagBoundMs).toBe(CLOCK_LAG_BOUND_MS);
  });

  it('bounds the lag by one quantum where a quantum lasts longer than the bound (the clock moves a quantum at a time)', () => {
    expect(clockLagBoundMs(128, 44100)).toBe(CLOCK_LAG_BOUND_MS);
    expect(clockLagBoundMs(1024, 48000)).toBe(CLOCK_LAG_BOUND_MS);
    expect(clockLagBoundMs(16384, 44100)).toBeCloseTo(371.52, 2);
    // one 16384-frame quantum not yet counted at the second reading is not a glitch; two are
    const quantumS = 16384 / 44100;
    const bound = clockLagBoundMs(16384, 44100);
    expect(playbackHealth(sample(0, 0), sample(2000, 2 - 0.9 * quantumS), bound).verdict).toBe('ok');
    expect(playbackHealth(sample(0, 0), sample(2000, 2 - 2 * quantumS), bound).verdict).toBe('glitching');
  });

  it('counts from zero again when the browser reset its counters', () => {
    const h = playbackHealth(sample(0, 0, 50, 0.5), sample(1000, 1, 1, 0.01));
    expect(h.underrunEvents).toBe(1);
    expect(h.underrunMs).toBeCloseTo(10, 6);
  });

  it('has no counter figures when either reading lacks them', () => {
    const h = playbackHealth(sample(0, 0, null), sample(1000, 1, 4, 0.04));
    expect(h.underrunEvents).toBeNull();
    expect(h.verdict).toBe('ok');
  });
});
