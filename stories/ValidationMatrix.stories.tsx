/**
 * The validation matrix of `stagebench validate` in the browser: the same engine, checks, levels
 * and seeds (dsp-stages/validate/), run in a Web Worker of the page on the page's own wasm bytes,
 * every registered stage on the stage ABI (iterated from the registry: a new stage is covered with
 * no edit here). The table fills in as each check finishes; a failure shows the command that
 * reproduces it in Node.
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { CHECKS } from '../dsp-stages/validate/checks.ts';
import { getLevel, MAX_LEVEL } from '../dsp-stages/validate/levels.ts';
import { reproduceCommand, summaryLine } from '../dsp-stages/validate/report.ts';
import type { CheckResult } from '../dsp-stages/validate/engine.ts';
import { alertBox, colors, fonts, numeric } from '../components/theme.ts';
import { MatrixRunner, expectMatrixPasses } from './support/validation.ts';
import { reportMeasurement } from './support/report.ts';

const RUNNER = new MatrixRunner();

const STATUS: Record<CheckResult['status'], { label: string; color: string }> = {
  pass: { label: 'PASS', color: colors.ok },
  fail: { label: 'FAIL', color: colors.danger },
  'n/a': { label: 'n/a', color: colors.muted },
};

const cell = { padding: '2px 8px', borderBottom: `1px solid ${colors.grid}`, verticalAlign: 'top' as const, textAlign: 'left' as const };

function describeLevel(n: number): string {
  const l = getLevel(n);
  const flips = Number.isFinite(l.byteFlips) ? `${l.byteFlips} byte flips` : 'every byte flipped';
  return (
    `level ${n}: sample rates ${l.rates.join(', ')} Hz; block sizes ${l.blockSizes.join(', ')} (+ a random size per call); ` +
    `${l.seeds} seed${l.seeds === 1 ? '' : 's'} per stage and check; ${l.frames} frames per render; ${flips} of saved state; ` +
    `${l.randomStates} × 1 MB random state; ${l.timedRuns} timed runs per input; hostile ${l.hostileKinds.join(', ')} × ${l.hostileFrames} frames; ` +
    `${l.paramChanges} random parameter changes; ${l.switches} switch rounds`
  );
}

interface MatrixArgs {
  level: number;
  seed: number;
}

function ValidationMatrix({ level, seed }: MatrixArgs) {
  const state = useSyncExternalStore(RUNNER.subscribe, RUNNER.getState);
  useEffect(() => {
    // the play function joins this run (same options); a rejection is shown from the state
    RUNNER.run({ level, seed }).catch(() => {});
  }, [level, seed]);
  const results = state.results;
  const stages = [...new Set(results.map((r) => r.stage))];
  const at = (stage: string, check: string) => results.find((r) => r.stage === stage && r.check === check);
  const report = state.report;
  const failed = results.filter((r) => r.status === 'fail');
  const declared = results.filter((r) => r.declared !== undefined || r.status === 'n/a');
  const ratios = results.filter((r) => r.check === 'denormal-speed' && r.figures.ratio !== undefined);
  return (
    <article style={{ font: `13px ${fonts.ui}`, color: colors.text, maxWidth: 1240 }} aria-labelledby="validation-matrix">
      <h2 id="validation-matrix" style={{ fontSize: 17, margin: '4px 0' }}>
        Validation matrix, level {level}
      </h2>
      <p style={{ margin: '4px 0 8px', color: colors.muted, maxWidth: 1000 }}>
        The checks of{' '}
        <code>
          npx stagebench validate all --level {level} --seed {seed}
        </code>
        , run by the same engine in a Web Worker of this page on the page&apos;s wasm. {describeLevel(level)}. Change the level (1 to{' '}
        {MAX_LEVEL}) in the controls; docs/validation.md describes each check.
      </p>
      <p role="status" data-testid="validation-status" style={{ margin: '4px 0', fontWeight: 600 }}>
        {state.error ?? (report ? summaryLine(report) : `running: ${state.done} of ${state.total || '…'} checks`)}
      </p>
      {failed.length > 0 && (
        <div role="alert" style={{ ...alertBox, maxWidth: 1000 }}>
          <strong>Failed checks</strong>
          <ul style={{ margin: '2px 0 0', paddingLeft: 18 }}>
            {failed.map((r) => (
              <li key={`${r.stage}/${r.check}`}>
                {r.stage} / {r.check}: {r.detail} — reproduce:{' '}
                <code>{reproduceCommand({ level }, r.stage, r.check, r.failures[0]!.seed)}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      <table style={{ borderCollapse: 'collapse', minWidth: 720, ...numeric, fontSize: 12 }} data-testid="validation-table">
        <caption style={{ textAlign: 'left', font: `12px ${fonts.ui}`, color: colors.muted, padding: '2px 0' }}>
          A row per check, a column per stage; hover a cell for the seeds run and what was compared
        </caption>
        <thead>
          <tr style={{ background: colors.panel }}>
            <th scope="col" style={cell}>
              check
            </th>
            {stages.map((s) => (
              <th scope="col" key={s} style={cell}>
                {s}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {CHECKS.map((c) => (
            <tr key={c.name}>
              <th scope="row" style={{ ...cell, fontFamily: fonts.ui, fontWeight: 400 }} title={c.asserts}>
                {c.name}
              </th>
              {stages.map((s) => {
                const r = at(s, c.name);
                return (
                  <td key={s} style={{ ...cell, color: r ? STATUS[r.status].color : colors.muted, fontWeight: 700 }} title={r?.detail}>
                    {r ? STATUS[r.status].label : '…'}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {report && report.skipped.length > 0 && (
        <ul style={{ margin: '6px 0', paddingLeft: 18 }}>
          {report.skipped.map((s) => (
            <li key={s.stage}>
              {s.stage}: not on the stage ABI, skipped ({s.reason})
            </li>
          ))}
        </ul>
      )}
      {declared.length > 0 && (
        <section aria-labelledby="validation-declared">
          <h3 id="validation-declared" style={{ fontSize: 14, margin: '8px 0 4px' }}>
            Declared by the stages, and checks that do not apply
          </h3>
          <ul style={{ margin: 0, paddingLeft: 18, maxWidth: 1000 }}>
            {declared.map((r) => (
              <li key={`${r.stage}/${r.check}`}>
                {r.stage} {r.check}: {r.status === 'n/a' ? 'n/a: ' : ''}
                {r.declared ?? r.detail}
              </li>
            ))}
          </ul>
        </section>
      )}
      {ratios.length > 0 && (
        <p style={{ margin: '8px 0', ...numeric, fontSize: 12 }} data-testid="validation-denormal">
          denormal-speed, subnormal ÷ normal time per call: {ratios.map((r) => `${r.stage} ${r.figures.ratio!.toFixed(2)}x`).join(', ')}
        </p>
      )}
    </article>
  );
}

const meta = {
  title: 'Validation/Matrix',
  component: ValidationMatrix,
  tags: ['!autodocs'],
  args: { level: 5, seed: 1 },
  argTypes: {
    level: { control: { type: 'range', min: 1, max: MAX_LEVEL, step: 1 }, description: 'strictness, as `--level`' },
    seed: { control: { type: 'number', min: 0, step: 1 }, description: 'base seed of the runs, as `--seed`' },
  },
  parameters: {
    docs: {
      description: {
        component:
          'Block sizes, sample rates, reset, saved state, denormal speed, input immutability, parameter automation, ' +
          'allocations, hostile input, parameter clamping and fuzzing, and stage switching, at a strictness level, for every ' +
          'stage on the stage ABI: the matrix of `npx stagebench validate`.',
      },
    },
  },
} satisfies Meta<typeof ValidationMatrix>;

export default meta;
type Story = StoryObj<typeof meta>;

/**
 * Level 5, as `npm test` runs it in Node: every check passes for every stage in this browser too.
 * Tagged perf: the denormal-speed check times calls, so it runs with nothing else on the cores.
 */
export const Level5: Story = {
  name: 'Level 5 (as npm test)',
  tags: ['perf'],
  play: async ({ args }) => {
    const report = await RUNNER.run({ level: args.level, seed: args.seed });
    for (const r of report.results.filter((x) => x.check === 'denormal-speed' && x.figures.ratio !== undefined))
      reportMeasurement({
        name: `${r.stage} denormal-speed`,
        value: r.figures.ratio!,
        unit: 'x (subnormal ÷ normal time per call)',
        source: 'performance.now() in a Web Worker',
      });
    expectMatrixPasses(report);
  },
};
