/**
 * Live runtime status: wasm backend, isolation, AudioContext, and the worklet's telemetry
 * (polled every 250 ms). Every live figure names the clock it was measured with.
 */
import type { CSSProperties, ReactNode } from 'react';
import { RENDER_QUANTUM_FRAMES } from '../dsp-stages/types.ts';
import { overDeadlineStepMs } from '../worklet/layout.ts';
import type { StagebenchRuntime } from '../worklet/host.ts';
import { fmtBytes, fmtCount, fmtHz, fmtMs, fmtNum, fmtPct } from './format.ts';
import { useRuntimeState, useTelemetry } from './useRuntime.ts';
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

export function StatusBar({ runtime }: StatusBarProps) {
  const state = useRuntimeState(runtime);
  const t = useTelemetry(runtime, TELEMETRY_POLL_MS);

  const expectedQps = state.sampleRate / RENDER_QUANTUM_FRAMES;
  // The worklet publishes its timing figures once a second; before the first window they are zeros.
  const haveWindow = t.timingSeq > 0;
  const windowS = t.windowMs > 0 ? t.windowMs / 1000 : 1;
  const qpsOff = haveWindow && Math.abs(t.quantaPerSecEma - expectedQps) > expectedQps * 0.05;

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
          </span>
        </Item>
        <Item term="sample rate">
          <span style={numeric}>{fmtHz(state.sampleRate)}</span> <Clock>AudioContext.sampleRate</Clock>
        </Item>
        <Item term="stage">
          <code data-testid="stage-id" style={numeric}>
            {state.stage ?? '—'}
          </code>
        </Item>
        <Item term="quanta/s">
          <span data-testid="quanta-per-sec" style={{ ...numeric, color: qpsOff ? colors.warn : undefined }}>
            {haveWindow ? fmtNum(t.quantaPerSecEma, 1) : '—'}
          </span>{' '}
          <Clock>
            Date.now() window, EMA; expected {fmtNum(expectedQps, 1)} = sample rate / {RENDER_QUANTUM_FRAMES}
          </Clock>
        </Item>
        <Item term="load">
          <span data-testid="load-mean" style={numeric}>
            {haveWindow ? fmtPct(t.loadMeanPct) : '—'}
          </span>{' '}
          <Clock>Date.now() sums over {fmtNum(windowS, 1)} s</Clock>
        </Item>
        <Item term="quanta ≥ 1 ms">
          <span data-testid="quanta-over-1ms" style={{ ...numeric, color: t.quantaOver1ms > 0 ? colors.warn : undefined }}>
            {fmtCount(t.quantaOver1ms)}
          </span>{' '}
          <Clock>
            Date.now() step ≥ 2 ms across the callback, of {fmtCount(t.quantumCount)} quanta; {fmtCount(t.quantaTickSpans)} more spanned one
            1 ms tick (0–2 ms long)
          </Clock>
        </Item>
        <Item term="over deadline">
          <span data-testid="quanta-over-deadline" style={{ ...numeric, color: t.quantaOverDeadline > 0 ? colors.danger : undefined }}>
            {fmtCount(t.quantaOverDeadline)}
          </span>{' '}
          <Clock>
            Date.now() step ≥ {overDeadlineStepMs(state.sampleRate)} ms: surely longer than the{' '}
            {fmtNum((RENDER_QUANTUM_FRAMES / state.sampleRate) * 1000, 2)} ms deadline (quanta ≥ 1 ms bounds it from above)
          </Clock>
        </Item>
        <Item term="audio-clock drift">
          <span data-testid="clock-drift" style={numeric}>
            {haveWindow ? fmtMs(t.audioClockDriftMs) : '—'}
          </span>{' '}
          <Clock>currentTime vs Date.now() since stage start</Clock>
        </Item>
        <Item term="stage errors">
          <span data-testid="stage-errors" style={{ ...numeric, color: t.stageErrors > 0 ? colors.danger : undefined }}>
            {fmtCount(t.stageErrors)}
          </span>{' '}
          <Clock>count of error statuses</Clock>
        </Item>
        <Item term="wasm memory">
          <span data-testid="wasm-memory" style={numeric}>
            {fmtBytes(t.wasmMemoryBytes)}
          </span>{' '}
          <Clock>linear memory, 0 in fallback</Clock>
        </Item>
        <Item term="wasm allocs">
          <span data-testid="wasm-allocs" style={numeric}>
            {fmtCount(t.wasmAllocCount)}
          </span>{' '}
          <Clock>alloc_count(); constant while running = no hot-path allocation</Clock>
        </Item>
      </dl>
    </div>
  );
}
