import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { ringCopyStage } from '../dsp-stages/ring-copy/index.ts';
import { SCOPE_CAPACITY_SAMPLES } from '../worklet/layout.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import { whiteNoise, sine, type SourceKind } from '../dsp-stages/signals.ts';
import { argTypesFromParams, sourceArgTypes } from './support/argTypes.ts';
import { expectBitExact, heapAfterGc } from './support/assertions.ts';
import { reportMeasurement } from './support/report.ts';
import { expectActiveAndRunning, expectKernelBudgets, expectLiveWindow } from './support/checks.ts';
import { plainHostNote, skippedOnIsolatedServer } from './support/plainHost.tsx';

interface RingCopyArgs {
  source: SourceKind;
  frequencyHz: number;
  levelDb: number;
  capacity: number;
}

function RingCopyWorkbench(args: RingCopyArgs) {
  return (
    <StageBench
      stage={ringCopyStage}
      params={{ capacity: args.capacity }}
      source={{ kind: args.source, frequencyHz: args.frequencyHz, levelDb: args.levelDb }}
    />
  );
}

const meta = {
  title: 'DSP Stages/Ring Copy',
  component: RingCopyWorkbench,
  args: { source: 'sine', frequencyHz: 1000, levelDb: -6, capacity: 128 * 256 },
  argTypes: { ...sourceArgTypes, ...argTypesFromParams(ringCopyStage.params) },
  parameters: {
    docs: {
      description: {
        component:
          'Each 128-frame quantum is copied into the UI scope ring (SharedArrayBuffer) and the wasm input ring ' +
          '(`get_input_ptr`, `set_write_pos`), then `process_quantum` reads it back. The foundation every stage builds on: ' +
          'it proves both rings round-trip the signal bit for bit and shows the cost of the copy.',
      },
    },
  },
} satisfies Meta<typeof RingCopyWorkbench>;

export default meta;
type Story = StoryObj<typeof meta>;

/** A 1 kHz tone running live; asserts the live runtime: wasm active, real-time rate, no growth, kernel budget. */
export const LiveToneAt1kHz: Story = {
  name: 'Live tone at 1 kHz',
  tags: ['perf'],
  play: async ({ canvasElement, step }) => {
    const runtime = StagebenchRuntime.get();
    await expectActiveAndRunning(canvasElement, runtime, step);
    await expectKernelBudgets(runtime, ringCopyStage, step);
    await expectLiveWindow(runtime, ringCopyStage, step);
  },
};

const OFFLINE_RATE = 48_000;
/** Longer than the scope ring, so both rings wrap during the render. */
const OFFLINE_FRAMES = SCOPE_CAPACITY_SAMPLES + 128 * 50;

function knownSignal(): Float32Array {
  const noise = whiteNoise(OFFLINE_FRAMES, 0.5, 7);
  const tone = sine(OFFLINE_FRAMES, OFFLINE_RATE, 997, 0.25);
  for (let i = 0; i < noise.length; i++) noise[i]! += tone[i]!;
  return noise;
}

/**
 * OfflineAudioContext render of seeded noise plus a tone through the same processor. The wasm ring
 * capacity (4,805 samples) is not a multiple of 128, so quanta wrap mid-way.
 */
export const BitExactThroughBothRings: Story = {
  args: { capacity: 128 * 37 + 69 },
  play: async ({ args, step }) => {
    const input = knownSignal();
    const result = await renderOffline({ stage: 'ring-copy', params: { capacity: args.capacity }, input, sampleRate: OFFLINE_RATE });
    await step('wasm is active in the offline render', async () => {
      expect(result.status, `fallback reason: ${result.reason}`).toBe('active');
    });
    await step('wasm ring read-back equals the input bit for bit', async () => {
      expectBitExact(result.output, input, 'wasm ring read-back');
    });
    await step('UI scope ring holds the newest samples bit for bit', async () => {
      expect(result.scope, 'scope ring (needs SharedArrayBuffer)').not.toBeNull();
      const ring = result.scope!;
      const wp = result.telemetry!.writePos;
      const unrolled = new Float32Array(ring.length);
      unrolled.set(ring.subarray(wp), 0);
      unrolled.set(ring.subarray(0, wp), ring.length - wp);
      expectBitExact(unrolled, input.subarray(input.length - ring.length), 'scope ring');
      expect(result.telemetry!.quantumCount).toBe(OFFLINE_FRAMES / 128);
    });
  },
};

/** With wasm bytes that do not compile, the stage runs its TypeScript reference, says why, and stays exact. */
export const FallbackRunsTheReference: Story = {
  play: async ({ step }) => {
    const input = knownSignal();
    const corrupt = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff]).buffer;
    const result = await renderOffline({
      stage: 'ring-copy',
      params: { capacity: 4096 },
      input,
      sampleRate: OFFLINE_RATE,
      wasmBytes: corrupt,
    });
    await step('status is fallback with the reason', async () => {
      expect(result.status).toBe('fallback');
      expect(result.reason).toMatch(/wasm does not compile/);
    });
    await step('the reference is bit-exact too', async () => {
      expectBitExact(result.output, input, 'reference ring read-back');
    });
  },
};

/** Silence in, silence out, live: the scope shows a flat line and the stage reports no errors. */
export const SilenceInSilenceOut: Story = {
  args: { source: 'silence' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const runtime = StagebenchRuntime.get();
    await waitFor(() => expect(canvas.getByTestId('wasm-status')).toHaveTextContent(/^active$/), { timeout: 15_000 });
    // the runtime outlives stories: the scope may still hold the previous story's signal, so wait
    // until this story's silence has filled it many times over (4096 samples = 32 quanta)
    const q0 = runtime.quantumCount();
    await waitFor(() => expect(runtime.quantumCount()).toBeGreaterThan(q0 + 400), { timeout: 10_000 });
    const scope = new Float32Array(4096);
    runtime.readScope(scope);
    expect(
      scope.every((v) => v === 0),
      'scope holds only zeros',
    ).toBe(true);
    expect(runtime.telemetry().stageErrors).toBe(0);
  },
};

/**
 * Re-creating the stage 40 times in the same node (as story switches do) leaks nothing: the wasm
 * heap returns to the same live bytes, linear memory stops growing after the first round (it
 * grows once to hold the largest ring and never shrinks), one node, at most one timing worker.
 */
export const SwitchingStagesLeaksNothing: Story = {
  play: async ({ args, canvasElement, step }) => {
    const canvas = within(canvasElement);
    const runtime = StagebenchRuntime.get();
    await waitFor(() => expect(canvas.getByTestId('wasm-status')).toHaveTextContent(/^active$/), { timeout: 15_000 });
    const before = runtime.telemetry();
    const switchRound = async () => {
      for (let i = 0; i < 20; i++) await runtime.setStage('ring-copy', { capacity: i % 2 === 0 ? 4096 : 1 << 18 });
      await runtime.setStage('ring-copy', { capacity: args.capacity });
    };
    await step('round 1: 21 switches between ring sizes (memory may grow to the largest ring)', switchRound);
    const afterFirst = runtime.telemetry();
    const heap0 = await heapAfterGc();
    await step('round 2: 21 more switches', switchRound);
    const after = runtime.telemetry();
    const heap1 = await heapAfterGc();
    reportMeasurement({
      name: 'wasm live bytes after 42 switches minus before',
      value: after.wasmLiveBytes - before.wasmLiveBytes,
      unit: 'bytes',
      source: 'alloc_live_bytes()',
    });
    await step('the wasm heap holds the same bytes, and round 2 did not grow memory', async () => {
      expect(after.wasmStatus).toBe('active');
      expect(after.wasmLiveBytes, 'wasm live heap bytes after vs before').toBe(before.wasmLiveBytes);
      expect(after.wasmMemoryBytes, 'wasm linear memory after round 2 vs after round 1').toBe(afterFirst.wasmMemoryBytes);
    });
    await step('one node, at most one timing worker, bounded JS heap', async () => {
      const res = runtime.resources();
      expect(res.hasNode).toBe(true);
      expect(res.timerWorkers).toBeLessThanOrEqual(1);
      if (heap0 !== null && heap1 !== null)
        expect(heap1 - heap0, 'JS heap growth over round 2 after GC').toBeLessThan(ringCopyStage.budgets.heapGrowthBytes);
    });
  },
};

/**
 * Served by a plain static host (no COOP/COEP) and opened with `?coi=0`, so the COOP/COEP service
 * worker stays off: no SharedArrayBuffer, so the figures and the scope arrive by postMessage, and
 * the status bar says so and why. Runs in its own pass against such a server.
 */
export const WithoutSharedArrayBuffer: Story = {
  tags: ['no-isolation'],
  decorators: [plainHostNote],
  play: async ({ canvasElement, step }) => {
    if (await skippedOnIsolatedServer(step)) return;
    const canvas = within(canvasElement);
    const runtime = StagebenchRuntime.get();
    await step('the page is not cross-origin isolated, and says so and why (?coi=0)', async () => {
      expect(globalThis.crossOriginIsolated).toBe(false);
      await waitFor(() => expect(canvas.getByTestId('isolation')).toHaveTextContent(/no SharedArrayBuffer/), { timeout: 10_000 });
      expect(canvas.getByTestId('isolation-reason')).toHaveTextContent(
        'not isolated (postMessage fallback): service worker off (?coi=0 in the URL)',
      );
    });
    await step('wasm still runs and the quanta arrive by postMessage', async () => {
      await waitFor(() => expect(canvas.getByTestId('wasm-status')).toHaveTextContent(/^active$/), { timeout: 15_000 });
      const q0 = runtime.quantumCount();
      await waitFor(() => expect(runtime.quantumCount()).toBeGreaterThan(q0 + 100), { timeout: 10_000 });
    });
    await step('the scope shows the tone', async () => {
      const scope = new Float32Array(1024);
      await waitFor(
        () => {
          runtime.readScope(scope);
          expect(Math.max(...scope.map(Math.abs))).toBeGreaterThan(0.4);
        },
        { timeout: 5_000 },
      );
    });
  },
};
