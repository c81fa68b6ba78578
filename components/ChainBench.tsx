/**
 * The chain bench: the stages of a chain running in order in the page's one processor, on its one
 * wasm instance (worklet/chain.ts), fed the source (a signal, the microphone, or a file decoded on
 * the pool and looped, as on a stage bench). Per stage a row: its figures (once a second
 * from the processor), bypass and solo, and its share of the quantum (kernel p50/p99 in the chain,
 * timed in the kernel-timing worker, and their % of the deadline); then the chain's total against
 * the deadline and the sum of the stages' budgets. Then every stage's own visualiser (its
 * descriptor's: the EQ's response, the FFT's spectrum...), each drawn from the visual slot the
 * processor publishes that stage's frames in, and the scope of the chain's input. In a story, a
 * Copy link with the chain, its parameters and the source. Never stops the runtime on unmount.
 */
import { useCallback, useContext, useEffect, useId, useState } from 'react';
import { getStage } from '../dsp-stages/registry.ts';
import type { SourceSpec } from '../dsp-stages/signals.ts';
import { formatClampNote } from '../dsp-stages/params.ts';
import { COUNT_UNITS, type ClampNote, type ParamValues, type StageDescriptor } from '../dsp-stages/types.ts';
import type { ChainStageSpec } from '../worklet/chain.ts';
import type { ChainStageFigures, ChainTiming } from '../worklet/protocol.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { chainRows, type ChainRow } from './chainTable.ts';
import { fmtPct, fmtUs } from './format.ts';
import { MonitorSwitch } from './MonitorSwitch.tsx';
import { Scope } from './Scope.tsx';
import { SourcePicker } from './SourcePicker.tsx';
import { ShareLink } from './ShareLink.tsx';
import { StageVisual } from './StageVisual.tsx';
import { StoryShareContext, type StoryShareInfo } from './share.ts';
import { BenchSourceStatus, useBenchSource } from './useBenchSource.tsx';
import { StatusBar } from './StatusBar.tsx';
import { useRuntimeState } from './useRuntime.ts';
import { FOCUS_RING_CSS, alertBox, button, colors, fonts, numeric, panel } from './theme.ts';
import { errorMessage } from '../worklet/errors.ts';
import { useMeasurement } from './useMeasurement.ts';

export interface ChainBenchProps {
  stages: ChainStageSpec[];
  source: SourceSpec;
  autoStart?: boolean;
  /** What was changed in the given parameters (clamped, snapped), shown above the table. */
  notes?: readonly ClampNote[];
}

function fmtFigure(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return Number.isInteger(v) ? v.toFixed(0) : Math.abs(v) >= 1000 ? v.toFixed(2) : v.toPrecision(6);
}

/** The parameters of `params` that differ from the stage's defaults, as `name=value`. */
function changedParams(stage: StageDescriptor, params: ParamValues): string[] {
  return stage.params.filter((p) => p.name in params && params[p.name] !== p.default).map((p) => `${p.name}=${String(params[p.name])}`);
}

/**
 * The story's link info with the bench's bypass and solo as they are now (a story with `bypass` and
 * `solo` args: stage ids separated by spaces), so a link keeps what the checkboxes changed.
 */
function linkStory(
  story: StoryShareInfo,
  stages: readonly ChainStageSpec[],
  flags: ReadonlyArray<{ bypass: boolean; solo: boolean }>,
): StoryShareInfo {
  const named = (flag: 'bypass' | 'solo') =>
    stages
      .filter((_, i) => flags[i]?.[flag])
      .map((s) => s.stage)
      .join(' ');
  const args = { ...story.args };
  if ('bypass' in args) args.bypass = named('bypass');
  if ('solo' in args) args.solo = named('solo');
  return { ...story, args };
}

/** A bar of the quantum's deadline: the p50 share filled, the p99 share outlined. */
function ShareBar({ row, label }: { row: ChainRow; label: string }) {
  const w = (pct: number) => `${Math.min(100, Math.max(0, pct))}%`;
  return (
    <div role="img" aria-label={label} style={{ position: 'relative', height: 10, width: 160, background: colors.grid, borderRadius: 2 }}>
      <div style={{ position: 'absolute', left: 0, top: 0, bottom: 0, width: w(row.p99Pct), border: `1px solid ${colors.accent}` }} />
      <div style={{ position: 'absolute', left: 0, top: 0, bottom: 0, width: w(row.p50Pct), background: colors.accent }} />
    </div>
  );
}

export function ChainBench({ stages, source, autoStart = true, notes = [] }: ChainBenchProps) {
  const [runtime] = useState(() => StagebenchRuntime.get());
  const state = useRuntimeState(runtime);
  const [figures, setFigures] = useState<ChainStageFigures[]>([]);
  const [flags, setFlags] = useState(() => stages.map((s) => ({ bypass: s.bypass === true, solo: s.solo === true })));
  const [error, setError] = useState<string | null>(null);
  // the source, a built-in file or the user's own included (decoded on the pool, then looped)
  const bench = useBenchSource(runtime, source, setError);
  const measureChain = useCallback(() => runtime.measureChain(), [runtime]);
  const { generation, result: timing, setResult: setTiming, measuring, measure } = useMeasurement<ChainTiming>(measureChain, setError);
  const stagesKey = JSON.stringify(stages);
  const titleId = useId();

  useEffect(() => {
    const gen = ++generation.current;
    const specs = JSON.parse(stagesKey) as ChainStageSpec[];
    setTiming(null);
    setError(null);
    setFlags(specs.map((s) => ({ bypass: s.bypass === true, solo: s.solo === true })));
    const run = async () => {
      try {
        await runtime.setChain(specs);
      } catch (err) {
        if (gen === generation.current) setError(`setting the chain: ${errorMessage(err)}`);
        return;
      }
      if (gen === generation.current) await measure();
    };
    void run();
    return () => {
      // a counter, not a rendered node: the cleanup must bump the one the next run reads
      // eslint-disable-next-line react-hooks/exhaustive-deps
      generation.current++;
    };
  }, [runtime, stagesKey, measure, generation, setTiming]);

  useEffect(() => {
    if (!autoStart) return;
    runtime.start().catch((err: unknown) => setError(`starting audio: ${errorMessage(err)}`));
  }, [runtime, autoStart]);

  useEffect(() => {
    const id = setInterval(() => setFigures(runtime.chainFigures()), 500);
    return () => clearInterval(id);
  }, [runtime]);

  const toggle = (index: number, flag: 'bypass' | 'solo', on: boolean) => {
    setFlags((prev) => prev.map((f, i) => (i === index ? { ...f, [flag]: on } : f)));
    runtime.setChainFlags(index, { [flag]: on });
  };

  const ids = stages.map((s) => s.stage);
  const rows = timing ? chainRows(timing) : null;
  const running = state.contextState === 'running';
  const story = useContext(StoryShareContext);

  return (
    <article
      aria-labelledby={titleId}
      style={{ fontFamily: fonts.ui, color: colors.text, background: colors.background, padding: 8, maxWidth: 960 }}
    >
      <style href="stagebench-focus-ring" precedence="default">
        {FOCUS_RING_CSS}
      </style>
      <header style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 12, marginBottom: 6 }}>
        <h2 id={titleId} style={{ margin: 0, fontSize: 18 }}>
          Chain: {ids.map((id) => getStage(id).title).join(' → ')}
        </h2>
        <button type="button" onClick={() => void runtime.start()} style={{ ...button, fontWeight: running ? 600 : 400 }}>
          Start
        </button>
        <button type="button" onClick={() => void runtime.stop()} style={button}>
          Stop
        </button>
        <MonitorSwitch on={state.monitor} onChange={(on) => runtime.setMonitor(on)} />
      </header>
      <div role="group" aria-label="Bench controls" style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 12 }}>
        <SourcePicker value={bench.localSource} onChange={bench.pickSource} ownFile={bench.ownFile} onOwnFile={bench.pickOwnFile} />
      </div>
      <BenchSourceStatus runtime={runtime} bench={bench} />
      {error && (
        <div role="alert" data-testid="bench-error" style={alertBox}>
          {error}
        </div>
      )}
      {notes.length > 0 && (
        <div
          role="note"
          aria-label="Parameter notes"
          data-testid="chain-notes"
          style={{ color: colors.warn, fontSize: 13, margin: '4px 0' }}
        >
          <ul style={{ margin: 0 }}>
            {notes.map((note) => (
              <li key={note.name}>{formatClampNote(note)}</li>
            ))}
          </ul>
        </div>
      )}
      <StatusBar runtime={runtime} />
      <style href="stagebench-chain-table" precedence="default">
        {'.stagebench-chain td, .stagebench-chain th { padding: 3px 8px; vertical-align: top; }'}
      </style>
      <table
        aria-label="Chain stages"
        className="stagebench-chain"
        style={{ ...panel, borderCollapse: 'collapse', width: '100%', fontSize: 13, margin: '6px 0' }}
      >
        <thead>
          <tr style={{ textAlign: 'left', color: colors.muted }}>
            <th>#</th>
            <th>stage</th>
            <th>bypass</th>
            <th>solo</th>
            <th>figures</th>
            <th>kernel p50 / p99 in the chain</th>
            <th>share of the quantum</th>
          </tr>
        </thead>
        <tbody>
          {stages.map((spec, i) => {
            const stage = getStage(spec.stage);
            const live = figures[i];
            const row = rows?.stages[i];
            const changed = changedParams(stage, spec.params);
            return (
              <tr key={`${i}-${spec.stage}`} data-testid={`chain-row-${spec.stage}`} data-backend={live?.backend ?? ''}>
                <td>{i + 1}</td>
                <td>
                  {stage.title}
                  {live && live.backend !== 'wasm' && <span style={{ color: colors.warn }}> (reference: {live.reason})</span>}
                  {changed.length > 0 && (
                    <div data-testid={`chain-params-${spec.stage}`} style={{ color: colors.muted, fontSize: 12 }}>
                      {changed.join(', ')}
                    </div>
                  )}
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`bypass ${stage.title}`}
                    checked={flags[i]?.bypass ?? false}
                    onChange={(e) => toggle(i, 'bypass', e.target.checked)}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`solo ${stage.title}`}
                    checked={flags[i]?.solo ?? false}
                    onChange={(e) => toggle(i, 'solo', e.target.checked)}
                  />
                </td>
                <td>
                  {(stage.figures ?? []).map((f, k) => (
                    <span
                      key={f.name}
                      data-testid={`chain-figure-${spec.stage}-${f.name}`}
                      data-value={live?.figures[k]}
                      style={{ marginRight: 10, color: COUNT_UNITS.has(f.unit) && (live?.figures[k] ?? 0) > 0 ? colors.danger : undefined }}
                    >
                      {f.label ?? f.name}: <span style={numeric}>{fmtFigure(live?.figures[k])}</span> {f.unit}
                    </span>
                  ))}
                </td>
                <td style={numeric} data-testid={`chain-kernel-${spec.stage}`} data-p50={row?.p50Us} data-p99={row?.p99Us}>
                  {row ? `${fmtUs(row.p50Us)} / ${fmtUs(row.p99Us)}` : measuring ? 'timing…' : '—'}
                </td>
                <td>
                  {row ? (
                    <span style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
                      <ShareBar
                        row={row}
                        label={`${stage.title}: ${fmtPct(row.p50Pct, 2)} of the deadline at p50, ${fmtPct(row.p99Pct, 2)} at p99`}
                      />
                      <span style={numeric}>
                        {fmtPct(row.p50Pct, 2)} / {fmtPct(row.p99Pct, 2)}
                      </span>
                    </span>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr data-testid="chain-total" data-p50={rows?.total.p50Us} data-p99={rows?.total.p99Us} data-budget={rows?.total.budgetUs}>
            <td />
            <th scope="row" style={{ textAlign: 'left' }}>
              chain total
            </th>
            <td colSpan={3} style={{ color: colors.muted }}>
              {timing
                ? `deadline ${fmtUs(timing.deadlineUs)} (${timing.quantumFrames} frames at ${timing.sampleRate} Hz); budget ${fmtUs(rows!.total.budgetUs)} (sum of the stages')`
                : ''}
            </td>
            <td style={numeric}>{rows ? `${fmtUs(rows.total.p50Us)} / ${fmtUs(rows.total.p99Us)}` : ''}</td>
            <td>
              {rows ? (
                <span style={{ display: 'flex', gap: 6, alignItems: 'center' }}>
                  <ShareBar row={rows.total} label={`chain: ${fmtPct(rows.total.p50Pct, 2)} of the deadline at p50`} />
                  <span style={numeric}>
                    {fmtPct(rows.total.p50Pct, 2)} / {fmtPct(rows.total.p99Pct, 2)}
                  </span>
                </span>
              ) : null}
            </td>
          </tr>
        </tfoot>
      </table>
      <p style={{ margin: '0 0 6px', fontSize: 12, color: colors.muted }}>
        {timing ? `${timing.clock}; each stage in batches over the audio that reaches it in the chain. ` : ''}
        <button type="button" onClick={() => void measure()} style={button} disabled={measuring}>
          {measuring ? 'Timing…' : 'Time the chain'}
        </button>
      </p>
      {story && <ShareLink story={linkStory(story, stages, flags)} source={bench.linkSource} storySource={bench.storySource} />}
      {stages.map((spec, i) => {
        const live = figures[i];
        // the figures name each stage's visual slot once the processor has made the chain
        if (!live || live.stage !== spec.stage) return null;
        const stage = getStage(spec.stage);
        const heading = `${i + 1}. ${stage.title}`;
        if (live.visualSlot < 0) {
          return live.hasVisual ? (
            <p key={`${i}-${spec.stage}`} style={{ color: colors.warn, fontSize: 13 }}>
              {heading}: its visual frame does not fit beside the others in the shared region, so it is not drawn.
            </p>
          ) : null;
        }
        return (
          <section key={`${i}-${spec.stage}`} aria-label={`${heading}: visualiser`} data-testid={`chain-visual-${spec.stage}`}>
            <h3 style={{ margin: '10px 0 2px', fontSize: 14 }}>{heading}</h3>
            <StageVisual runtime={runtime} stage={stage} params={spec.params} slot={live.visualSlot} />
          </section>
        );
      })}
      <Scope runtime={runtime} />
    </article>
  );
}
