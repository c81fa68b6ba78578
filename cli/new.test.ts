/**
 * `stagebench new`: names, refusals and registry edits; the templates' own instance is the gain
 * stage, file for file; and the whole path on a temporary copy of the repository: write a stage,
 * build the wasm, run it on a WAV, bench it and run its unit test. With STAGEBENCH_NEW_STAGE_STORY=1
 * (`npm run test:new-stage`) it is also linted, format-checked and type-checked, and its story runs:
 * that builds a second Storybook (about two minutes), so `npm test` leaves those to the gain stage,
 * the same templates, which its lint, typecheck and story suites check.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../dsp-stages/registry.ts';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { readF32, writeWavFloat32 } from '../dsp-stages/wav.ts';
import {
  REPO_ROOT,
  RUST_REGISTRY,
  TEMPLATE_FILES,
  TS_REGISTRY,
  idProblem,
  parseNewArgs,
  readTemplate,
  renderTemplate,
  stageNames,
  withRustRegistryLine,
  withTsRegistryLines,
} from './new.ts';

describe('stagebench new: names and refusals', () => {
  it('derives every form of the name from the id', () => {
    expect(stageNames('my-stage-2')).toEqual({
      id: 'my-stage-2',
      snake: 'my_stage_2',
      camel: 'myStage2',
      Pascal: 'MyStage2',
      Title: 'My Stage 2',
    });
    expect(stageNames('gain', 'Gain (template)').Title).toBe('Gain (template)');
  });

  it.each<[string, RegExp]>([
    ...Object.keys(STAGES).map((id): [string, RegExp] => [id, /exists already/]),
    ['My-Stage', /not a valid stage id/],
    ['my_stage', /not a valid stage id/],
    ['my--stage', /not a valid stage id/],
    ['-x', /not a valid stage id/],
    ['2band', /not a valid stage id/],
    ['', /not a valid stage id/],
    ['all', /reserved/],
    ['type', /Rust keyword/],
    ['conformance', /dsp-stages\/conformance exists/],
    ['params', /rust\/src\/stages\/params\.rs exists/],
    ['a'.repeat(41), /longer than 40/],
  ])('refuses %j', (id, message) => {
    expect(idProblem(REPO_ROOT, id)).toMatch(message);
  });

  it('accepts a new id', () => {
    expect(idProblem(REPO_ROOT, 'my-filter')).toBeNull();
  });

  it('parses its arguments and refuses others with the usage', () => {
    expect(parseNewArgs(['x', '--title', 'X Y'])).toEqual({ id: 'x', title: 'X Y' });
    expect(parseNewArgs(['x'])).toEqual({ id: 'x' });
    expect(() => parseNewArgs([])).toThrow(/needs a stage id/);
    expect(() => parseNewArgs(['x', 'y'])).toThrow(/one stage id/);
    expect(() => parseNewArgs(['x', '--title'])).toThrow(/--title needs a value/);
    expect(() => parseNewArgs(['x', '--force'])).toThrow(/unknown option --force/);
  });

  it('adds the Rust registry line in order, and the TypeScript import and entry last', () => {
    const rust = withRustRegistryLine(readFileSync(join(REPO_ROOT, RUST_REGISTRY), 'utf8'), 'hum');
    const mods = rust.split('\n').filter((l) => /^pub mod \w+;$/.test(l));
    expect(mods).toContain('pub mod hum;');
    expect(mods).toEqual([...mods].sort());
    const ts = withTsRegistryLines(readFileSync(join(REPO_ROOT, TS_REGISTRY), 'utf8'), stageNames('hum'));
    expect(ts).toContain("import { gainStage } from './gain/index.ts';\nimport { humStage } from './hum/index.ts';");
    expect(ts).toMatch(/\[gainStage\.id\]: gainStage,\n {2}\[humStage\.id\]: humStage,\n\};/);
    expect(() => withTsRegistryLines('export const X = 1;\n', stageNames('hum'))).toThrow(/does not have the shape/);
  });
});

describe('stagebench new: the templates', () => {
  const gain = stageNames('gain', 'Gain (template)');

  it.each(TEMPLATE_FILES.map((f) => [f.path(gain), f] as const))('given the name gain, give %s exactly', (path, f) => {
    expect(renderTemplate(readTemplate(f.template), gain)).toBe(readFileSync(join(REPO_ROOT, path), 'utf8'));
  });

  it('leave no placeholder unfilled', () => {
    for (const f of TEMPLATE_FILES) expect(renderTemplate(readTemplate(f.template), stageNames('x-y')), f.template).not.toMatch(/__\w+__/);
  });
});

/** Runs `command` in `cwd`; throws with its output when it fails. */
function run(cwd: string, command: string, args: string[], timeoutMs = 300_000): string {
  const res = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  if (res.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${res.status ?? res.signal}:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/** A copy of the repository's source files (tracked and untracked, not ignored), sharing node_modules. */
function copyRepository(to: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(to, f)), { recursive: true });
    copyFileSync(join(REPO_ROOT, f), join(to, f));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(to, 'node_modules'), 'dir');
}

const FULL = process.env.STAGEBENCH_NEW_STAGE_STORY === '1';

describe('stagebench new: the whole path, on a copy of the repository', { timeout: 600_000 }, () => {
  let copy: string;
  let output: string;
  const bin = (...args: string[]) => ['cli/bin.mjs', ...args];

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'stagebench-new-'));
    copyRepository(copy);
    output = run(copy, process.execPath, bin('new', 'my-filter', '--title', 'My Filter'));
  }, 120_000);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('prints every file it created (7, 3 of them to edit) and changed (the 2 registries)', () => {
    const created = [...output.matchAll(/^ {2}created {2}(\S+)/gm)].map((m) => m[1]!);
    expect(created).toEqual([
      'rust/src/stages/my_filter.rs',
      'dsp-stages/my-filter/params.ts',
      'dsp-stages/my-filter/reference.ts',
      'dsp-stages/my-filter/index.ts',
      'dsp-stages/my-filter/node.ts',
      'dsp-stages/my-filter/my-filter.test.ts',
      'stories/MyFilter.stories.tsx',
    ]);
    expect(output.match(/<- edit$/gm)).toHaveLength(3);
    expect([...output.matchAll(/^ {2}changed {2}(\S+)/gm)].map((m) => m[1])).toEqual([RUST_REGISTRY, TS_REGISTRY]);
    for (const f of created) expect(existsSync(join(copy, f)), f).toBe(true);
    expect(output).not.toMatch(/note:/);
    // three folders
    expect(
      new Set(
        created.map((f) =>
          f
            .split('/')
            .slice(0, -1)
            .join('/')
            .replace(/\/my-filter$/, ''),
        ),
      ),
    ).toEqual(new Set(['rust/src/stages', 'dsp-stages', 'stories']));
  });

  it('refuses the same id again, and an invalid one, in one line each, writing nothing', async () => {
    const before = readFileSync(join(copy, TS_REGISTRY), 'utf8');
    for (const [id, message] of [
      ['my-filter', 'stagebench: a stage "my-filter" exists already (dsp-stages/registry.ts)\n'],
      ['MyFilter', /^stagebench: "MyFilter" is not a valid stage id .*\n$/],
    ] as const) {
      const res = spawnSync(process.execPath, bin('new', id), { cwd: copy, encoding: 'utf8' });
      expect(res.status).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(message);
      expect(res.stderr.split('\n')).toHaveLength(2);
    }
    expect(readFileSync(join(copy, TS_REGISTRY), 'utf8')).toBe(before);
  });

  it('builds, runs on a WAV (output = input × 0.5, no allocation), benches and passes its unit test', () => {
    run(copy, process.execPath, ['scripts/build-wasm.mjs']);
    const input = whiteNoise(44_100, 0.5, 3);
    writeFileSync(join(copy, 'x.wav'), writeWavFloat32([input], 44_100));
    const report = JSON.parse(run(copy, process.execPath, bin('run', 'my-filter', '--input', 'x.wav', '--out', 'y.f32')));
    expect(report).toMatchObject({
      stage: 'my-filter',
      params: { gain: 0.5 },
      backend: 'wasm',
      frames: 44_100,
      allocationsDuringProcess: 0,
    });
    const out = readF32(readFileSync(join(copy, 'y.f32')));
    expect(out).toEqual(Float32Array.from(input, (x) => x * 0.5));
    const bench = JSON.parse(run(copy, process.execPath, bin('bench', 'my-filter', '--json'))) as {
      results: { case: string; medianUs: number }[];
    };
    expect(bench.results.map((r) => r.case)).toEqual(['my-filter/128', 'my-filter/128']);
    expect(bench.results.every((r) => r.medianUs > 0)).toBe(true);
    const unit = run(copy, join(copy, 'node_modules/.bin/vitest'), ['run', 'dsp-stages/my-filter']);
    expect(unit).toMatch(/Tests\s+8 passed \(8\)/);
  });

  // the templates are linted and formatted as the gain stage in npm test's lint suite
  it.runIf(FULL)('lints and is formatted', () => {
    const files = ['dsp-stages/my-filter', 'stories/MyFilter.stories.tsx', TS_REGISTRY];
    run(copy, join(copy, 'node_modules/.bin/eslint'), files);
    run(copy, join(copy, 'node_modules/.bin/prettier'), ['--check', ...files]);
    run(copy, process.execPath, ['scripts/cargo.mjs', 'fmt', '--', '--check']);
  });

  // about 25 s: the templates type-check as the gain stage in npm test's typecheck suite
  it.runIf(FULL)('typechecks', () => {
    run(copy, join(copy, 'node_modules/.bin/tsc'), ['--noEmit', '-p', '.']);
  });

  it.runIf(FULL)('passes its story (offline render equals the reference; kernel budget)', () => {
    const out = run(
      copy,
      process.execPath,
      ['scripts/test-stories.mjs', '--no-browser-checks', '--', 'stories/MyFilter.stories.tsx'],
      590_000,
    );
    expect(out).toMatch(/^[1-9]\d* passed, 0 failed$/m);
  });
});
