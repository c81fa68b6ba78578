/**
 * The CLI end to end, whatever the stages: `node cli/bin.mjs ...` in a child process on temp
 * files, plus a few in-process runs of `main` and `benchCommand` for what is slow to spawn. The
 * stages come from the registries; what a particular stage's run, sweep or bench prints is tested
 * beside it (dsp-stages/<id>/cli.test.ts, bench.test.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { f32ToBytes, readF32, writeWavFloat32 } from '../dsp-stages/wav.ts';
import { STAGES } from '../dsp-stages/registry.ts';
import { NODE_STAGES } from '../dsp-stages/node-registry.ts';
import { cliParamSpecs, resolveCliParams, stageBenchFiles } from '../dsp-stages/node-api.ts';
import type { StageDescriptor } from '../dsp-stages/types.ts';
import { COMMANDS, helpText, main } from './main.ts';
import {
  BENCH_OPTIONS_ENV,
  MAX_BENCH_RUNS,
  aggregateRuns,
  benchCommand,
  benchJson,
  compareBench,
  formatCompareTable,
  formatRunsTable,
  parseBenchJson,
  type BenchJson,
} from './bench.ts';
import type { BenchFile, BenchResult } from '../dsp-stages/bench-harness.ts';
import { BENCH_FILES } from '../bench/index.ts';
import { wasmPath } from '../dsp-stages/wasm-file.ts';
import { REPO, benchInProcess, oneErrorLine, stagebench, stagebenchInProcess } from '../dsp-stages/cli-testing.ts';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The first registered stage that the generic `run` path serves alone: audio in and out, its own
 * parameters (at least one), no run hooks that replace the command, the loop, the parameter
 * resolution or the output.
 */
function genericStage(): StageDescriptor {
  const stage = Object.values(STAGES).find((s) => {
    const run = NODE_STAGES[s.id]?.run ?? {};
    return s.hasAudioOutput && !run.command && !run.run && !run.resolveParams && !run.primaryOutput && cliParamSpecs(s).length > 0;
  });
  if (!stage) throw new Error('no registered stage runs on the generic path alone');
  return stage;
}

const STAGE = genericStage();
const ID = STAGE.id;
const PARAM = cliParamSpecs(STAGE)[0]!.name;

let dir: string;
let left: Float32Array;
let right: Float32Array;
const FRAMES = 128 * 40 + 77; // not a whole number of quanta

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagebench-cli-'));
  left = whiteNoise(FRAMES, 0.8, 11);
  right = whiteNoise(FRAMES, 0.3, 12);
  writeFileSync(join(dir, 'stereo.wav'), writeWavFloat32([left, right], 44100));
  writeFileSync(join(dir, 'mono.f32'), f32ToBytes(left));
  // a 3-frame float WAV whose format tag the unsupported-format case overwrites
  writeFileSync(join(dir, 'tiny.wav'), writeWavFloat32([new Float32Array(3)], 8000));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const file of BENCH_FILES) await file.close?.();
});

describe('stagebench (child process)', () => {
  it(`runs a stereo float WAV through a stage on the generic path (${ID}): one JSON object, --out the audio output`, async () => {
    const out = join(dir, 'out-wav.f32');
    const r = await stagebench(['run', ID, '--input', join(dir, 'stereo.wav'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    // the keys every summary starts with, in order, and the allocation count last before the stage's extras
    expect(Object.keys(summary).slice(0, 6)).toEqual(['stage', 'params', 'sampleRate', 'frames', 'channels', 'backend']);
    expect(summary).toMatchObject({
      stage: ID,
      params: resolveCliParams(STAGE, {}).values,
      sampleRate: 44100,
      frames: FRAMES,
      channels: 2,
      backend: 'wasm',
      allocationsDuringProcess: 0,
    });
    expect(readF32(readFileSync(out)).length).toBe(FRAMES);
  });

  it('prints help with exit code 0: every stage, its parameters, run and sweep sections, and bench cases', async () => {
    const r = await stagebench(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(helpText());
    expect(r.stdout).toContain('stagebench run <stage> --input FILE');
    for (const stage of Object.values(STAGES)) {
      const node = NODE_STAGES[stage.id] ?? {};
      expect(r.stdout).toContain(`    ${stage.id}  ${stage.title}`);
      for (const p of node.run?.cliParams ?? cliParamSpecs(stage)) {
        expect(r.stdout).toMatch(new RegExp(`^ {6}${escapeRegExp(p.name)} {2}\\(`, 'm'));
        if (p.kind === 'choice') {
          const choices = `(one of ${p.options.join(', ')}; default ${p.default})`;
          expect(r.stdout).toMatch(new RegExp(`^ {6}${escapeRegExp(p.name)} {2}${escapeRegExp(choices)}`, 'm'));
        }
      }
      if (node.run?.help) expect(r.stdout).toMatch(new RegExp(`^run ${escapeRegExp(stage.id)}$`, 'm'));
      if (node.sweep) {
        expect(r.stdout).toContain(`stagebench sweep ${stage.id} ${node.sweep.usage}`);
        expect(r.stdout).toMatch(new RegExp(`^sweep ${escapeRegExp(stage.id)}$`, 'm'));
      }
    }
    // every bench case, in registry order
    const cases = Object.keys(STAGES).flatMap((id) => stageBenchFiles(NODE_STAGES[id]).flatMap((f) => f.caseNames));
    expect(cases.length).toBeGreaterThan(0);
    expect(r.stdout).toContain(`Cases: ${cases.join(', ')}.`);
  });
});

/**
 * Each case through `main` in this process (starting Node and compiling the TypeScript costs about
 * a second of CPU a case); those marked `child` through the command itself, for what only a real
 * process shows: the exit status, and a wasm that is not there when the process starts.
 */
describe('stagebench errors: non-zero exit, one stderr line, no stack', () => {
  const known = Object.keys(STAGES).join(', ');
  const cases: { name: string; args: () => string[]; env?: () => Record<string, string>; match: RegExp; child?: true }[] = [
    {
      name: 'missing input file',
      child: true,
      args: () => ['run', ID, '--input', join(dir, 'nope.wav')],
      match: /input file not found: .*nope\.wav$/,
    },
    {
      name: 'unknown stage',
      args: () => ['run', 'no-such-stage', '--input', join(dir, 'mono.f32')],
      match: new RegExp(`unknown stage "no-such-stage" \\(known: ${escapeRegExp(known)}\\)`),
    },
    {
      name: 'unknown parameter',
      args: () => ['run', ID, '--input', join(dir, 'mono.f32'), '--param', 'no-such-param=2'],
      match: new RegExp(
        `unknown parameter "no-such-param" for stage ${escapeRegExp(ID)} \\(known: ${escapeRegExp(
          cliParamSpecs(STAGE)
            .map((p) => p.name)
            .join(', '),
        )}\\)$`,
      ),
    },
    {
      name: 'truncated WAV',
      args: () => {
        const p = join(dir, 'trunc.wav');
        writeFileSync(p, readFileSync(join(dir, 'stereo.wav')).subarray(0, 1000));
        return ['run', ID, '--input', p];
      },
      match: /trunc\.wav: data chunk truncated: header says \d+ bytes, file has \d+$/,
    },
    {
      name: 'unsupported WAV format',
      args: () => {
        const p = join(dir, 'mp3.wav');
        const bytes = Buffer.from(readFileSync(join(dir, 'tiny.wav')));
        bytes.writeUInt16LE(0x0055, 20); // the fmt chunk's format tag
        writeFileSync(p, bytes);
        return ['run', ID, '--input', p];
      },
      match: /mp3\.wav: unsupported format tag 0x0055 \(MP3 in WAV\)/,
    },
    {
      name: 'not a WAV at all',
      args: () => {
        const p = join(dir, 'text.wav');
        writeFileSync(p, 'hello, this is not audio');
        return ['run', ID, '--input', p];
      },
      match: /text\.wav: not a RIFF\/WAVE file/,
    },
    {
      name: 'raw input not a multiple of 4 bytes',
      args: () => {
        const p = join(dir, 'odd.f32');
        writeFileSync(p, new Uint8Array(1001));
        return ['run', ID, '--input', p];
      },
      match: /odd\.f32: raw float32 input is 1001 bytes, not a multiple of 4$/,
    },
    {
      name: 'missing wasm',
      args: () => ['run', ID, '--input', join(dir, 'mono.f32')],
      env: () => ({ STAGEBENCH_WASM: join(dir, 'missing.wasm') }),
      match: /wasm module not found at .*missing\.wasm: run npm run build:wasm$/,
      child: true,
    },
    { name: 'missing --input', args: () => ['run', ID], match: /run needs --input FILE/ },
    {
      name: 'chain with an unknown stage',
      args: () => ['run', 'chain', '--stages', `${ID},no-such-stage`, '--input', join(dir, 'mono.f32')],
      match: new RegExp(`unknown stage "no-such-stage" \\(known: ${escapeRegExp(known)}\\)$`),
    },
    {
      name: 'chain parameter of a stage not in the chain',
      args: () => ['run', 'chain', '--stages', ID, '--input', join(dir, 'mono.f32'), '--param', 'no-such-stage.x=1'],
      match: new RegExp(`parameter no-such-stage\\.x: stage no-such-stage is not in the chain \\(--stages ${escapeRegExp(ID)}\\)`),
    },
    { name: 'unknown command', args: () => ['frobnicate'], match: /unknown command "frobnicate"/, child: true },
    { name: 'bench of an unknown stage', args: () => ['bench', 'no-such-stage'], match: /unknown stage "no-such-stage"/ },
    {
      name: 'bench --compare of a missing file',
      args: () => ['bench', 'ring-copy', '--compare', join(dir, 'no-such.json')],
      match: /--compare file not found: .*no-such\.json/,
    },
    {
      name: 'bench --compare of a file that is not bench JSON',
      args: () => ['bench', 'ring-copy', '--compare', join(dir, 'mono.f32')],
      match: /--compare .*mono\.f32 is not the --json output of stagebench bench: not JSON/,
    },
    ...['0', '1.5', 'x', String(MAX_BENCH_RUNS + 1)].map((n) => ({
      name: `bench --runs ${n}`,
      args: () => ['bench', 'ring-copy', '--runs', n],
      match: new RegExp(`--runs wants a whole number of runs from 1 to ${MAX_BENCH_RUNS}, got "${escapeRegExp(n)}"`),
    })),
  ];

  it.concurrent.each(cases.map((c) => ({ ...c, how: c.child ? 'child process' : 'in process' })))('$name ($how)', async (c) => {
    const { args, env, match } = c;
    const r = await (c.child ? stagebench : stagebenchInProcess)(args(), env?.() ?? {});
    expect(r.code).not.toBe(0);
    const line0 = oneErrorLine(r);
    expect(line0).toMatch(/^stagebench: /);
    expect(line0).toMatch(match);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('main in process', () => {
  async function capture(argv: string[], env: NodeJS.ProcessEnv = process.env) {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
    return { code, stdout, stderr };
  }

  it('names every command it knows when the command is missing or unknown, and knows each one it names', async () => {
    const list = `${COMMANDS.slice(0, -1).join(', ')} or ${COMMANDS.at(-1)}`;
    expect((await capture([])).stderr).toMatch(new RegExp(`^stagebench: missing command: ${escapeRegExp(list)} `));
    expect((await capture(['frobnicate'])).stderr).toMatch(
      new RegExp(`^stagebench: unknown command "frobnicate": use ${escapeRegExp(list)} `),
    );
    for (const c of COMMANDS) {
      // bench alone runs every case: an unknown stage is as quick a usage error
      const r = await capture(c === 'bench' ? [c, 'no-such-stage'] : [c]);
      expect(r.code, c).toBe(2);
      expect(r.stderr, c).not.toMatch(/unknown command/);
      expect(helpText(), c).toMatch(new RegExp(`stagebench ${c} `));
    }
  });

  it('rejects an empty input, an empty file name, a duplicate parameter and a --rate that contradicts the WAV', async () => {
    const empty = join(dir, 'empty.f32');
    writeFileSync(empty, new Uint8Array(0));
    expect((await capture(['run', ID, '--input', empty])).stderr).toBe('stagebench: the input has no audio frames\n');
    expect(await capture(['run', ID, '--input='])).toMatchObject({ code: 1, stderr: 'stagebench: input file: the file name is empty\n' });
    const dup = await capture(['run', ID, '--input', empty, '--param', `${PARAM}=256`, '--param', `${PARAM}=512`]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(new RegExp(`^stagebench: parameter ${escapeRegExp(PARAM)} is given twice`));
    const rate = await capture(['run', ID, '--input', join(dir, 'stereo.wav'), '--rate', '48000']);
    expect(rate.code).toBe(1);
    expect(rate.stderr).toMatch(/--rate 48000 conflicts with the sample rate .* \(44100 Hz\)/);
    const badRate = await capture(['run', ID, '--input', empty, '--rate', 'fast']);
    expect(badRate.stderr).toMatch(/--rate must be a whole number of Hz/);
  });

  it('--out x.wav writes a 32-bit IEEE float WAV whose data is the raw --out bit for bit', async () => {
    const raw = join(dir, 'bounce.f32');
    const wav = join(dir, 'bounce.wav');
    const args = ['run', ID, '--input', join(dir, 'stereo.wav'), '--param', `${PARAM}=${cliParamSpecs(STAGE)[0]!.default}`];
    const r1 = await capture([...args, '--out', raw]);
    const r2 = await capture([...args, '--out', wav]);
    expect([r1.code, r2.code, r1.stderr, r2.stderr]).toEqual([0, 0, '', '']);
    expect(r2.stdout).toBe(r1.stdout);
    const rawBytes = readFileSync(raw);
    expect(rawBytes.byteLength).toBe(FRAMES * 4);
    const bytes = readFileSync(wav);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const text = (at: number): string => bytes.subarray(at, at + 4).toString('latin1');
    // RIFF header, an 18-byte fmt chunk, a fact chunk, then the data
    expect([text(0), view.getUint32(4, true), text(8)]).toEqual(['RIFF', bytes.byteLength - 8, 'WAVE']);
    expect([text(12), view.getUint32(16, true)]).toEqual(['fmt ', 18]);
    const fmt = {
      tag: view.getUint16(20, true),
      channels: view.getUint16(22, true),
      rate: view.getUint32(24, true),
      byteRate: view.getUint32(28, true),
      blockAlign: view.getUint16(32, true),
      bits: view.getUint16(34, true),
    };
    expect(fmt).toEqual({ tag: 3, channels: 1, rate: 44100, byteRate: 44100 * 4, blockAlign: 4, bits: 32 });
    expect([text(38), view.getUint32(42, true), view.getUint32(46, true)]).toEqual(['fact', 4, FRAMES]);
    expect([text(50), view.getUint32(54, true)]).toEqual(['data', FRAMES * 4]);
    expect(Buffer.compare(bytes.subarray(58), rawBytes)).toBe(0);
    expect(bytes.byteLength).toBe(58 + FRAMES * 4);
  });

  it('refuses --out x.wav for a primary output that is not audio (a spectrum)', async () => {
    const r = await capture(['run', 'fft', '--input', join(dir, 'stereo.wav'), '--param', 'size=1024', '--out', join(dir, 'spec.wav')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^stagebench: stage fft writes no audio to --out \(its output is not a signal\): name it \*\.f32, not .*spec\.wav\n$/,
    );
    expect(existsSync(join(dir, 'spec.wav'))).toBe(false);
  });

  it('reports an unwritable --out path in one line', async () => {
    const r = await capture(['run', ID, '--input', join(dir, 'mono.f32'), '--out', join(dir, 'no-dir', 'x.f32')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^stagebench: cannot write .*x\.f32: no such directory\n$/);
  });
});

describe('bench command', () => {
  it('--json holds exactly {stage, case, impl, medianUs, p95Us} per result, plus accuracy where a case measures it, and each case with its ours', () => {
    const base = { stage: 'x', case: 'x/1', medianUs: 2, p95Us: 3, callsPerSample: 1, samplesUs: [2, 3] };
    const figures = { absErrorSamples: 0.01 };
    const json = benchJson(
      [
        { ...base, impl: 'ours' },
        { ...base, impl: 'peer', accuracy: { figures, summary: '|err| 0.01' } },
      ],
      [{ stage: 'x', name: 'x/1', ours: 'ours', impls: [] }],
    );
    expect(json).toEqual({
      results: [
        { stage: 'x', case: 'x/1', impl: 'ours', medianUs: 2, p95Us: 3 },
        { stage: 'x', case: 'x/1', impl: 'peer', medianUs: 2, p95Us: 3, accuracy: figures },
      ],
      cases: [{ stage: 'x', case: 'x/1', ours: 'ours' }],
    });
  });

  it("--runs gives the median of the runs' medians with the range, and each run's ratio", () => {
    const run = (ours: number, peer: number, p95: number): BenchJson => ({
      results: [
        { stage: 'x', case: 'x/1', impl: 'mine', medianUs: ours, p95Us: p95 },
        { stage: 'x', case: 'x/1', impl: 'theirs', medianUs: peer, p95Us: p95 },
      ],
      cases: [{ stage: 'x', case: 'x/1', ours: 'mine' }],
    });
    // ours is slow in run 2 only: the median ratio is run 1's and run 3's, not a ratio of the medians' medians
    const rows = aggregateRuns([run(1, 2, 5), run(4, 2, 7), run(1.5, 3, 6)]);
    expect(rows.map((r) => [r.impl, r.ours])).toEqual([
      ['mine', true],
      ['theirs', false],
    ]);
    expect(rows[0]).toMatchObject({ runMediansUs: [1, 4, 1.5], medianUs: { median: 1.5, min: 1, max: 4 }, p95Us: 6, ratio: null });
    expect(rows[1]!.ratio).toEqual({ median: 0.5, min: 0.5, max: 2 });
    const table = formatRunsTable(rows, 3);
    expect(table).toMatch(/median µs \(range of 3 runs\)/);
    expect(table).toMatch(/x\/1\s+mine\s+1\.500 \(1\.000-4\.000\)\s+6\.000\s+\(ours\)/);
    expect(table).toMatch(/x\/1\s+theirs\s+2\.000 \(2\.000-3\.000\)\s+6\.000\s+0\.50× \(0\.50-2\.00\)/);
    expect(() => aggregateRuns([run(1, 2, 5), { ...run(1, 2, 5), results: run(1, 2, 5).results.slice(0, 1) }])).toThrow(
      'run 2 measured other cases or impls than run 1',
    );
  });

  it("--runs prints the table, then each report given the medians of the runs' medians", async () => {
    let prepared = 0;
    let closed = 0;
    let seen: BenchResult[] = [];
    const file: BenchFile = {
      stage: 'ring-copy',
      caseNames: ['ring-copy/128'],
      cases: () => {
        throw new Error('the runs build the cases, not this process');
      },
      prepare: () => Promise.resolve(void prepared++),
      close: () => Promise.resolve(void closed++),
      report: (results) => {
        seen = [...results];
        return Promise.resolve(`report of ${results.length} rows`);
      },
    };
    let stdout = '';
    await benchCommand({
      stage: 'ring-copy',
      json: false,
      runs: 2,
      env: process.env,
      files: [file],
      options: { warmupMs: 5, samples: 5, minSampleMs: 0.2 },
      stdout: (text) => (stdout += text),
      stderr: () => {},
    });
    expect(stdout).toMatch(/^ring-copy\/128\s+stagebench\s+[\d.]+ \([\d.]+-[\d.]+\)/m);
    expect(stdout).toMatch(/\nreport of 2 rows\n$/);
    expect([prepared, closed]).toEqual([1, 1]);
    expect(seen.map((r) => r.impl)).toEqual(['stagebench', 'ringbuf.js']);
    // two runs: the median is the lower of the two (worklet/stats.ts percentile)
    for (const r of seen) expect(r.medianUs).toBe(Math.min(...r.samplesUs));
  });

  it('--compare judges by the ranges of the runs: faster, slower, within noise, or no verdict', () => {
    const row = (c: string, impl: string, medians: number[]) => ({ case: c, impl, medians });
    const before = [
      row('a', 'x', [1, 1.1, 1.2]),
      row('b', 'x', [1, 1.1, 1.2]),
      row('c', 'x', [1, 1.1, 1.2]),
      row('d', 'x', [2]),
      row('gone', 'x', [1, 2]),
    ];
    const now = [
      row('a', 'x', [0.8, 0.85, 0.9]),
      row('b', 'x', [1.15, 1.3, 1.4]),
      row('c', 'x', [1.3, 1.35, 1.4]),
      row('d', 'x', [1, 1.5]),
      row('new', 'x', [1, 2]),
    ];
    const rows = compareBench(before, now);
    expect(rows.map((r) => [r.case, r.verdict])).toEqual([
      ['a', 'faster'],
      ['b', 'within noise'],
      ['c', 'slower'],
      ['d', null],
      ['new', null],
      ['gone', null],
    ]);
    expect(rows[0]).toMatchObject({ before: { median: 1.1, min: 1, max: 1.2 }, now: { median: 0.85, min: 0.8, max: 0.9 } });
    expect(rows[0]!.ratio).toBeCloseTo(0.85 / 1.1, 12);
    const table = formatCompareTable(rows, 'before.json');
    expect(table).toMatch(/^against before\.json/);
    expect(table).toMatch(/^a\s+x\s+1\.100 \(1\.000-1\.200\)\s+0\.850 \(0\.800-0\.900\)\s+0\.77×\s+faster$/m);
    expect(table).toMatch(/^d\s+x\s+2\.000\s+1\.000 \(1\.000-1\.500\)\s+0\.50×\s+one run: no range$/m);
    expect(table).toMatch(/^new\s+x\s+-\s+1\.000 \(1\.000-2\.000\)\s+-\s+new$/m);
    expect(table).toMatch(/^gone\s+x\s+1\.000 \(1\.000-2\.000\)\s+-\s+-\s+not measured now$/m);
  });

  it('--compare reads both --json shapes, and names what is wrong with anything else', () => {
    const one = { results: [{ stage: 's', case: 'c', impl: 'i', medianUs: 2, p95Us: 3 }], cases: [] };
    const runs = { runs: 2, results: [{ stage: 's', case: 'c', impl: 'i', medianUs: 2, p95Us: 3, runMediansUs: [2, 2.5] }] };
    expect(parseBenchJson(JSON.stringify(one), 'f')).toEqual([{ case: 'c', impl: 'i', medians: [2] }]);
    expect(parseBenchJson(JSON.stringify(runs), 'f')).toEqual([{ case: 'c', impl: 'i', medians: [2, 2.5] }]);
    expect(() => parseBenchJson('{', 'f')).toThrow(/^f is not the --json output of stagebench bench: not JSON/);
    expect(() => parseBenchJson('[]', 'f')).toThrow('no "results" array');
    expect(() => parseBenchJson('{"results": [{"case": "c", "impl": "i"}]}', 'f')).toThrow('result 1 lacks a case, an impl or a medianUs');
  });

  it('--compare prints its table after the bench table, and --json adds "compare"', async () => {
    const file = join(dir, 'before.json');
    writeFileSync(
      file,
      JSON.stringify({ results: [{ case: 'ring-copy/128', impl: 'stagebench', medianUs: 1e6, runMediansUs: [1e6, 1e6] }] }),
    );
    const run = async (json: boolean) => {
      let stdout = '';
      await benchCommand({
        stage: 'ring-copy',
        json,
        compare: file,
        env: process.env,
        options: { warmupMs: 5, samples: 5, minSampleMs: 0.2 },
        stdout: (text) => (stdout += text),
        stderr: () => {},
      });
      return stdout;
    };
    const text = await run(false);
    expect(text).toMatch(/\nagainst .*before\.json/);
    expect(text).toMatch(/^ring-copy\/128\s+stagebench\s+1000000\.000\s+[\d.]+\s+0\.00×\s+one run: no range$/m);
    expect(text).toMatch(/^ring-copy\/128\s+ringbuf\.js\s+-\s+[\d.]+\s+-\s+new$/m);
    const json = JSON.parse(await run(true)) as { compare: Array<{ impl: string; verdict: string | null }> };
    expect(json.compare.map((r) => [r.impl, r.verdict])).toEqual([
      ['stagebench', null],
      ['ringbuf.js', null],
    ]);
  });

  it('--runs names the run that failed, with its message, and stops there', async () => {
    const r = await stagebenchInProcess(['bench', 'ring-copy', '--runs', '3'], { [BENCH_OPTIONS_ENV]: '{"samples": -1}' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'bench: run 1/3 in a fresh process ...',
      `stagebench: bench run 1/3: ${BENCH_OPTIONS_ENV}: samples must be a positive number, got -1`,
    ]);
  });

  it('--runs 2 --json runs the cases in two fresh processes', async () => {
    const quick = JSON.stringify({ warmupMs: 5, samples: 5, minSampleMs: 0.2 });
    const r = await stagebenchInProcess(['bench', 'ring-copy', '--runs', '2', '--json'], { [BENCH_OPTIONS_ENV]: quick });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('bench: run 1/2 in a fresh process');
    expect(r.stderr).toContain('bench: run 2/2 in a fresh process');
    expect(r.stderr).toMatch(/^bench: run 2\/2: ring-copy\/128: stagebench vs ringbuf\.js \.\.\.$/m);
    const json = JSON.parse(r.stdout) as { runs: number; results: Array<Record<string, unknown>> };
    expect(json.runs).toBe(2);
    expect(json.results.map((x) => x.impl)).toEqual(['stagebench', 'ringbuf.js']);
    for (const x of json.results) {
      const medians = x.runMediansUs as number[];
      expect(medians).toHaveLength(2);
      expect(medians.every((m) => m > 0)).toBe(true);
      expect(x.medianUs).toBe(Math.min(...medians));
    }
    expect(json.results[0]).not.toHaveProperty('ratio');
    expect(json.results[1]!.ratio).toMatchObject({ median: expect.any(Number) as number });
  });

  it("prints a table of every stage's cases with the ours/peer ratio, then the reports", async () => {
    const { stdout, stderr } = await benchInProcess(null);
    expect(stdout).toMatch(/case\s+impl\s+median µs\s+p95 µs\s+ours\/peer/);
    expect(BENCH_FILES.length).toBeGreaterThan(0);
    for (const file of BENCH_FILES) {
      for (const name of file.caseNames) {
        const c = escapeRegExp(name);
        expect(stderr).toContain(`bench: ${name}: `);
        expect(stdout).toMatch(new RegExp(`^${c}\\s+\\S.*\\s+[\\d.]+\\s+[\\d.]+\\s+\\(ours\\)`, 'm'));
        expect(stdout).toMatch(new RegExp(`^${c}\\s+\\S.*\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`, 'm'));
      }
    }
    // after the table, its footnote, then the reports (each after a blank line), if any stage has one
    const footnote = stdout.indexOf('ours/peer = median ratio, < 1 means ours is faster)\n');
    expect(footnote).toBeGreaterThan(0);
    const after = stdout.slice(stdout.indexOf('\n', footnote) + 1);
    if (BENCH_FILES.some((f) => f.report)) expect(after).toMatch(/^\n\S/);
    else expect(after).toBe('');
  }, 60_000); // every file's cases; some start worker threads and pools

  it('finds the wasm under the repo unless STAGEBENCH_WASM says otherwise', () => {
    expect(wasmPath({})).toBe(join(REPO, 'rust/pkg/stagebench_dsp.wasm'));
    expect(wasmPath({ STAGEBENCH_WASM: '/x/y.wasm' })).toBe('/x/y.wasm');
  });
});
