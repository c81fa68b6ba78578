/**
 * The live runtime's checks shared by the Conformance stories and their expected failures: start
 * the runtime, switch stages, read the JS heap's growth into a results board, and assert a board.
 */
import { expect } from 'storybook/test';
import { defaultParams } from '../../dsp-stages/params.ts';
import type { StageDescriptor } from '../../dsp-stages/types.ts';
import type { StagebenchRuntime } from '../../worklet/host.ts';
import { underTestRunner } from './assertions.ts';
import { describeFailures, type ResultsBoard } from './conformance/board.ts';
import { extremeParams } from '../../dsp-stages/conformance/params.ts';
import { reportMeasurement } from './report.ts';

/**
 * Starts the page's runtime and waits for the processor's first report. A setStage called while
 * that report is still on its way takes it for its own (StagebenchRuntime.setStage resolves on
 * the next status message), and every later setStage then resolves one switch early.
 */
export async function startRuntime(runtime: StagebenchRuntime): Promise<void> {
  await runtime.start();
  const t0 = performance.now();
  while (runtime.state.wasmStatus === 'loading') {
    if (performance.now() - t0 > 10_000) throw new Error('the processor did not report its first stage within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Switches `from`..`to` (exclusive) of the live runtime through `stages` in turn, alternating each
 * stage's defaults and its largest settings by round; records each switch's wasm live bytes in
 * `liveBytes` (by stage and variant) and a failed row when a switch did not take or fell back.
 * `afterSwitch` runs after each switch (an expected failure leaks there).
 */
export async function switchRound(
  runtime: StagebenchRuntime,
  board: ResultsBoard,
  stages: readonly StageDescriptor[],
  from: number,
  to: number,
  liveBytes: Map<string, number[]>,
  afterSwitch: (i: number) => void = () => {},
): Promise<void> {
  for (let i = from; i < to; i++) {
    const stage = stages[i % stages.length]!;
    const variant = Math.floor(i / stages.length) % 2 === 0 ? 'defaults' : 'largest';
    board.status(`switch ${i + 1}: ${stage.id} (${variant})`);
    await runtime.setStage(
      stage.id,
      variant === 'defaults' ? defaultParams(stage.params) : { ...defaultParams(stage.params), ...extremeParams(stage.params) },
    );
    const t = runtime.telemetry();
    const key = `${stage.id} (${variant})`;
    if (runtime.state.stage !== stage.id)
      board.add(stage.id, {
        check: `switch ${i + 1}: setStage resolved on this stage's report`,
        figure: `the runtime reports ${runtime.state.stage}`,
        ok: false,
      });
    liveBytes.set(key, [...(liveBytes.get(key) ?? []), t.wasmLiveBytes]);
    if (runtime.state.wasmStatus !== 'active')
      board.add(stage.id, {
        check: `switch ${i + 1}: wasm active`,
        figure: `${runtime.state.wasmStatus}: ${runtime.state.fallbackReason}`,
        ok: false,
      });
    afterSwitch(i);
  }
}

/**
 * The row for the JS heap's growth after GC between two readings, and its measurement; without a
 * GC hook a note (a failure under the test runner, which has one).
 */
export function addHeapGrowth(
  board: ResultsBoard,
  what: string,
  before: number | null,
  after: number | null,
  bound: number,
  boundText: string,
): void {
  if (before === null || after === null) {
    board.add('all', {
      check: `JS heap after GC, ${what}`,
      figure: 'no gc() in this browser (the test runner has it)',
      ok: underTestRunner() ? false : null,
    });
    return;
  }
  board.add('all', {
    check: `JS heap growth over ${what} < ${boundText}`,
    figure: `${after - before} bytes (${before} → ${after})`,
    ok: after - before < bound,
  });
  reportMeasurement({ name: `JS heap growth over ${what}`, value: after - before, unit: 'bytes', source: 'performance.memory after gc()' });
}

/** The board's last step: every row passed (the message lists the failed ones). */
export async function finish(board: ResultsBoard, step: (label: string, play: () => Promise<void>) => Promise<void> | void): Promise<void> {
  board.status('');
  const failures = board.failures();
  await step(`every check passed (${board.getState().rows.length} rows)`, async () => {
    expect(failures.length, `failed checks:\n${describeFailures(failures)}`).toBe(0);
  });
}
