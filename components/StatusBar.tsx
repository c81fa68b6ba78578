/**
 * Live runtime status, read at a glance: first the browser's own glitch counters and the audio
 * clock's lag since the stage started, with a verdict in words and colour; then load and quanta/s;
 * then, smaller, what the worklet itself saw by Date.now(), and the runtime's state. What each
 * figure measures, and by which clock, is in the "What these figures measure" details.
 */
import type { CSSProperties, ReactNode } from 'react';
import { overDeadlineStepMs, quantumDeadlineMs } from '../worklet/layout.ts';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { CLOCK_LAG_BOUND_MS, clockLagBoundMs, type PlaybackHealth } from '../worklet/playback-stats.ts';
import { fmtBytes, fmtCount, fmtHz, fmtMs, fmtNum, fmtPct } from './format.ts';
import { usePlaybackHealth, useRuntimeState, useTelemetry } from './useRuntime.ts';
import { alertBox, colors, fonts, numeric, panel } from './theme.ts';

export interface StatusBarProps {
  runtime: StagebenchRuntime;
}

const TELEMETRY_POLL_MS = 250;

const statusColor = { active: colors.ok, fallback: colors.warn, loading: colors.muted } as const;

const itemStyle: CSSProperties = { display: 'flex', gap: 4, alignItems: 'baseline', margin: 0 };
const termStyle: CSSProperties = { color: colors.muted, margin: 0, whiteSpace: 'nowrap' };
const valueStyle: CSSProperties = { margin: 0 };
const clockStyle: CSSProperties = { color: colors.muted, fontSize: 11 };
const headTermStyle: CSSProperties = { color: colors.muted, fontSize: 11, margin: 0, whiteSpace: 'nowrap' };
const headValueStyle: CSSProperties = { ...numeric, fontSize: 20, fontWeight: 600, lineHeight: 1.2 };

function Item({ term, children, wide = false }: { term: string; children: ReactNode; wide?: boolean }) {
  return (
    <div style={{ ...itemStyle, gridColumn: wide ? '1 / -1' : undefined }}>
      <dt style={termStyle}>{term}</dt>
      <dd style={valueStyle}>{children}</dd>
    </div>
  );
}

function Clock({ children }: { children: ReactNode }) {
  return <span style={clockStyle}>({children})</span>;
}

/** A headline figure: its label above, the value large, a short note below. */
function Headline({ term, children, note }: { term: string; children: ReactNode; note?: ReactNode }) {
  return (
    <div style={{ margin: 0, minWidth: 120 }}>
      <dt style={headTermStyle}>{term}</dt>
      <dd style={{ margin: 0 }}>
        {children}
        {note !== undefined && <div style={clockStyle}>{note}</div>}
      </dd>
    </div>
  );
}

type Verdict = 'ok' | 'glitching' | 'waiting';

const verdictLook: Record<Verdict, { text: string; color: string; background: string }> = {
  ok: { text: 'OK', color: '#ffffff', background: colors.ok },
  glitching: { text: 'glitching', color: '#ffffff', background: colors.danger },
  waiting: { text: 'waiting', color: colors.text, background: colors.grid },
};

function verdictOf(health: PlaybackHealth | null): Verdict {
  return health ? health.verdict : 'waiting';
}

export function StatusBar({ runtime }: StatusBarProps) {
  const state = useRuntimeState(runtime);
  const t = useTelemetry(runtime, TELEMETRY_POLL_MS);
  const health = usePlaybackHealth(runtime, TELEMETRY_POLL_MS);
  const hasCounter = runtime.hasPlaybackStats;

  const quantum = state.quantumFrames;
  const expectedQps = state.sampleRate / quantum;
  // The worklet publishes its timing figures once a second; before the first window they are zeros.
  const haveWindow = t.timingSeq > 0;
  const windowS = t.windowMs > 0 ? t.windowMs / 1000 : 1;
  const qpsOff = haveWindow && Math.abs(t.quantaPerSecEma - expectedQps) > expectedQps * 0.05;
  const verdict = verdictOf(health);
  const look = verdictLook[verdict];
  const verdictNote =
    verdict === 'glitching'
      ? health!.reasons.join('; ')
      : verdict === 'ok'
        ? `no underrun, lag ≤ ${fmtNum(health!.lagBoundMs, 0)} ms for ${fmtNum(health!.elapsedMs / 1000, 0)} s`
        : state.contextState === 'running'
          ? 'waiting for the stage to render'
          : 'audio not running';
  const lagBoundMs = health?.lagBoundMs ?? clockLagBoundMs(quantum, state.sampleRate);
  const lagBad = health !== null && health.clockLagMs > lagBoundMs;

  return (
    // a named group, not a region landmark: a docs page shows several benches, and landmarks must be unique
    <div
      role="group"
      aria-label="Runtime status"
      style={{ ...panel, fontFamily: fonts.ui, fontSize: 12, color: colors.text, margin: '6px 0' }}
    >
      {state.error && (
        <div role="alert" data-testid="runtime-error" style={alertBox}>
          {state.error}
        </div>
      )}
      <dl style={{ display: 'flex', flexWrap: 'wrap', gap: '4px 20px', alignItems: 'flex-start', margin: '0 0 6px' }}>
        <Headline term="playback" note={verdictNote}>
          <strong
            data-testid="playback-verdict"
            data-verdict={verdict}
            style={{
              ...headValueStyle,
              display: 'inline-block',
              padding: '0 8px',
              borderRadius: 3,
              color: look.color,
              background: look.background,
            }}
          >
            {look.text}
          </strong>
        </Headline>
        <Headline
          term="browser underruns"
          note={
            hasCounter ? (
              <>
                <span data-testid="underrun-ms" style={numeric}>
                  {health?.underrunMs != null ? fmtMs(health.underrunMs) : '—'}
                </span>{' '}
                missed
              </>
            ) : (
              <span data-testid="playback-stats-missing">browser underrun counter: not available in this browser</span>
            )
          }
        >
          <span data-testid="underrun-events" style={{ ...headValueStyle, color: health?.underrunEvents ? colors.danger : undefined }}>
            {health?.underrunEvents != null ? fmtCount(health.underrunEvents) : '—'}
          </span>
        </Headline>
        <Headline term="audio clock lag" note={`red above ${fmtNum(lagBoundMs, 0)} ms`}>
          <span data-testid="clock-lag-ms" style={{ ...headValueStyle, color: lagBad ? colors.danger : undefined }}>
            {health ? fmtMs(health.clockLagMs) : '—'}
          </span>
        </Headline>
        <Headline term="load" note={`mean over ${fmtNum(windowS, 1)} s`}>
          <span data-testid="load-mean" style={headValueStyle}>
            {haveWindow ? fmtPct(t.loadMeanPct) : '—'}
          </span>
        </Headline>
        <Headline term="quanta/s" note={`expected ${fmtNum(expectedQps, 1)} = sample rate / ${quantum}`}>
          <span data-testid="quanta-per-sec" style={{ ...headValueStyle, color: qpsOff ? colors.warn : undefined }}>
            {haveWindow ? fmtNum(t.quantaPerSecEma, 1) : '—'}
          </span>
        </Headline>
      </dl>
      <dl
        style={{
          display: 'grid',
          gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))',
          gap: '2px 16px',
          margin: 0,
        }}
      >
        <Item term="wasm" wide={state.wasmStatus === 'fallback'}>
          <strong data-testid="wasm-status" style={{ color: statusColor[state.wasmStatus] }}>
            {state.wasmStatus}
          </strong>
          {state.wasmStatus === 'fallback' && (
            <>
              {': '}
              <span data-testid="fallback-reason" style={{ color: colors.warn }}>
                {state.fallbackReason ?? 'no reason given'}
              </span>{' '}
              <Clock>running the TypeScript reference</Clock>
            </>
          )}
        </Item>
        <Item term="telemetry">
          <span data-testid="isolation" style={{ color: state.isolated ? colors.text : colors.warn }}>
            {state.isolated ? 'cross-origin isolated: SharedArrayBuffer' : 'fallback: no SharedArrayBuffer (postMessage telemetry)'}
          </span>
        </Item>
        <Item term="AudioContext">
          <span data-testid="context-state" style={{ color: state.contextState === 'running' ? colors.ok : colors.warn }}>
            {state.contextState === 'suspended' ? 'suspended — press Start (browser autoplay policy)' : state.contextState}
          </span>{' '}
          <span style={clockStyle}>at {fmtHz(state.sampleRate)}</span>
        </Item>
        <Item term="stage">
          <code data-testid="stage-id" style={numeric}>
            {state.stage ?? '—'}
          </code>
        </Item>
        <Item term="stage errors">
          <span data-testid="stage-errors" style={{ ...numeric, color: t.stageErrors > 0 ? colors.danger : undefined }}>
            {fmtCount(t.stageErrors)}
          </span>
        </Item>
        <Item term="wasm memory">
          <span data-testid="wasm-memory" style={numeric}>
            {fmtBytes(t.wasmMemoryBytes)}
          </span>{' '}
          <span style={clockStyle}>
            allocs{' '}
            <span data-testid="wasm-allocs" style={numeric}>
              {fmtCount(t.wasmAllocCount)}
            </span>
          </span>
        </Item>
        <Item term="warm-up">
          <span data-testid="warm-up" style={numeric}>
            {fmtMs(t.warmUpMs)}
          </span>
        </Item>
      </dl>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: '0 16px', margin: '4px 0 0', fontSize: 11, color: colors.muted }}>
        <span>worklet's own view (Date.now()):</span>
        <dl style={{ display: 'flex', flexWrap: 'wrap', gap: '0 16px', margin: 0 }}>
          <Item term="quanta ≥ 1 ms">
            <span data-testid="quanta-over-1ms" style={{ ...numeric, color: t.quantaOver1ms > 0 ? colors.warn : undefined }}>
              {fmtCount(t.quantaOver1ms)}
            </span>{' '}
            of {fmtCount(t.quantumCount)} quanta; {fmtCount(t.quantaTickSpans)} more spanned a tick
          </Item>
          <Item term="over deadline">
            <span data-testid="quanta-over-deadline" style={{ ...numeric, color: t.quantaOverDeadline > 0 ? colors.danger : undefined }}>
              {fmtCount(t.quantaOverDeadline)}
            </span>
          </Item>
          <Item term="audio-clock drift">
            <span data-testid="clock-drift" style={numeric}>
              {haveWindow ? fmtMs(t.audioClockDriftMs) : '—'}
            </span>
          </Item>
        </dl>
      </div>
      <details style={{ marginTop: 4, fontSize: 11, color: colors.muted }}>
        <summary style={{ cursor: 'pointer' }}>What these figures measure</summary>
        <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
          <li>
            <strong>playback</strong>: OK while the browser counted no underrun and the audio clock lagged at most {CLOCK_LAG_BOUND_MS} ms
            (or one quantum, where a quantum lasts longer: the clock moves a quantum at a time) since the stage started (the first quantum
            it rendered with the AudioContext running); glitching otherwise.
          </li>
          <li>
            <strong>browser underruns</strong>: AudioContext.playbackStats (underrunEvents, underrunDuration) since the stage started: the
            times the output asked for audio that was not ready. The browser refreshes them about once a second; headless Chromium's fake
            output misses one 10 ms callback per event.
            {!hasCounter && ' This browser has no such counter: the clock lag and the worklet figures below are what there is.'}
          </li>
          <li>
            <strong>audio clock lag</strong>: performance.now() minus AudioContext.currentTime since the stage started. currentTime advances
            only by what was rendered, so the lag grows while the renderer falls behind for good; after a short stall the missed quanta are
            rendered in a burst and the lag recovers, but the underruns stay counted. It moves in ~10 ms steps.
          </li>
          <li>
            <strong>load</strong>: the worklet's busy time over wall time, Date.now() sums over ≥ 1 s windows (unbiased despite its 1 ms
            ticks). <strong>quanta/s</strong>: quanta per second of Date.now(), an EMA of those windows.
          </li>
          <li>
            <strong>worklet's own view</strong>, by Date.now() in the worklet: <em>quanta ≥ 1 ms</em> saw a step ≥ 2 ms across the callback;{' '}
            <em>more spanned a tick</em> saw one 1 ms tick (0–2 ms long); <em>over deadline</em> saw a step ≥{' '}
            {overDeadlineStepMs(state.sampleRate, quantum)} ms, surely longer than the{' '}
            {fmtNum(quantumDeadlineMs(state.sampleRate, quantum), 2)} ms deadline of one {quantum}-frame quantum; <em>audio-clock drift</em>{' '}
            is currentTime against Date.now() since the stage's first quantum, as the worklet saw it. A quantum can be on time in the
            worklet and still reach the output late: the browser&apos;s counters above are the ones that hear it.
          </li>
          <li>
            <strong>wasm memory</strong>: linear memory, 0 in fallback; <strong>allocs</strong>: alloc_count(), constant while running = no
            hot-path allocation; <strong>warm-up</strong>: Date.now() time the runtime took as it started to run every stage on wasm through
            silence to its first visual frame, so that a stage&apos;s first quanta run compiled code on written pages.{' '}
            <strong>stage errors</strong>: count of error statuses.
          </li>
        </ul>
      </details>
    </div>
  );
}
