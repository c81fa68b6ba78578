/**
 * The decoder fuzz run: the seeded inputs (reproducible one by one, every mutation kind made,
 * each doing what its step says), the outcome helpers, and the runner's own failure handling: a
 * hang or a crash of the decoding process is caught, saved with its seed and the run goes on.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../dsp-stages/decode/pool/codecs.ts';
import { containerOf, errorKind, frameOffsets, inputSeed, loadFixtures, makeInput, resultProblems, riffChunks } from './fuzz-inputs.ts';
import { DEFAULTS, parseArgs, runFuzz } from './fuzz.ts';

const fixtures = loadFixtures();
const inputs = Array.from({ length: 400 }, (_, i) => makeInput(fixtures, 11, i));

describe('fuzz inputs', () => {
  it('input i depends on the seed and i alone', () => {
    const again = makeInput(fixtures, 11, 123);
    expect(again.bytes).toEqual(inputs[123]!.bytes);
    expect(again.steps).toEqual(inputs[123]!.steps);
    expect(makeInput(fixtures, 12, 123).steps).not.toEqual(inputs[123]!.steps);
    expect(new Set(Array.from({ length: 1000 }, (_, i) => inputSeed(5, i))).size).toBe(1000);
  });

  it('makes every kind of mutation, and inputs from scratch', () => {
    const kinds = new Set(inputs.flatMap((x) => x.steps.map((s) => s.split(' ')[0])));
    for (const k of ['bitflip', 'byterun', 'truncate', 'header', 'frameheader', 'duplicate', 'garbage']) expect(kinds, k).toContain(k);
    const fields = inputs.flatMap((x) => x.steps).join('\n');
    for (const f of [
      /header wav (channels|rate|bits|dataSize)/,
      /header flac (rate|channels|bits|total)/,
      /frameheader flac/,
      /frameheader mp3/,
      /duplicate wav chunk/,
      /duplicate (flac|mp3) frames/,
    ]) {
      expect(fields).toMatch(f);
    }
    // the bases: every fixture with content, and garbage
    expect(new Set(inputs.map((x) => x.base.split(':')[0]))).toEqual(
      new Set([
        'signal.wav',
        'signal.flac',
        'signal.mp3',
        'truncated.flac',
        'garbage.mp3',
        'broken-size.wav',
        'multi8-short.wav',
        'float64.wav',
        'garbage',
      ]),
    );
  });

  it('mutations change the bytes as their step says', () => {
    for (const x of inputs) {
      const base = x.base.startsWith('garbage:') ? null : fixtures.get(x.base as never)!;
      const step = x.steps[0]!;
      const first = /^truncate at (\d+) of (\d+)$/.exec(step);
      if (first && x.steps.length === 1) expect(x.bytes.length).toBe(Number(first[1]));
      const ch = /^header wav channels = (\d+)$/.exec(step);
      if (ch && x.steps.length === 1 && base) {
        const fmt = riffChunks(x.bytes).find((c) => c.id === 'fmt ')!;
        expect(x.bytes[fmt.at + 10]! | (x.bytes[fmt.at + 11]! << 8)).toBe(Number(ch[1]));
      }
      const dup = /^duplicate wav chunk "([^"]+)" \((\d+) bytes\)/.exec(step);
      if (dup && x.steps.length === 1 && base) expect(x.bytes.length).toBe(base.length + Number(dup[2]));
      if (/^(bitflip|byterun|header|frameheader)/.test(step) && x.steps.length === 1 && base && base.length > 0) {
        expect(x.bytes.length, step).toBe(base.length);
        // a flip always changes the bytes (an overwrite may write what was there)
        if (step.startsWith('bitflip')) expect(Buffer.compare(Buffer.from(x.bytes), Buffer.from(base)), step).not.toBe(0);
      }
    }
  });

  it('random garbage keeps a valid magic, so it reaches the format-specific code', () => {
    const garbage = inputs.filter((x) => x.base.startsWith('garbage:') && x.base !== 'garbage:none');
    expect(garbage.length).toBeGreaterThan(20);
    for (const x of garbage) {
      const want = {
        'garbage:riff': 'wav',
        'garbage:riff-fmt': 'wav',
        'garbage:flac': 'flac',
        'garbage:flac-streaminfo': 'flac',
        'garbage:id3': 'mp3',
        'garbage:mpeg': 'mp3',
      }[x.base];
      expect(detectFormat(x.bytes), x.base).toBe(want);
    }
  });

  it('frame header corruption hits real frame headers of a pristine file', () => {
    const flac = fixtures.get('signal.flac')!;
    const offsets = frameOffsets(flac, true);
    expect(offsets).toHaveLength(108); // the fixture's frames (fixtures/decode/README.md)
    for (const o of offsets) expect([flac[o], flac[o + 1]! & 0xfe]).toEqual([0xff, 0xf8]);
    const mp3 = fixtures.get('signal.mp3')!;
    expect(frameOffsets(mp3, true)).toHaveLength(385);
    expect(containerOf(mp3)).toBe('mp3');
    const hits = inputs.filter(
      (x) => x.steps.length === 1 && /^frameheader flac frame (\d+) at (\d+)/.test(x.steps[0]!) && x.base === 'signal.flac',
    );
    expect(hits.length).toBeGreaterThan(0);
    for (const x of hits) {
      const at = Number(/ at (\d+)/.exec(x.steps[0]!)![1]);
      expect(offsets).toContain(at);
    }
  });
});

describe('fuzz outcomes', () => {
  it('errorKind drops the name and the numbers, not the words', () => {
    expect(errorKind('a.mp3', null)).toBe('ok');
    expect(errorKind('a.mp3', 'a.mp3: MP3 frames at 1152 of 441000: decoder produced 0 samples, 1152 expected; kept 1152')).toBe(
      'MP3 frames at N of N: decoder produced N samples, N expected; kept N',
    );
    expect(errorKind('x.wav', 'x.wav: header claims 1073741823 frames but the file holds 44100; kept 44100')).toBe(
      'header claims N frames but the file holds N',
    );
    expect(errorKind('x.bin', 'x.bin: not a WAV, FLAC or MP3 file (it starts with 00 ff 12)')).toBe('not a WAV, FLAC or MP3 file (...)');
  });

  it('resultProblems accepts a good result and names what is wrong in a bad one', () => {
    const good = {
      name: 'f.wav',
      error: null,
      channels: 2,
      frames: 3,
      sampleRate: 44100,
      channelData: [new Float32Array(3), new Float32Array(3)],
    };
    expect(resultProblems('f.wav', good)).toEqual([]);
    expect(resultProblems('f.wav', { ...good, error: 'f.wav: data chunk holds no audio', frames: 0, channelData: [] })).toEqual([]);
    expect(resultProblems('f.wav', { ...good, error: 'header claims too much' })[0]).toMatch(/does not name the file/);
    expect(resultProblems('f.wav', { ...good, channelData: [new Float32Array(3), new Float32Array(2)] })[0]).toMatch(/plane's length/);
    expect(resultProblems('f.wav', { ...good, channels: 3 })[0]).toMatch(/2 planes for 3 channels/);
    expect(resultProblems('f.wav', { ...good, sampleRate: 0 })[0]).toMatch(/sample rate 0/);
    expect(resultProblems('f.wav', { ...good, name: 'g.wav' })[0]).toMatch(/result names "g.wav"/);
  });

  it('parseArgs: defaults, and clear errors', () => {
    expect(parseArgs([])).toEqual(DEFAULTS);
    expect(parseArgs(['--seed', '9', '--count', '30', '--only', '3,4'])).toMatchObject({ seed: 9, count: 30, only: [3, 4] });
    expect(() => parseArgs(['--count', '-1'])).toThrow(/--count takes a whole number from 1/);
    expect(() => parseArgs(['--only', '1,x'])).toThrow(/--only takes whole numbers/);
    expect(() => parseArgs(['--bogus', '1'])).toThrow(/unknown option --bogus/);
    expect(() => parseArgs(['--seed'])).toThrow(/--seed needs a value/);
  });
});

describe('fuzz runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagebench-fuzz-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('catches a hang and a crash of the decoding process, saves those inputs with their seed, and decodes the rest', async () => {
    const s = await runFuzz({
      ...DEFAULTS,
      seed: 3,
      count: 5,
      checkEvery: 2,
      timeoutMs: 2000,
      simulateHang: [1],
      simulateCrash: [3],
      resultsDir: dir,
      quiet: true,
    });
    expect(s.pass).toBe(false);
    expect(s.failures.map((f) => [f.index, f.reason.split(':')[0]])).toEqual([
      [1, 'hang'],
      [3, 'crash'],
    ]);
    expect(s.childRestarts).toBe(2);
    expect(s.completed).toBe(3);
    expect(s.checks.find((c) => c.name.startsWith('every input ends'))!.ok).toBe(false);
    // the other inputs ended in results, and the pool checks after 2 and 4 inputs (and at the end) passed in the new processes
    expect(s.health.map((h) => h.after)).toEqual([0, 2, 4, 5]);
    expect(s.checks.filter((c) => c.name.startsWith('known-good')).every((c) => c.ok)).toBe(true);
    const saved = JSON.parse(readFileSync(join(dir, 'fuzz-failures/seed-3-input-1.json'), 'utf8'));
    expect(saved).toMatchObject({
      seed: 3,
      index: 1,
      reproduce: 'npm run fuzz -- --seed 3 --only 1',
      reproduceRun: 'npm run fuzz -- --seed 3 --count 5',
    });
    const input = makeInput(fixtures, 3, 1);
    expect(new Uint8Array(readFileSync(join(dir, `fuzz-failures/seed-3-input-1${input.name.slice(input.name.lastIndexOf('.'))}`)))).toEqual(
      input.bytes,
    );
    expect(existsSync(join(dir, 'fuzz.json'))).toBe(true);
  }, 120_000);
});
