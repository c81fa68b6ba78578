import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { StageVisual } from '../components/StageVisual.tsx';
import { StageBench } from '../components/StageBench.tsx';
import { parseReport, reportRows, type RunReport } from '../components/runReport.ts';
import { fftStage } from '../dsp-stages/fft/index.ts';
import type { FftWindow } from '../dsp-stages/fft/params.ts';
import type { SourceKind } from '../dsp-stages/signals.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { argTypesFromParams, sourceArgTypes } from './support/argTypes.ts';
import { expectActiveAndRunning } from './support/checks.ts';
import { reportMeasurement } from './support/report.ts';
import { copyLink, linkArgs, shownLink, withLinkInFrame } from './support/shareLinks.ts';
import { plainHostNote, skippedOnIsolatedServer } from './support/plainHost.tsx';

interface ShareArgs {
  source: SourceKind;
  frequencyHz: number;
  levelDb: number;
  size: number;
  window: FftWindow;
  beta: number;
  hop: number;
  spread: 'on' | 'off';
}

function ShareWorkbench(args: ShareArgs) {
  const params = { size: args.size, window: args.window, beta: args.beta, hop: args.hop, spread: args.spread };
  return (
    <StageBench
      stage={fftStage}
      params={params}
      source={{ kind: args.source, frequencyHz: args.frequencyHz, levelDb: args.levelDb }}
      visual={<StageVisual runtime={StagebenchRuntime.get()} stage={fftStage} params={params} />}
    />
  );
}

const meta = {
  title: 'Workbench/Share and Run Report',
  // keyboard focus, the clipboard and the page's own controls: run alone in the Firefox suite
  tags: ['interactive'],
  component: ShareWorkbench,
  args: { source: 'sine', frequencyHz: 1000, levelDb: -6, size: 4096, window: 'kaiser', beta: 9, hop: 0, spread: 'on' },
  argTypes: { ...sourceArgTypes, ...argTypesFromParams(fftStage.params) },
  parameters: {
    docs: {
      description: {
        component:
          'Every bench ends with **Copy link** (inside Storybook) and a **Run report**. The link is the URL of the story with its ' +
          "current args (`&args=name:value;...`), the source picker's own choice included, so it reopens the same stage, " +
          'parameters and source. The run report is a snapshot of the measurements (kernel p50/p95/p99, quanta/s, load, ' +
          "drift, the stage's figures, browser, sample rate, date) as JSON and CSV; load a previous one to compare: " +
          'regressions in red (timing up by more than 10 %, quanta/s off, a figure moved), improvements in green. ' +
          'Under the status bar, the page says how it is cross-origin isolated (server headers, or the COOP/COEP service ' +
          'worker `stagebench-sw.js` on a static host that sends no headers: it reloads the page once) or why not. ' +
          "To run the postMessage fallback on purpose, add `?coi=0` to the URL (of the Storybook page or of the story's " +
          'iframe.html): the worker passes that page through at once and is unregistered in the background. ' +
          '`window.STAGEBENCH_COI = false` before the preview loads does the same with one reload.',
      },
    },
  },
} satisfies Meta<typeof ShareWorkbench>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The bench with its link and report, nothing asserted beyond rendering (the static-host checks open it). */
export const Bench: Story = {};

function reportFrom(el: HTMLElement): RunReport {
  return JSON.parse(el.textContent ?? '') as RunReport;
}

/**
 * The link carries the stage's params (here an FFT size of 2048, not the default 4096) and the
 * source picked in the bench (440 Hz, which no control set). Opened in a frame, it rebuilds the
 * same bench: size and frequency applied, the peak at 440 Hz, and the same link again.
 */
export const CopyLinkReproducesTheBench: Story = {
  name: 'Copy link reproduces the bench',
  args: { size: 2048 },
  play: async ({ canvasElement, step, id }) => {
    const canvas = within(canvasElement);
    const runtime = StagebenchRuntime.get();
    await expectActiveAndRunning(canvasElement, runtime, step);
    await step('pick 440 Hz in the source picker (a local choice, no arg)', async () => {
      const freq = canvas.getByLabelText('Frequency (Hz)');
      await userEvent.clear(freq);
      await userEvent.type(freq, '440');
      await userEvent.tab();
      await waitFor(() => expect(runtime.state.source.frequencyHz).toBe(440));
    });
    let url = '';
    await step('the link names the story and carries size 2048 and the 440 Hz sine', async () => {
      url = await copyLink(canvas);
      const parsed = new URL(url);
      expect(parsed.searchParams.get('id') ?? parsed.searchParams.get('path')).toMatch(new RegExp(`${id}$`));
      expect(linkArgs(url)).toEqual(expect.arrayContaining(['source:sine', 'frequencyHz:440', 'levelDb:-6', 'size:2048', 'window:kaiser']));
      // the clipboard may be refused to a headless page: then it says to copy by hand
      await waitFor(() => expect(canvas.getByTestId('copy-link-status')).toHaveTextContent(/^(copied|.*select the link and copy it)$/));
    });
    await step('opened in a frame, the link applies size, frequency and source', async () => {
      await withLinkInFrame(url, async (doc) => {
        const t0 = performance.now();
        await waitFor(
          () => {
            const pre = doc().querySelector<HTMLElement>('[data-testid="run-report-json"]');
            expect(pre, 'the framed bench has a run report').not.toBeNull();
            const r = reportFrom(pre!);
            expect(r.params.size).toBe(2048);
            expect(r.source).toMatchObject({ kind: 'sine', frequencyHz: 440, levelDb: -6 });
          },
          { timeout: 30_000 },
        );
        const framed = within(doc().body);
        expect(framed.getByLabelText('Frequency (Hz)')).toHaveValue(440);
        await waitFor(
          () => {
            const peak = Number(framed.getByTestId('figure-peakHz').dataset.value);
            expect(Math.abs(peak - 440), `framed peak ${peak} Hz`).toBeLessThan(1);
          },
          { timeout: 15_000 },
        );
        expect(shownLink(framed), 'the same link, rebuilt').toBe(url);
        reportMeasurement({
          name: 'shared link applied after',
          value: performance.now() - t0,
          unit: 'ms',
          source: "performance.now(), frame load to report with the link's params",
        });
      });
    });
  },
};

/**
 * The report holds what the bench shows (timing as in the table, the live rate, the peak, the
 * browser and rate), downloads as the same JSON and CSV, and compares with a previous report:
 * a p99 twice as high and a moved peak are regressions in red, a halved p50 and a rate back in
 * range are improvements in green; the report against its own CSV shows no change; a foreign file
 * gets a clear error.
 */
export const RunReportComparesWithAPreviousReport: Story = {
  name: 'Run report compares with a previous report',
  play: async ({ canvasElement, step, args }) => {
    const canvas = within(canvasElement);
    const runtime = StagebenchRuntime.get();
    await expectActiveAndRunning(canvasElement, runtime, step);
    let report!: RunReport;
    let json = '';
    await step("after the kernel timing and a refresh, the report holds the bench's figures", async () => {
      const p99 = await canvas.findByTestId('kernel-p99', {}, { timeout: 20_000 });
      // the live windows since the stage started, so quanta/s and load are in
      const expectedQps = runtime.ctx.sampleRate / runtime.state.quantumFrames;
      await waitFor(() => expect(Math.abs(runtime.telemetry().quantaPerSecEma / expectedQps - 1)).toBeLessThan(0.05), { timeout: 10_000 });
      await waitFor(() => expect(Math.abs(runtime.figures()[0]! - args.frequencyHz)).toBeLessThan(1), { timeout: 10_000 });
      await userEvent.click(canvas.getByRole('button', { name: 'Refresh report' }));
      json = canvas.getByTestId('run-report-json').textContent ?? '';
      report = JSON.parse(json) as RunReport;
      expect(report).toMatchObject({ format: 'stagebench-run-report', stage: { id: 'fft' }, params: { size: 4096, window: 'kaiser' } });
      expect(report.source).toMatchObject({ kind: 'sine', frequencyHz: args.frequencyHz, levelDb: args.levelDb });
      expect(report.timing?.p99Us).toBe(Number(p99.dataset.value));
      expect(report.timing!.p50Us).toBeGreaterThan(0);
      expect(report.timing!.p50Us).toBeLessThanOrEqual(report.timing!.p95Us);
      expect(report.timing!.p95Us).toBeLessThanOrEqual(report.timing!.p99Us);
      expect(report.environment).toMatchObject({
        userAgent: navigator.userAgent,
        sampleRateHz: runtime.ctx.sampleRate,
        wasm: 'active',
        telemetry: 'SharedArrayBuffer',
      });
      expect(
        Math.abs(report.live.quantaPerSec! / report.live.expectedQuantaPerSec - 1),
        `quanta/s ${report.live.quantaPerSec}`,
      ).toBeLessThan(0.05);
      expect(report.live.loadPct).not.toBeNull();
      // the status bar's count, carried into the report (it only grows while the stage runs; the
      // report reads the telemetry as it is made, the bar at its next refresh: a quantum over the
      // deadline just before the report shows there a moment later)
      expect(Number.isInteger(report.live.quantaOverDeadline)).toBe(true);
      expect(report.live.quantaOverDeadline).toBeGreaterThanOrEqual(0);
      await waitFor(() =>
        expect(report.live.quantaOverDeadline).toBeLessThanOrEqual(
          Number(canvas.getByTestId('quanta-over-deadline').textContent!.replace(/,/g, '')),
        ),
      );
      expect(Math.abs(report.figures.find((f) => f.name === 'peakHz')!.value! - args.frequencyHz)).toBeLessThan(1);
      expect(Math.abs(Date.now() - Date.parse(report.date))).toBeLessThan(60_000);
    });
    let csv = '';
    await step('the JSON and CSV downloads are Blob URLs of the same report', async () => {
      const jsonLink = canvas.getByRole('link', { name: 'Download JSON' });
      const csvLink = canvas.getByRole('link', { name: 'Download CSV' });
      expect(jsonLink.getAttribute('href')).toMatch(/^blob:/);
      expect(jsonLink.getAttribute('download')).toMatch(/^stagebench-fft-\d{4}-\d\d-\d\dT.*Z\.json$/);
      expect(csvLink.getAttribute('download')).toMatch(/\.csv$/);
      expect(await (await fetch(jsonLink.getAttribute('href')!)).text()).toBe(json);
      csv = await (await fetch(csvLink.getAttribute('href')!)).text();
      expect(csv).toBe(canvas.getByTestId('run-report-csv').textContent);
      expect(parseReport(csv).rows).toEqual(reportRows(report));
    });
    const picker = canvas.getByLabelText('Compare with a previous report (JSON or CSV)');
    await step(
      'a previous report with p99 halved and the peak 5 Hz off: two regressions in red; p50 doubled and the rate off: two improvements in green',
      async () => {
        const previous = JSON.parse(json) as RunReport;
        previous.timing!.p99Us = report.timing!.p99Us / 2;
        previous.timing!.p50Us = report.timing!.p50Us * 2;
        previous.figures.find((f) => f.name === 'peakHz')!.value! -= 5;
        previous.live.quantaPerSec = report.live.expectedQuantaPerSec * 0.8;
        await userEvent.upload(picker, new File([JSON.stringify(previous)], 'previous.json', { type: 'application/json' }));
        const table = await canvas.findByRole('table', { name: /^Previous report \(previous\.json, JSON/ });
        expect(
          within(table)
            .getAllByRole('columnheader')
            .map((th) => th.textContent),
        ).toEqual(['Figure', 'Previous', 'Now', 'Change']);
        const row = (key: string) => table.querySelector<HTMLTableRowElement>(`tr[data-key="${key}"]`)!;
        const color = (key: string) => getComputedStyle(within(table).getByTestId(`change-${key}`)).color;
        for (const key of ['timing.p99Us', 'figure.peakHz']) {
          expect(row(key).dataset.verdict, key).toBe('regression');
          expect(color(key), key).toBe('rgb(176, 0, 32)');
        }
        for (const key of ['timing.p50Us', 'live.quantaPerSec']) {
          expect(row(key).dataset.verdict, key).toBe('improvement');
          expect(color(key), key).toBe('rgb(27, 110, 44)');
        }
        expect(within(row('timing.p99Us')).getByTestId('change-timing.p99Us')).toHaveTextContent(
          /\+100\.0 %\) regression: up by more than 10 %/,
        );
        expect(within(row('timing.p99Us')).getByRole('rowheader')).toHaveTextContent('kernel p99 (µs)');
        expect(canvas.getByTestId('run-report-summary')).toHaveTextContent(
          /^2 regressions, 2 improvements \(same stage, params and source\)$/,
        );
      },
    );
    await step('against its own CSV: no regression, no improvement, every figure the same', async () => {
      await userEvent.upload(picker, new File([csv], 'same.csv', { type: 'text/csv' }));
      await waitFor(() => expect(canvas.getByRole('table', { name: /^Previous report \(same\.csv, CSV/ })).toBeInTheDocument());
      expect(canvas.getByTestId('run-report-summary')).toHaveTextContent(/^0 regressions, 0 improvements/);
      const verdicts = new Set(
        [...canvas.getByTestId('run-report-diff').querySelectorAll('tbody tr')].map((tr) => (tr as HTMLElement).dataset.verdict),
      );
      expect([...verdicts]).toEqual(['same']);
    });
    await step('a file that is no report: a clear error, and the last comparison stays', async () => {
      await userEvent.upload(picker, new File(['name,value\nx,1\n'], 'notes.csv', { type: 'text/csv' }));
      await waitFor(() =>
        expect(canvas.getByRole('alert')).toHaveTextContent(
          'notes.csv: not a Stagebench run report: the CSV header must be "section,name,label,value,unit"',
        ),
      );
      expect(canvas.getByRole('table', { name: /same\.csv/ })).toBeInTheDocument();
    });
  },
};

/**
 * Served without COOP/COEP and opened with `?coi=0`: no service worker, the postMessage
 * fallback, and the bench says why; the report records it, and the link keeps the opt-out.
 */
export const FallbackSaysWhy: Story = {
  name: 'Fallback says why',
  tags: ['no-isolation'],
  decorators: [plainHostNote],
  play: async ({ canvasElement, step }) => {
    if (await skippedOnIsolatedServer(step)) return;
    const canvas = within(canvasElement);
    const runtime = StagebenchRuntime.get();
    await step('not isolated, because of ?coi=0, and no service worker was registered', async () => {
      expect(globalThis.crossOriginIsolated).toBe(false);
      await waitFor(() =>
        expect(canvas.getByTestId('isolation-reason')).toHaveTextContent(
          'not isolated (postMessage fallback): service worker off (?coi=0 in the URL)',
        ),
      );
      expect(await navigator.serviceWorker.getRegistrations()).toHaveLength(0);
    });
    await step('wasm runs, and the report says postMessage telemetry and why', async () => {
      await waitFor(() => expect(canvas.getByTestId('wasm-status')).toHaveTextContent(/^active$/), { timeout: 15_000 });
      await canvas.findByTestId('kernel-p99', {}, { timeout: 20_000 });
      await userEvent.click(canvas.getByRole('button', { name: 'Refresh report' }));
      const report = JSON.parse(canvas.getByTestId('run-report-json').textContent ?? '') as RunReport;
      expect(report.environment.telemetry).toBe('postMessage');
      expect(report.environment.isolation).toMatch(/\?coi=0 in the URL/);
      expect(runtime.state.isolated).toBe(false);
    });
    await step('the link keeps ?coi=0', async () => {
      expect(
        new URL((canvas.getByLabelText('Link to this story with its current settings') as HTMLInputElement).value).searchParams.get('coi'),
      ).toBe('0');
    });
  },
};
