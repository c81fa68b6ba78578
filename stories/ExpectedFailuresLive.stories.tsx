/**
 * Live-runtime stories that must FAIL (the expected-failure gate of `npm test`): proof that the
 * kernel budgets catch a realistic regression (every stage's kernel made 5 times slower by a
 * test-only fault, dsp-stages/faults.ts), that the real-time rate check catches an audio thread
 * that falls behind and that the browser's underrun counters and clock lag see it, and that the heap check over stage switches catches a leak. Each declares the
 * assertion it must fail on.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { STAGES } from '../dsp-stages/registry.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { ResultsBoard } from './support/conformance/board.ts';
import { expectKernelAttemptsWithinBudget, heapAfterGc, timeKernelWithin, withAudioSuspended } from './support/assertions.ts';
import { SINGLE_QUANTA, expectNoGlitches, expectRealTimeRate, measureLiveWindow } from './support/checks.ts';
import { addHeapGrowth, finish, startRuntime, switchRound } from './support/switching.ts';
import { failsWith } from './support/expectedFailure.ts';

function Nothing() {
  return <p>Checks on the page&apos;s runtime only: see the Interactions panel.</p>;
}

const meta = {
  title: 'Expected Failures/Live runtime',
  component: Nothing,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof Nothing>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The regression every budget must catch: the budgets are at most 3 times the measured p99. */
const SLOWDOWN = 5;

/**
 * Each registered stage, its kernel 5 times slower, timed as its budget story times it (up to
 * three measurements): every one must miss its own budget. The story fails with the budget
 * assertions' messages when all do; a stage within its budget though 5 times slower fails it with
 * another message, which the gate reports.
 */
export const EveryKernelFiveTimesSlowerMissesItsBudget: Story = {
  parameters: failsWith(
    /^every stage 5 times slower misses its budget \(\d+ stages\):\n[\s\S]*(kernel|single-quantum) p99 [\d.]+ µs vs budget/,
  ),
  play: async () => {
    const runtime = StagebenchRuntime.get();
    await startRuntime(runtime);
    const missed: string[] = [];
    const within: string[] = [];
    for (const stage of Object.values(STAGES)) {
      await runtime.setStage(stage.id, defaultParams(stage.params));
      const { kernelP99Us, quantumP99Us } = stage.budgets;
      const result = await withAudioSuspended(runtime, () =>
        timeKernelWithin(() => runtime.measureKernel({ singleQuanta: SINGLE_QUANTA, slowdown: SLOWDOWN }), { kernelP99Us, quantumP99Us }),
      );
      try {
        expectKernelAttemptsWithinBudget(result, { kernelP99Us, quantumP99Us });
        within.push(
          `${stage.id}: p99 ${result.best.p99Us.toFixed(3)} µs (budget ${kernelP99Us}), single-quantum p99 ${result.best.singleQuantum.p99Us.toFixed(1)} µs (budget ${quantumP99Us})`,
        );
      } catch (err) {
        missed.push(`${stage.id}: ${(err as Error).message}`);
      }
    }
    if (within.length > 0) throw new Error(`within budget though ${SLOWDOWN} times slower:\n${within.join('\n')}`);
    throw new Error(`every stage ${SLOWDOWN} times slower misses its budget (${missed.length} stages):\n${missed.join('\n')}`);
  },
};

/**
 * The live gain stage made slower until each quantum costs about twice its deadline (the factor
 * from the kernel's measured cost): the audio falls behind.
 */
async function overloadedAudioThread(): Promise<StagebenchRuntime> {
  const runtime = StagebenchRuntime.get();
  await startRuntime(runtime);
  await runtime.setStage('gain', defaultParams(STAGES.gain!.params));
  const timing = await withAudioSuspended(runtime, () => runtime.measureKernel({ batches: 50, singleQuanta: 0 }));
  runtime.setTestSlowdown(Math.ceil((2 * timing.deadlineUs) / timing.p50Us));
  return runtime;
}

/** An overloaded audio thread (overloadedAudioThread): the quanta/s check must fail. */
export const OverloadedAudioThreadFallsBehind: Story = {
  parameters: failsWith(/^quanta\/s [\d.]+ over [\d.]+ s vs sampleRate\/\d+ = [\d.]+/),
  play: async () => {
    expectRealTimeRate(await measureLiveWindow(await overloadedAudioThread(), 2));
  },
};

/**
 * The same overloaded audio thread: the browser's own counters must see it. Where the browser
 * counts underruns (Chromium's playbackStats) that check fails first, otherwise the clock lag's.
 */
export const OverloadedAudioThreadGlitches: Story = {
  parameters: failsWith(
    /^(underruns \(AudioContext\.playbackStats, read after its next refresh\) over [\d.]+ s live: [1-9]\d* events|audio clock lag grew [\d.]+ ms)/,
  ),
  play: async () => {
    expectNoGlitches(await measureLiveWindow(await overloadedAudioThread(), 2));
  },
};

/**
 * Stage switches as in Conformance / Stage switching, each keeping 512 KB alive (as a visualiser
 * that kept every stage's frames would): the heap growth check over switches 51-100 must fail.
 */
export const LeakingSwitchesGrowTheHeap: Story = {
  parameters: failsWith(/^failed checks:[\s\S]*JS heap growth over switches 51-100 < \d+ bytes/),
  play: async ({ step }) => {
    const runtime = StagebenchRuntime.get();
    await startRuntime(runtime);
    const board = new ResultsBoard();
    const list = Object.values(STAGES);
    const liveBytes = new Map<string, number[]>();
    const kept: number[][] = [];
    await switchRound(runtime, board, list, 0, 50, liveBytes);
    const heap0 = await heapAfterGc();
    await switchRound(runtime, board, list, 50, 100, liveBytes, (i) => kept.push(new Array<number>(65_536).fill(i)));
    const heap1 = await heapAfterGc();
    const budget = Math.min(...list.map((s) => s.budgets.heapGrowthBytes));
    addHeapGrowth(board, 'switches 51-100', heap0, heap1, budget, `${budget} bytes`);
    await finish(board, step);
  },
};
