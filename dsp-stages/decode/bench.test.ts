/**
 * The decode bench: the clips and long files are valid streams of the expected length, every
 * implementation passes its output check through the driver thread, the cases run with the real
 * clock, the scaling table has its shape, and `stagebench bench decode` prints the rows and the
 * report after them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseWav } from '../wav.ts';
import { defaultWorkers } from './cli.ts';
import { parseFlac, parseMp3 } from './pool/codecs.ts';
import { STAGES } from '../registry.ts';
import { BENCH_FILES } from '../../bench/index.ts';
import { checkImplNames, runCase } from '../bench-harness.ts';
import { benchInProcess } from '../cli-testing.ts';
import { clipLines, decodeBench, freshLine } from './bench.ts';
import {
  DECODE_BENCH_FORMATS,
  FLAC_CLIP_BLOCKS,
  MP3_CLIP_FRAMES,
  WAV_CLIP_FRAMES,
  fixtureBytes,
  flacClip,
  longFiles,
  mp3Clip,
  wavClip,
  wavLayout,
} from './bench/fixtures.ts';
import { DECODE_BENCH_PEERS, checkPlanes, decodeBenchImplNames } from './bench/impls.ts';
import { bridgeRoundTripUs, closeDecodeBench, freshDecoderCostMs, startDecodeBench } from './bench/driver.ts';
import { formatScalingTable, runDecodeScaling, threadCpuMs, type ScalingRow } from './bench/scaling.ts';

const SLOW = 120_000;

afterAll(async () => {
  await closeDecodeBench();
});

describe('decode bench files', () => {
  it('are listed under the decode stage, with the three case names', () => {
    expect(BENCH_FILES).toContain(decodeBench);
    expect(STAGES).toHaveProperty(decodeBench.stage);
    expect(decodeBench.caseNames).toEqual(['decode/wav-1s', 'decode/flac-1s', 'decode/mp3-1s']);
  });

  it('the WAV clip is the first second of the fixture under a new header; repeats append the PCM', () => {
    const wav = fixtureBytes('signal.wav');
    const ref = parseWav(wav).channels;
    const clip = parseWav(wavClip(wav, WAV_CLIP_FRAMES));
    expect(clip.sampleRate).toBe(44100);
    expect(clip.channels.map((c) => c.length)).toEqual([44100, 44100]);
    expect(clip.channels[1]).toEqual(ref[1]!.subarray(0, 44100));
    const twice = wavClip(wav, 1000, 2);
    expect(wavLayout(twice)).toMatchObject({ channels: 2, sampleRate: 44100, bits: 16, blockAlign: 4, dataOffset: 44, dataBytes: 8000 });
    const t = parseWav(twice).channels[0]!;
    expect(t.subarray(1000)).toEqual(t.subarray(0, 1000));
    expect(() => wavClip(wav, 441_001)).toThrow('the WAV holds 441000 frames, 441001 asked for');
  });

  it('the FLAC clip is a complete stream: 11 frames, STREAMINFO says so, MD5 cleared', () => {
    const flac = fixtureBytes('signal.flac');
    const clip = flacClip(flac, FLAC_CLIP_BLOCKS);
    const s = parseFlac(clip);
    expect(s).toMatchObject({ sampleRate: 44100, channels: 2, bits: 16, totalClaimed: 45056, mismatch: null });
    expect(s.frames).toHaveLength(11);
    expect(s.endByte).toBe(clip.length);
    // STREAMINFO's MD5 (bytes 18..33 of the block) is zero: unknown
    expect([...clip.subarray(8 + 18, 8 + 34)].every((b) => b === 0)).toBe(true);
    expect(() => flacClip(flac, 200)).toThrow('the FLAC holds 108 frames, 200 asked for');
  });

  it('the MP3 clip keeps the Info frame (LAME delay and padding) and 40 audio frames; repeats stay one stream', () => {
    const mp3 = fixtureBytes('signal.mp3');
    const clip = parseMp3(mp3Clip(mp3, MP3_CLIP_FRAMES));
    expect(clip.frames).toHaveLength(40);
    expect(clip.gapless).toEqual({ delay: 576, padding: 792 });
    const long = parseMp3(mp3Clip(mp3, null, 3));
    expect(long.frames).toHaveLength(3 * 384);
    expect(long.mismatch).toBeNull();
    expect(long.frames[384]!.data).toEqual(long.frames[0]!.data);
  });

  it(
    'long files: WAV and MP3 repeated, FLAC re-encoded when the flac command exists',
    () => {
      const { files, notes } = longFiles(20, DECODE_BENCH_FORMATS);
      expect(parseWav(files.get('wav')!).channels[0]!.length).toBe(882_000);
      expect(parseMp3(files.get('mp3')!).frames).toHaveLength(768);
      expect([...files.keys()].filter((f) => f !== 'flac')).toEqual(['wav', 'mp3']);
      if (files.has('flac')) {
        expect(notes).toEqual(['FLAC: re-encoded with flac --best']);
        const s = parseFlac(files.get('flac')!);
        expect(s.totalClaimed).toBe(882_000);
        expect(s.mismatch).toBeNull();
      } else {
        expect(notes[0]).toMatch(/^FLAC: skipped \(.*; concatenated FLAC files are not one valid stream\)$/);
      }
    },
    SLOW,
  );

  it('checkPlanes accepts the same bits and names the first difference, a wrong length or channel count', () => {
    const want = [new Float32Array([0.5, -0.25, 0.125]), new Float32Array([0, 1 / 32768, -1])];
    const same = { channelData: want.map((p) => p.slice()), frames: 3 };
    expect(() => checkPlanes('x', same, want, true, 0)).not.toThrow();
    const off = { channelData: [want[0]!.slice(), new Float32Array([0, 2 / 32768, -1])], frames: 3 };
    expect(() => checkPlanes('x', off, want, true, 0)).toThrow('x: channel 1 frame 1 is 0.00006103515625, the reference 0.000030517578125');
    const short = { channelData: want.map((p) => p.slice(0, 2)), frames: 2 };
    expect(() => checkPlanes('x', short, want, true, 0)).toThrow('x: 2 frames, expected 3');
    expect(() => checkPlanes('x', short, want, false, 2)).not.toThrow();
    expect(() => checkPlanes('x', short, want, false, 3)).toThrow('x: 2 frames, expected 3..3');
    expect(() => checkPlanes('x', { channelData: [want[0]!], frames: 3 }, want, true, 0)).toThrow('x: 1 channels, expected 2');
    // integers / 32767 against integers / 32768
    const scaled = { channelData: want.map((p) => p.map((v) => Math.round(v * 32768) / 32767)), frames: 3 };
    expect(() => checkPlanes('x', scaled, want, true, 0)).toThrow(/frame 0/);
    expect(() => checkPlanes('x', scaled, want, true, 0, 32767)).not.toThrow();
    // node-wav's: / 32768 below zero, / 32767 above
    const asym = { negative: 32768, positive: 32767 };
    const split = {
      channelData: want.map((p) =>
        p.map((v) => {
          const i = Math.round(v * 32768);
          return i < 0 ? i / 32768 : i / 32767;
        }),
      ),
      frames: 3,
    };
    expect(() => checkPlanes('x', split, want, true, 0, asym)).not.toThrow();
    expect(() => checkPlanes('x', split, want, true, 0, 32767)).toThrow('x: channel 1 frame 2 is -1 (x 32767), the reference -1 (x 32768)');
    expect(() => checkPlanes('x', scaled, want, true, 0, asym)).toThrow(/x: channel 1 frame 2 is -1.0000305\d* \(x 32768\)/);
  });

  it('names every row for what it includes: the pool paths, then two peers per format', () => {
    expect(decodeBenchImplNames('wav', 2)).toEqual([
      'stagebench (pool, 2 workers)',
      'stagebench (pool, 1 worker)',
      'stagebench (pool, 2 workers, 0.25 s chunks)',
      'node-wav',
      'wavefile (getSamples / 32768)',
    ]);
    expect(DECODE_BENCH_PEERS.flac).toEqual([
      '@wasm-audio-decoders/flac (decodeFile, reset in the call)',
      '@wasm-audio-decoders/flac (decodeFrames, reset after the call)',
    ]);
    expect(DECODE_BENCH_PEERS.mp3).toEqual([
      'mpg123-decoder (decode + reset in the call)',
      'mpg123-decoder (decode, reset after the call)',
    ]);
    // unique and unambiguous whatever the machine's default worker count
    for (const format of DECODE_BENCH_FORMATS) {
      for (const workers of [1, 2, 4]) {
        const c = { name: `decode/${format}-1s`, impls: decodeBenchImplNames(format, workers).map((name) => ({ name })) };
        expect(() => checkImplNames(c), `${c.name} (${workers} workers)`).not.toThrow();
      }
    }
  });

  it('prints every row per second of audio and what a fresh decoder costs', () => {
    const info = { name: 'decode/wav-1s', ours: 'a (x)', impls: ['a (x)', 'b'], frames: 44100, seconds: 1, clipBytes: 176444 };
    const r = (impl: string, medianUs: number) => ({
      stage: 'decode',
      case: info.name,
      impl,
      medianUs,
      p95Us: medianUs,
      callsPerSample: 1,
      samplesUs: [],
    });
    expect(clipLines([info], [r('a (x)', 1000), r('b', 500)], 30)).toEqual([
      'decode/wav-1s: 44100 frames (1.000 s, 176444 bytes); per second of audio: ours 1.000 ms, b 0.500 ms',
      "(every figure includes the driver thread's round trip: median 30.0 µs)",
    ]);
    expect(freshLine({ flacMs: 0.5, mp3Ms: 0.9, flacMeanMs: 2, mp3MeanMs: 2.5, flacResetUs: 1.5, mp3ResetUs: 5.25, reps: 30 })).toMatch(
      /^a fresh decoder \(new \+ ready: a new wasm instance; then freed\), 30 in the peers' thread: FLAC median 0\.500 ms \(mean 2\.000\), MP3 median 0\.900 ms \(mean 2\.500\)\. The pool's workers keep one warm decoder each and reset it in place per task, in the call: FLAC 1\.5 µs, MP3 5\.3 µs/,
    );
  });

  it('formats the scaling table: one row per format and worker count, speed-up against the fewest workers', () => {
    const rows: ScalingRow[] = [
      { format: 'wav', workers: 1, seconds: 60, wallMs: 50, busyMs: 45, callerCpuMs: 6.25, tasks: 41, xRealtime: 1200, speedup: 1 },
      { format: 'wav', workers: 2, seconds: 60, wallMs: 25, busyMs: 46, callerCpuMs: null, tasks: 41, xRealtime: 2400, speedup: 2 },
    ];
    const lines = formatScalingTable(rows).split('\n');
    expect(lines[0]).toMatch(/^format\s+workers\s+seconds\s+tasks\s+wall ms\s+ms per s\s+x realtime\s+busy ms\s+caller CPU ms\s+speed-up$/);
    expect(lines[1]).toMatch(/^wav\s+1\s+60\.0\s+41\s+50\.0\s+0\.83\s+1200\s+45\.0\s+6\.3\s+1\.00×$/);
    expect(lines[2]).toMatch(/^wav\s+2\s+60\.0\s+41\s+25\.0\s+0\.42\s+2400\s+46\.0\s+—\s+2\.00×$/);
  });
});

describe('decode bench cases (driver thread and pools)', () => {
  it(
    'build the three cases: ours is the default pool, then one worker, split chunks and the peers',
    () => {
      const infos = startDecodeBench();
      expect(infos.map((i) => i.name)).toEqual(decodeBench.caseNames);
      const cases = decodeBench.cases({
        newWasm: () => {
          throw new Error('not used');
        },
      });
      DECODE_BENCH_FORMATS.forEach((format, i) => {
        const c = cases[i]!;
        expect(c.stage).toBe('decode');
        expect(c.impls.map((x) => x.name)).toEqual(decodeBenchImplNames(format));
        expect(c.ours).toBe(`stagebench (pool, ${defaultWorkers()} workers)`);
        expect(() => checkImplNames(c)).not.toThrow();
      });
      expect(decodeBenchImplNames('mp3', 4)).toEqual([
        'stagebench (pool, 4 workers)',
        'stagebench (pool, 1 worker)',
        'stagebench (pool, 4 workers, 0.25 s chunks)',
        'mpg123-decoder (decode + reset in the call)',
        'mpg123-decoder (decode, reset after the call)',
      ]);
      // about a second each
      expect(infos.map((i) => i.frames)).toEqual([44100, 45056, 40 * 1152 - 576 - 792]);
      for (const info of infos) expect(info.seconds).toBeCloseTo(info.frames / 44100, 9);
    },
    SLOW,
  );

  it(
    'every implementation passes its output check, twice (a peer reset after its call decodes the next file right)',
    () => {
      startDecodeBench();
      for (const c of decodeBench.cases({
        newWasm: () => {
          throw new Error('not used');
        },
      })) {
        for (const impl of c.impls) {
          expect(() => impl.check!(), `${c.name} ${impl.name}`).not.toThrow();
          expect(() => impl.check!(), `${c.name} ${impl.name}, again`).not.toThrow();
        }
      }
    },
    SLOW,
  );

  it(
    "measures a fresh decoder of each kind in the peers' thread",
    () => {
      startDecodeBench();
      const f = freshDecoderCostMs(2);
      expect(f.reps).toBe(2);
      for (const ms of [f.flacMs, f.mp3Ms, f.flacMeanMs, f.mp3MeanMs, f.flacResetUs / 1000, f.mp3ResetUs / 1000]) {
        expect(ms).toBeGreaterThan(0);
        expect(ms).toBeLessThan(5000);
      }
    },
    SLOW,
  );

  it(
    'run with the real clock: positive per-call times below a second; the bridge costs under 5 ms',
    () => {
      startDecodeBench();
      const [wav] = decodeBench.cases({
        newWasm: () => {
          throw new Error('not used');
        },
      });
      const results = runCase(wav!, { warmupMs: 5, samples: 3, minSampleMs: 0.2, now: () => performance.now() });
      expect(results.map((r) => r.impl)).toEqual(decodeBenchImplNames('wav'));
      for (const r of results) {
        expect(r.medianUs).toBeGreaterThan(0);
        expect(r.medianUs).toBeLessThan(1_000_000);
      }
      const bridge = bridgeRoundTripUs(20);
      expect(bridge).toBeGreaterThan(0);
      expect(bridge).toBeLessThan(5000);
    },
    SLOW,
  );

  it(
    'closes: the pools shut down and a new start works',
    async () => {
      await closeDecodeBench();
      expect(() => bridgeRoundTripUs(1)).toThrow('decode bench: startDecodeBench() first');
      expect(startDecodeBench()).toHaveLength(3);
      await closeDecodeBench();
    },
    SLOW,
  );
});

describe('decode scaling', () => {
  it(
    'decodes a long file on each worker count and reports the speed-up against the fewest',
    async () => {
      const { rows, notes } = await runDecodeScaling({ seconds: 10, reps: 1, workers: [2, 1], formats: ['wav', 'mp3'] });
      expect(notes).toEqual([]);
      expect(rows.map((r) => [r.format, r.workers])).toEqual([
        ['wav', 1],
        ['wav', 2],
        ['mp3', 1],
        ['mp3', 2],
      ]);
      for (const r of rows) {
        expect(r.seconds).toBeCloseTo(r.format === 'wav' ? 10 : (384 * 1152 - 1368) / 44100, 6);
        expect(r.tasks).toBeGreaterThan(1);
        expect(r.busyMs).toBeGreaterThan(0);
        // Linux gives the calling thread's CPU time: some, and less than the decode's wall time
        if (threadCpuMs() !== null) expect(r.callerCpuMs).toBeGreaterThan(0);
        if (r.callerCpuMs !== null) expect(r.callerCpuMs).toBeLessThan(r.wallMs);
        expect(r.xRealtime).toBeCloseTo((r.seconds * 1000) / r.wallMs, 6);
      }
      expect(rows[0]!.speedup).toBe(1);
      expect(rows[1]!.speedup).toBeCloseTo(rows[0]!.wallMs / rows[1]!.wallMs, 9);
    },
    SLOW,
  );
});

describe('stagebench bench decode', () => {
  it(
    "prints the rows, then the report: ms per second of audio, ours and the decoders alone, a fresh decoder's cost and the pool's scaling",
    async () => {
      const { stdout } = await benchInProcess('decode');
      expect(stdout).toMatch(/decode\/mp3-1s\s+\S+/);
      for (const peer of ['node-wav', 'wavefile \\(getSamples / 32768\\)'])
        expect(stdout).toMatch(new RegExp(`decode/wav-1s\\s+${peer}\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`));
      expect(stdout).toMatch(/decode\/flac-1s\s+@wasm-audio-decoders\/flac \(decodeFrames, reset after the call\)\s+[\d.]+/);
      expect(stdout).toMatch(
        /decode\/mp3-1s: \d+ frames \([\d.]+ s, \d+ bytes\); per second of audio: ours [\d.]+ ms, .*mpg123-decoder \(decode \+ reset in the call\) [\d.]+ ms, mpg123-decoder \(decode, reset after the call\) [\d.]+ ms/,
      );
      expect(stdout).toMatch(
        /a fresh decoder \(new \+ ready: a new wasm instance; then freed\), 3 in the peers' thread: FLAC median [\d.]+ ms/,
      );
      expect(stdout).toMatch(/decode scaling: 10 s of stereo 44\.1 kHz per file/);
      for (const format of ['wav', 'mp3']) {
        expect(stdout).toMatch(new RegExp(`\\n${format}\\s+1\\s+10\\.0\\s.*1\\.00×`));
        expect(stdout).toMatch(new RegExp(`\\n${format}\\s+2\\s+10\\.0\\s.*[\\d.]+×`));
      }
    },
    SLOW,
  );
});
