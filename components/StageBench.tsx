/**
 * The frame every story renders: selects the stage on the page's shared runtime, feeds it the
 * source, and shows controls, status (with the page's cross-origin isolation and why), scope and
 * kernel timing around the story's own content; then the shareable link of the story (inside
 * Storybook) and the run report. Never stops or destroys the runtime on unmount: the next story
 * reuses it.
 */
import { useCallback, useContext, useEffect, useId, useState, type ReactNode } from 'react';
import type { ParamValues, StageDescriptor } from '../dsp-stages/types.ts';
import { timingBudgetAt } from '../dsp-stages/types.ts';
import type { SourceSpec } from '../dsp-stages/signals.ts';
import type { KernelTiming } from '../worklet/protocol.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { describeIsolation, useIsolation } from './isolation.ts';
import { MonitorSwitch } from './MonitorSwitch.tsx';
import { RunReport } from './RunReport.tsx';
import { ShareLink } from './ShareLink.tsx';
import { StoryShareContext, pageLocations, shareLink } from './share.ts';
import { Scope } from './Scope.tsx';
import { SourcePicker } from './SourcePicker.tsx';
import { StatusBar } from './StatusBar.tsx';
import { TimingHistogram } from './TimingHistogram.tsx';
import { StageFigures } from './StageFigures.tsx';
import { useRuntimeState } from './useRuntime.ts';
import { BenchSourceStatus, useBenchSource } from './useBenchSource.tsx';
import { BouncePanel } from './BouncePanel.tsx';
import { AbPanel } from './AbPanel.tsx';
import type { ReportAb } from './runReport.ts';
import { FOCUS_RING_CSS, alertBox, button, colors, fonts } from './theme.ts';
import { errorMessage } from '../worklet/errors.ts';
import { useMeasurement } from './useMeasurement.ts';

export interface StageBenchProps {
  stage: StageDescriptor;
  params: ParamValues;
  source: SourceSpec;
  /** Resume the AudioContext on mount (default true; the browser may still need a click on Start). */
  autoStart?: boolean;
  /** Stage-specific content below the bench (plots, readouts). */
  /** The stage's own visualiser (a spectrum...), shown right under the status bar, above the scope. */
  visual?: ReactNode;
  children?: ReactNode;
  /** Stage-specific controls, shown in the toolbar after the source picker. */
  extra?: ReactNode;
  /** The A/B null test's starting sets (default: the current params for both). */
  ab?: { a?: ParamValues; b?: ParamValues };
}

export function StageBench({ stage, params, source, autoStart = true, visual, children, extra, ab }: StageBenchProps) {
  const [runtime] = useState(() => StagebenchRuntime.get());
  const state = useRuntimeState(runtime);
  const [error, setError] = useState<string | null>(null);
  const measureKernel = useCallback(() => runtime.measureKernel(), [runtime]);
  /** `generation` is bumped per stage selection and on unmount, so late results of an old stage are dropped. */
  const {
    generation,
    result: timing,
    setResult: setTiming,
    measuring,
    setMeasuring,
    measure,
  } = useMeasurement<KernelTiming>(measureKernel, setError);
  const [abResult, setAbResult] = useState<ReportAb | null>(null);

  // Stories pass fresh objects on every render: compare by value, not identity.
  const paramsKey = JSON.stringify(params);
  const bench = useBenchSource(runtime, source, setError);
  const { localSource, file, ownFile, linkSource, pickSource, pickOwnFile } = bench;

  useEffect(() => {
    const gen = ++generation.current;
    setTiming(null);
    setMeasuring(false);
    setError(null);
    const run = async () => {
      try {
        await runtime.setStage(stage.id, JSON.parse(paramsKey) as ParamValues);
      } catch (err) {
        if (gen === generation.current) setError(`setting stage ${stage.id}: ${errorMessage(err)}`);
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
  }, [runtime, stage.id, paramsKey, measure, generation, setTiming, setMeasuring]);

  useEffect(() => {
    if (!autoStart) return;
    runtime.start().catch((err: unknown) => setError(`starting audio: ${errorMessage(err)}`));
  }, [runtime, autoStart]);

  const start = () => {
    setError(null);
    runtime.start().catch((err: unknown) => setError(`starting audio: ${errorMessage(err)}`));
  };
  const stop = () => {
    runtime.stop().catch((err: unknown) => setError(`stopping audio: ${errorMessage(err)}`));
  };

  const running = state.contextState === 'running';
  const titleId = useId();
  const isolation = useIsolation();
  const isolationText = describeIsolation(isolation);
  const story = useContext(StoryShareContext);
  const link = story ? shareLink(story, linkSource, bench.storySource, ...pageLocations()).url : null;

  return (
    // an article named by the stage title: its <header> is then no page-wide banner landmark
    // (a docs page shows several benches)
    <article
      aria-labelledby={titleId}
      style={{ fontFamily: fonts.ui, color: colors.text, background: colors.background, padding: 8, maxWidth: 960 }}
    >
      <style href="stagebench-focus-ring" precedence="default">
        {FOCUS_RING_CSS}
      </style>
      <header style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 12, marginBottom: 6 }}>
        <h2 id={titleId} style={{ margin: 0, fontSize: 18 }}>
          {stage.title}
        </h2>
        {/* Never disabled: a button that disables itself on click drops keyboard focus. */}
        <button type="button" onClick={start} style={{ ...button, fontWeight: running ? 600 : 400 }}>
          Start
        </button>
        <button type="button" onClick={stop} style={button}>
          Stop
        </button>
        <MonitorSwitch on={state.monitor} onChange={(on) => runtime.setMonitor(on)} />
      </header>
      <div role="group" aria-label="Bench controls" style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 12 }}>
        <SourcePicker value={localSource} onChange={pickSource} ownFile={ownFile} onOwnFile={pickOwnFile} />
        {extra}
      </div>
      <BenchSourceStatus runtime={runtime} bench={bench} />
      {error && (
        <div role="alert" data-testid="bench-error" style={alertBox}>
          {error}
        </div>
      )}
      <StatusBar runtime={runtime} />
      <p
        data-testid="isolation-reason"
        data-status={isolation.status}
        style={{ margin: '-2px 0 6px', fontSize: 12, color: isolation.status === 'isolated' ? colors.muted : colors.warn }}
      >
        {isolationText}
      </p>
      {stage.figures && <StageFigures runtime={runtime} figures={stage.figures} />}
      {visual}
      <Scope runtime={runtime} />
      <TimingHistogram
        timing={timing}
        budgetUs={timingBudgetAt(stage.budgets, timing?.quantumFrames ?? runtime.state.quantumFrames).kernelP99Us}
        quantumBudgetUs={timingBudgetAt(stage.budgets, timing?.quantumFrames ?? runtime.state.quantumFrames).quantumP99Us}
        measuring={measuring}
        onMeasure={() => void measure()}
      />
      {children}
      {stage.hasAudioOutput && (
        <>
          <BouncePanel stage={stage} params={params} source={localSource} file={file} sampleRate={state.sampleRate} />
          <AbPanel
            key={stage.id}
            runtime={runtime}
            stage={stage}
            params={params}
            source={localSource}
            file={file}
            initial={ab}
            onResult={setAbResult}
          />
        </>
      )}
      {story && <ShareLink story={story} source={linkSource} storySource={bench.storySource} />}
      <RunReport
        runtime={runtime}
        stage={stage}
        params={params}
        source={linkSource}
        timing={timing}
        ab={abResult}
        storyId={story?.storyId ?? null}
        link={link}
        isolation={isolationText}
      />
    </article>
  );
}
