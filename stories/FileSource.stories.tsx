/**
 * The `file` source on a stage story (the gain stage here; every stage story's picker offers it):
 * a built-in decode fixture, decoded on the worker pool and looped through the worklet; a corrupt
 * file is refused with the decoder's message while the previous source keeps playing.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { gainStage } from '../dsp-stages/gain/index.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import type { SourceKind } from '../dsp-stages/signals.ts';
import { RENDER_QUANTUM_FRAMES, type ParamValues } from '../dsp-stages/types.ts';
import { decode } from '../dsp-stages/decode/pool/decode.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import { argTypesFromParams, fixtureArgTypes, sourceArgTypes } from './support/argTypes.ts';
import { expectBitExact } from './support/assertions.ts';
import { expectActiveAndRunning, expectFilePlaying } from './support/checks.ts';
import { runKernel } from './support/conformance/kernel-run.ts';
import { fixtureBytes } from './support/decodeFixtures.ts';

type FileArgs = { source: SourceKind; frequencyHz: number; levelDb: number; fixture: string } & ParamValues;

function stageParams(args: FileArgs): ParamValues {
  return Object.fromEntries(gainStage.params.map((p) => [p.name, args[p.name] ?? p.default]));
}

function FileSourceWorkbench(args: FileArgs) {
  return (
    <StageBench
      stage={gainStage}
      params={stageParams(args)}
      source={{ kind: args.source, frequencyHz: args.frequencyHz, levelDb: args.levelDb, fixture: args.fixture }}
    />
  );
}

const meta = {
  title: 'Workbench/File source',
  component: FileSourceWorkbench,
  args: { source: 'file', frequencyHz: 1000, levelDb: -6, fixture: 'signal-wav', ...defaultParams(gainStage.params), gain: 0.5 },
  argTypes: { ...sourceArgTypes, ...fixtureArgTypes, ...argTypesFromParams(gainStage.params) },
  parameters: {
    docs: {
      description: {
        component:
          'A decoded file as any stage’s source: a built-in fixture (named in shared links) or your own WAV, FLAC or MP3 ' +
          '(file picker or drop on the source; it stays in the page), decoded on the worker pool and looped through the worklet.',
      },
    },
  },
} satisfies Meta<typeof FileSourceWorkbench>;

export default meta;
type Story = StoryObj<typeof meta>;

/**
 * signal.wav loops through the gain stage: the bench reports it playing with its frame count and
 * the frames the worklet has read growing; offline, the stage's output
 * over the decoded file equals the TypeScript reference bit for bit. Then the corrupt garbage.mp3
 * is picked: the decoder's message is shown and signal.wav keeps playing.
 */
export const FixtureLoopsThroughAStage: Story = {
  play: async ({ args, canvasElement, step }) => {
    const runtime = StagebenchRuntime.get();
    const canvas = within(canvasElement);
    await expectActiveAndRunning(canvasElement, runtime, step);
    const rate = runtime.ctx.sampleRate;
    const pool = await runtime.pool();
    const decoded = await decode(pool, { name: 'signal.wav', bytes: await fixtureBytes('signal.wav') }, { outputRate: rate });
    expect(decoded.error).toBeNull();
    await step(`the bench reports signal.wav playing: ${decoded.frames} frames at the context rate, played frames growing`, async () => {
      await expectFilePlaying(StagebenchRuntime.get(), canvas, 'signal.wav', decoded.frames);
      const scope = new Float32Array(4096);
      runtime.readScope(scope);
      expect(Math.max(...scope.map(Math.abs)), 'scope peak of the file through the stage').toBeGreaterThan(0.01);
    });
    await step('offline: the stage over the decoded file (channel 0, about 2 s) equals the TypeScript reference bit for bit', async () => {
      const params = stageParams(args);
      // whole quanta, as the reference kernel runs them
      const input = decoded.channelData[0]!.slice(0, Math.floor((2 * rate) / RENDER_QUANTUM_FRAMES) * RENDER_QUANTUM_FRAMES);
      const result = await renderOffline({ stage: gainStage.id, params, input, sampleRate: rate });
      expect(result.status, `fallback reason: ${result.reason}`).toBe('active');
      const reference = runKernel(gainStage.createReferenceKernel(params, rate), true, input).output!;
      expectBitExact(result.output, reference, 'stage output over signal.wav vs reference');
    });
    await step('a corrupt file (garbage.mp3) gives the decoder’s message; signal.wav keeps playing', async () => {
      await userEvent.selectOptions(canvas.getByTestId('source-fixture'), 'garbage-mp3');
      await waitFor(
        () => expect(canvas.getByTestId('bench-error')).toHaveTextContent(/^garbage\.mp3: no MPEG audio frames found in 65546 bytes/),
        {
          timeout: 20_000,
        },
      );
      expect(canvas.getByTestId('bench-error')).toHaveTextContent(/the previous source keeps playing/);
      expect((canvas.getByTestId('source-fixture') as HTMLSelectElement).value, 'the picker is back on the file that plays').toBe(
        'signal-wav',
      );
      const line = canvas.getByTestId('file-source');
      const before = Number(line.dataset.played);
      await waitFor(() => expect(Number(line.dataset.played)).toBeGreaterThan(before + rate / 4), { timeout: 10_000 });
      expect(runtime.state.file?.name).toBe('signal.wav');
    });
  },
};

/**
 * The user's own file, by the picker and by drag and drop: signal.flac picked as "my-take.flac"
 * plays through the stage with the frame count the pool decodes from the same bytes, the picker
 * names it as yours and the shared link leaves it out (it names built-in files only); then
 * signal.wav dropped on the source as "dropped.wav" replaces it.
 */
export const YourOwnFileByPickerAndDrop: Story = {
  play: async ({ canvasElement, step }) => {
    const runtime = StagebenchRuntime.get();
    const canvas = within(canvasElement);
    await expectActiveAndRunning(canvasElement, runtime, step);
    const rate = runtime.ctx.sampleRate;
    const pool = await runtime.pool();
    /** Waits until `name` plays with the frames the pool decodes from `bytes` at the context rate. */
    const expectPlaying = async (name: string, bytes: Uint8Array) => {
      const decoded = await decode(pool, { name, bytes }, { outputRate: rate });
      expect(decoded.error).toBeNull();
      await expectFilePlaying(StagebenchRuntime.get(), canvas, name, decoded.frames);
    };
    const flac = await fixtureBytes('signal.flac');
    await step('signal.flac picked as my-take.flac plays; the picker names it as yours; the link leaves it out', async () => {
      await userEvent.upload(canvas.getByTestId('source-own-file'), new File([flac.slice()], 'my-take.flac', { type: 'audio/flac' }));
      await expectPlaying('my-take.flac', flac);
      const select = canvas.getByTestId('source-fixture') as HTMLSelectElement;
      expect(select.value).toBe('');
      expect(select.selectedOptions[0]).toHaveTextContent('(yours: my-take.flac)');
      const link = (canvas.getByTestId('share-link') as HTMLInputElement).value;
      expect(link).not.toContain('my-take');
      expect(link).toContain('signal-wav');
    });
    const wav = await fixtureBytes('signal.wav');
    await step('signal.wav dropped on the source as dropped.wav replaces it', async () => {
      const dataTransfer = new DataTransfer();
      dataTransfer.items.add(new File([wav.slice()], 'dropped.wav', { type: 'audio/wav' }));
      const picker = canvas.getByTestId('source-picker');
      // the browser's own drag events, carrying a real DataTransfer
      for (const type of ['dragenter', 'dragover', 'drop']) {
        picker.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer }));
      }
      await expectPlaying('dropped.wav', wav);
      expect(canvas.getByTestId('source-fixture')).toHaveDisplayValue('(yours: dropped.wav)');
    });
  },
};
