/**
 * Bounce to WAV and the A/B null test, on the EQ (every stage story with audio out has both): the
 * bounced file is the offline render bit for bit; flat against bypass nulls exactly; two settings
 * give the residual `stagebench null eq` prints for them.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { offlineInput } from '../components/offlineInput.ts';
import { eqStage } from '../dsp-stages/eq/index.ts';
import { EQ_AB_CLI_FIGURES, EQ_AB_INPUT, EQ_FLAT_VS_BYPASS, EQ_TWO_SETTINGS } from '../dsp-stages/eq/ab-settings.ts';
import { nullSummary } from '../dsp-stages/null-test.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import { sourceSamples, type SourceKind } from '../dsp-stages/signals.ts';
import type { ParamValues } from '../dsp-stages/types.ts';
import { parseWav } from '../dsp-stages/wav.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import { sourceArgTypes } from './support/argTypes.ts';
import { expectBitExact } from './support/assertions.ts';
import { reportMeasurement } from './support/report.ts';

type AbSets = 'none' | 'flat-vs-bypass' | 'two-settings';
type Args = { source: SourceKind; frequencyHz: number; levelDb: number; sets: AbSets };

const SETS: Record<AbSets, { a: ParamValues; b: ParamValues } | undefined> = {
  none: undefined,
  'flat-vs-bypass': EQ_FLAT_VS_BYPASS,
  'two-settings': { a: EQ_TWO_SETTINGS.a, b: EQ_TWO_SETTINGS.b },
};

function Workbench(args: Args) {
  const sets = SETS[args.sets];
  return (
    <StageBench
      stage={eqStage}
      params={sets?.a ?? defaultParams(eqStage.params)}
      source={{ kind: args.source, frequencyHz: args.frequencyHz, levelDb: args.levelDb }}
      ab={sets}
    />
  );
}

const meta = {
  title: 'Workbench/Bounce and A-B null test',
  component: Workbench,
  args: {
    source: EQ_AB_INPUT.source.kind,
    frequencyHz: EQ_AB_INPUT.source.frequencyHz,
    levelDb: EQ_AB_INPUT.source.levelDb,
    sets: 'two-settings',
  },
  argTypes: {
    ...sourceArgTypes,
    sets: {
      name: 'A/B starting sets',
      description: 'The EQ settings A and B start from (no unit): the current params for both, flat against bypass, or two Q values.',
      options: Object.keys(SETS),
      control: { type: 'select' },
      table: { category: 'A/B' },
    },
  },
  parameters: {
    docs: {
      description: {
        component:
          'Bounce to WAV renders the stage with its current params over the current source offline and downloads a 32-bit float WAV; ' +
          'the A/B null test renders two parameter sets over the same input and shows their residual, its spectrum, and lets you listen to A, B or the difference.',
      },
    },
  },
} satisfies Meta<typeof Workbench>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The bounced WAV: a float32 header (format 3, the context's rate, 1 channel) and data equal to the offline render, bit for bit. */
export const BounceIsTheOfflineRender: Story = {
  args: { sets: 'none' },
  play: async ({ canvasElement, step }) => {
    const runtime = StagebenchRuntime.get();
    const canvas = within(canvasElement);
    const rate = runtime.ctx.sampleRate;
    await userEvent.click(canvas.getByTestId('bounce'));
    const link = (await waitFor(() => canvas.getByTestId('bounce-link'), { timeout: 30_000 })) as HTMLAnchorElement;
    const bytes = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
    await step(`the header: RIFF/WAVE, format 3 (IEEE float), 1 channel, ${rate} Hz, 32 bits`, async () => {
      const view = new DataView(bytes.buffer);
      const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
      expect([ascii(0), ascii(8), ascii(12)]).toEqual(['RIFF', 'WAVE', 'fmt ']);
      expect(view.getUint32(4, true)).toBe(bytes.length - 8);
      expect(view.getUint16(20, true), 'format tag').toBe(3);
      expect(view.getUint16(22, true), 'channels').toBe(1);
      expect(view.getUint32(24, true), 'sample rate').toBe(rate);
      expect(view.getUint16(34, true), 'bits per sample').toBe(32);
    });
    await step('the data equals the offline render of the same params over the same 10 s of noise, bit for bit', async () => {
      const wav = parseWav(bytes);
      const { input } = offlineInput({ ...EQ_AB_INPUT.source }, null, rate);
      const r = await renderOffline({ stage: eqStage.id, params: defaultParams(eqStage.params), input, sampleRate: rate });
      expect(r.status, `fallback reason: ${r.reason}`).toBe('active');
      expect(wav.channels.length).toBe(1);
      expect(Number(canvas.getByTestId('bounce-result').dataset.frames)).toBe(input.length);
      expectBitExact(wav.channels[0]!, r.output, 'bounced WAV vs offline render');
    });
  },
};

async function runNullTest(canvasElement: HTMLElement): Promise<HTMLElement> {
  const canvas = within(canvasElement);
  await userEvent.click(canvas.getByTestId('ab-run'));
  return waitFor(() => canvas.getByTestId('ab-result'), { timeout: 60_000 });
}

/** EQ flat against bypass: the residual is exactly zero; the run report records both sets and the residual. */
export const FlatVsBypassNullsExactly: Story = {
  args: { sets: 'flat-vs-bypass' },
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const el = await runNullTest(canvasElement);
    await step('exactly zero (or below −140 dBFS)', async () => {
      const dbfs = el.dataset.residualDbfs === '' ? null : Number(el.dataset.residualDbfs);
      reportMeasurement({
        name: 'EQ flat vs bypass residual',
        value: dbfs ?? -Infinity,
        unit: 'dBFS',
        source: 'A/B panel, 10 s of noise at −12 dBFS',
      });
      expect(el.dataset.exactlyZero === 'true' || (dbfs !== null && dbfs < -140), `residual ${el.dataset.residualDbfs}`).toBe(true);
      expect(Number(el.dataset.maxAbs)).toBeLessThan(1e-6);
    });
    await step('the run report records both sets and the residual', async () => {
      await waitFor(() => expect(canvas.getByTestId('run-report-json')).toHaveTextContent(/"ab": \{/), { timeout: 20_000 });
      const json = JSON.parse(canvas.getByTestId('run-report-json').textContent!) as { ab: Record<string, unknown> };
      expect(json.ab.a).toEqual(EQ_FLAT_VS_BYPASS.a);
      expect(json.ab.b).toEqual(EQ_FLAT_VS_BYPASS.b);
      expect(json.ab.maxAbsDiff).toBe(Number(el.dataset.maxAbs));
    });
  },
};

/**
 * Two EQ settings (band 1 Q 1 against Q 2): the panel's figures equal dsp-stages/null-test.ts over
 * the two offline renders; at the CLI's input (2 s of noise, 48 kHz) the renders give exactly the
 * figures `stagebench null eq` prints (EQ_AB_CLI_FIGURES, checked in Node by eq/ab-settings.test.ts).
 */
export const TwoSettingsMatchTheCli: Story = {
  args: { sets: 'two-settings' },
  play: async ({ canvasElement, step }) => {
    const runtime = StagebenchRuntime.get();
    const canvas = within(canvasElement);
    const el = await runNullTest(canvasElement);
    await step('the panel shows the null test of the two offline renders', async () => {
      const rate = runtime.ctx.sampleRate;
      const { input } = offlineInput({ ...EQ_AB_INPUT.source }, null, rate);
      const [a, b] = await Promise.all(
        [EQ_TWO_SETTINGS.a, EQ_TWO_SETTINGS.b].map((params) => renderOffline({ stage: eqStage.id, params, input, sampleRate: rate })),
      );
      const s = nullSummary(a!.output, b!.output, rate);
      expect(Number(el.dataset.maxAbs)).toBe(s.result.maxAbsDiff);
      expect(Number(el.dataset.residualDbfs)).toBe(s.result.residualDbfs);
      expect(Number(el.dataset.levelMatchGain)).toBe(s.result.levelMatch.gain);
      expect(el.dataset.exactlyZero).toBe('false');
      expect(canvas.getByRole('img', { name: /Residual spectrum/ })).toBeTruthy();
    });
    await step('listening to the difference turns the live monitor off; Off stops it', async () => {
      runtime.setMonitor(true);
      await userEvent.click(canvas.getByTestId('ab-listen-difference'));
      expect(canvas.getByTestId('ab-listen-difference')).toBeChecked();
      expect(runtime.state.monitor, 'the live monitor while A/B plays').toBe(false);
      await userEvent.click(canvas.getByTestId('ab-listen-off'));
      expect(canvas.getByTestId('ab-listen-off')).toBeChecked();
    });
    await step('at the CLI’s input, the browser’s figures are the CLI’s', async () => {
      const { source, sampleRate, seconds } = EQ_AB_INPUT;
      const input = sourceSamples(source, sampleRate, seconds * sampleRate);
      const [a, b] = await Promise.all(
        [EQ_TWO_SETTINGS.a, EQ_TWO_SETTINGS.b].map((params) => renderOffline({ stage: eqStage.id, params, input, sampleRate })),
      );
      const r = nullSummary(a!.output, b!.output, sampleRate).result;
      reportMeasurement({
        name: 'EQ two settings residual (band 1 Q 1 vs 2)',
        value: r.residualDbfs!,
        unit: `dBFS (max |A − B| ${r.maxAbsDiff.toExponential(4)})`,
        source: '2 s of noise at −12 dBFS, 48 kHz offline; the CLI prints the same',
      });
      expect({ maxAbsDiff: r.maxAbsDiff, residualRmsDbfs: r.residualDbfs, levelMatchGain: r.levelMatch.gain }).toEqual(EQ_AB_CLI_FIGURES);
    });
  },
};
