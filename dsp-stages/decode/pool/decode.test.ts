import { readFileSync } from 'node:fs';
import { MPEGDecoder } from 'mpg123-decoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantiateStagebench } from '../../../worklet/abi.ts';
import { spawnNodeWorker } from '../../../worklet/pool/node.ts';
import { WorkerPool } from '../../../worklet/pool/pool.ts';
import { readWasmBytes, wasmPath } from '../../wasm-file.ts';
import { Resampler } from '../bindings.ts';
import { MP3_DECODER_DELAY, parseFlac, parseMp3 } from './codecs.ts';
import { decode, type DecodedChunk, type DecodeProgress, type DecodeResult } from './decode.ts';

const wasmBytes = readWasmBytes(wasmPath());
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/decode/${name}`, import.meta.url)));

/** The data chunk of a RIFF/WAVE file. */
function dataChunk(bytes: Uint8Array): { offset: number; size: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 12; p + 8 <= bytes.length;) {
    const id = String.fromCharCode(...bytes.subarray(p, p + 4));
    const size = view.getUint32(p + 4, true);
    if (id === 'data') return { offset: p + 8, size };
    p += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** The reference: signal.wav's 16-bit PCM / 32768, per channel (parsed here, independently). */
const wav = fixture('signal.wav');
const REF: Float32Array[] = (() => {
  const { offset, size } = dataChunk(wav);
  const view = new DataView(wav.buffer, wav.byteOffset + offset, size);
  const frames = size / 4;
  const planes = [new Float32Array(frames), new Float32Array(frames)];
  for (let i = 0; i < frames; i++) {
    planes[0]![i] = view.getInt16(4 * i, true) / 32768;
    planes[1]![i] = view.getInt16(4 * i + 2, true) / 32768;
  }
  return planes;
})();

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function samePlanes(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((p, c) => sameBits(p, b[c]!));
}

function correlation(x: Float32Array, y: Float32Array, lag: number, from: number, n: number): number {
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = from; i < from + n; i++) {
    const a = x[i]!;
    const b = y[i + lag] ?? 0;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** The whole reference resampled in one span on this thread. */
function resampledReference(outRate: number): Float32Array[] {
  const w = instantiateStagebench(wasmBytes);
  const rs = Resampler.create(w, 44100, outRate, 2);
  const total = REF[0]!.length;
  return rs.spanPlanar(REF, 0, total, 0, rs.outFrames(total));
}

describe('decoding on the pool', () => {
  let pool: WorkerPool;
  let messages: WorkerPool;
  const results = new Map<string, DecodeResult>();

  beforeAll(async () => {
    [pool, messages] = await Promise.all([
      WorkerPool.create({ workers: 2, wasmBytes, spawn: spawnNodeWorker }),
      WorkerPool.create({ workers: 2, wasmBytes, spawn: spawnNodeWorker, forceMessages: true }),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([pool?.shutdown(), messages?.shutdown()]);
  });

  it('WAV: chunks across the workers, bit-exact with the PCM', async () => {
    const r = await decode(pool, { name: 'signal.wav', bytes: wav });
    expect(r).toMatchObject({
      name: 'signal.wav',
      format: 'wav',
      sourceRate: 44100,
      sampleRate: 44100,
      channels: 2,
      frames: 441000,
      error: null,
    });
    expect(samePlanes(r.channelData, REF)).toBe(true);
    expect(r.tasks).toHaveLength(Math.ceil(441000 / 65536));
    expect(new Set(r.tasks.map((t) => t.kind))).toEqual(new Set(['wav_chunk']));
    expect(new Set(r.tasks.map((t) => t.worker)).size).toBe(2);
    expect(r.tasks.every((t) => t.roundTripUs >= t.executionTimeUs)).toBe(true);
    console.log(`decode signal.wav (10 s stereo) on 2 workers: ${r.wallMs.toFixed(1)} ms wall, ${r.tasks.length} tasks`);
  }, 20_000);

  it('FLAC: frame groups across the workers, bit-exact with the WAV PCM', async () => {
    const r = await decode(pool, { name: 'signal.flac', bytes: fixture('signal.flac') });
    expect(r).toMatchObject({ format: 'flac', sourceRate: 44100, sampleRate: 44100, channels: 2, frames: 441000, error: null });
    expect(samePlanes(r.channelData, REF)).toBe(true);
    expect(r.tasks.length).toBeGreaterThan(1);
    console.log(`decode signal.flac: ${r.wallMs.toFixed(1)} ms wall, ${r.tasks.length} tasks`);
  }, 20_000);

  it('MP3: delay 0 after the LAME tag trim, correlation > 0.999; chunked equals one pass bit for bit', async () => {
    const bytes = fixture('signal.mp3');
    const chunked = await decode(pool, { name: 'signal.mp3', bytes }, { chunkFrames: 8192 });
    const single = await decode(pool, { name: 'signal.mp3', bytes }, { chunkFrames: 1 << 20 });
    expect(chunked).toMatchObject({ format: 'mp3', sourceRate: 44100, sampleRate: 44100, channels: 2, frames: 441000, error: null });
    expect(single.tasks).toHaveLength(1);
    expect(chunked.tasks.length).toBeGreaterThan(40);
    expect(samePlanes(chunked.channelData, single.channelData)).toBe(true);
    // the same as mpg123 decoding the whole stream itself, trimmed by the LAME tag
    const dec = new MPEGDecoder({ enableGapless: false });
    await dec.ready;
    const stream = parseMp3(bytes);
    const whole = dec.decodeFrames(stream.frames.map((f) => f.data));
    dec.free();
    const trim = stream.gapless!.delay + MP3_DECODER_DELAY;
    expect(stream.gapless).toEqual({ delay: 576, padding: 792 });
    for (let c = 0; c < 2; c++) expect(sameBits(chunked.channelData[c]!, whole.channelData[c]!.subarray(trim, trim + 441000))).toBe(true);
    // against the WAV: the best lag within ±1200 samples is 0
    for (let c = 0; c < 2; c++) {
      const x = REF[c]!;
      const y = chunked.channelData[c]!;
      let best = 0;
      let bestR = -1;
      for (let lag = -1200; lag <= 1200; lag++) {
        const r = correlation(x, y, lag, 100_000, 8192);
        if (r > bestR) [best, bestR] = [lag, r];
      }
      expect(best).toBe(0);
      const r = correlation(x, y, 0, 2000, 437_000);
      console.log(`mp3 channel ${c}: delay ${best}, correlation with the WAV ${r.toFixed(6)}`);
      expect(r).toBeGreaterThan(0.999);
    }
  }, 20_000);

  it('resampled to 48 kHz: chunked = unchunked = one span over the whole file, for WAV and FLAC', async () => {
    const want = resampledReference(48000);
    expect(want[0]!.length).toBe(480000);
    for (const name of ['signal.wav', 'signal.flac']) {
      const bytes = fixture(name);
      const chunked = await decode(pool, { name, bytes }, { outputRate: 48000, chunkFrames: 4096 });
      const whole = await decode(pool, { name, bytes }, { outputRate: 48000, chunkFrames: 1 << 20 });
      expect(chunked).toMatchObject({ sourceRate: 44100, sampleRate: 48000, frames: 480000, error: null });
      expect(chunked.tasks.length).toBeGreaterThan(100);
      expect(samePlanes(chunked.channelData, whole.channelData)).toBe(true);
      expect(samePlanes(chunked.channelData, want)).toBe(true);
      results.set(name, chunked);
    }
    const flac = results.get('signal.flac')!;
    expect(new Set(flac.tasks.map((t) => t.kind))).toEqual(new Set(['codec_frames', 'resample']));
  }, 20_000);

  it('messages mode gives identical results', async () => {
    for (const [name, options] of [
      ['signal.wav', { outputRate: 48000 }],
      ['signal.flac', { outputRate: 48000 }],
      ['signal.mp3', {}],
    ] as const) {
      const shared = results.get(name) ?? (await decode(pool, { name, bytes: fixture(name) }, options));
      const moved = await decode(
        messages,
        { name, bytes: fixture(name) },
        { ...options, chunkFrames: name === 'signal.mp3' ? 65536 : 4096 },
      );
      expect(moved.error).toBeNull();
      expect(moved.channelData[0]!.buffer).toBeInstanceOf(ArrayBuffer);
      expect(samePlanes(moved.channelData, shared.channelData)).toBe(true);
    }
  }, 20_000);

  it('delivers chunks in order as soon as the prefix is contiguous, with progress', async () => {
    const chunks: DecodedChunk[] = [];
    const progress: DecodeProgress[] = [];
    let firstChunkAt = 0;
    const t0 = performance.now();
    const r = await decode(
      pool,
      { name: 'signal.mp3', bytes: fixture('signal.mp3') },
      {
        outputRate: 48000,
        chunkFrames: 16384,
        onChunk: (c) => {
          firstChunkAt ||= performance.now() - t0;
          // a view into the final buffers, already complete
          chunks.push({ ...c, channelData: c.channelData.map((p) => p.slice()) });
        },
        onProgress: (p) => progress.push(p),
      },
    );
    expect(r.error).toBeNull();
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    let next = 0;
    for (const c of chunks) {
      expect(c.startFrame).toBe(next);
      expect(sameBits(c.channelData[1]!, r.channelData[1]!.subarray(c.startFrame, c.startFrame + c.frames))).toBe(true);
      next += c.frames;
    }
    expect(next).toBe(r.frames);
    // playback could start well before the end
    expect(firstChunkAt).toBeLessThan(r.wallMs * 0.8);
    const last = progress[progress.length - 1]!;
    expect(last).toEqual({ framesDone: 480000, framesTotal: 480000, tasksDone: r.tasks.length, tasksTotal: r.tasks.length });
    expect(progress.every((p, i) => i === 0 || p.tasksDone >= progress[i - 1]!.tasksDone)).toBe(true);
  }, 20_000);

  it('names the file and the problem for every broken fixture, keeps what was decoded, and stays healthy', async () => {
    const cases: [string, string, number][] = [
      ['broken-size.wav', 'broken-size.wav: header claims 1073741823 frames but the file holds 44100; kept 44100', 44100],
      ['empty.wav', 'empty.wav: the file is empty', 0],
      ['truncated.flac', 'truncated.flac: stream info claims 441000 frames but the frames hold 180224; kept 180224', 180224],
      ['garbage.mp3', 'garbage.mp3: no MPEG audio frames found in 65546 bytes', 0],
      ['multi8-short.wav', 'multi8-short.wav: header claims 48000 frames but the file holds 12000; kept 12000', 12000],
    ];
    for (const [name, message, frames] of cases) {
      const r = await decode(pool, { name, bytes: fixture(name) });
      expect(r.error).toBe(message);
      expect(r.frames).toBe(frames);
      expect(r.channelData.every((p) => p.length === frames)).toBe(true);
      if (name === 'broken-size.wav' || name === 'truncated.flac') {
        expect(
          samePlanes(
            r.channelData,
            REF.map((p) => p.subarray(0, frames)),
          ),
        ).toBe(true);
      }
    }
    // the 8 channels of 24-bit samples that are there, against a plain parse of the bytes
    const m8 = fixture('multi8-short.wav');
    const r8 = await decode(pool, { name: 'multi8-short.wav', bytes: m8 });
    const { offset } = dataChunk(m8);
    for (const [c, i] of [
      [0, 0],
      [3, 777],
      [7, 11999],
    ] as const) {
      const p = offset + (i * 8 + c) * 3;
      const v = ((m8[p]! | (m8[p + 1]! << 8) | (m8[p + 2]! << 16)) << 8) >> 8;
      expect(r8.channelData[c]![i]).toBe(v / 8388608);
    }
    // float64: exact 16-bit values
    const f64 = await decode(pool, { name: 'float64.wav', bytes: fixture('float64.wav') });
    expect(f64).toMatchObject({ error: null, frames: 22050, channels: 2 });
    expect(
      samePlanes(
        f64.channelData,
        REF.map((p) => p.subarray(0, 22050)),
      ),
    ).toBe(true);
    // not a known format, whatever the name says; a WAV named .mp3 is a WAV
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const unknown = await decode(pool, { name: 'cover.mp3', bytes: png });
    expect(unknown.error).toBe('cover.mp3: not a WAV, FLAC or MP3 file (it starts with 89 50 4e 47 0d 0a 1a 0a)');
    expect(unknown.format).toBeNull();
    const renamed = await decode(pool, { name: 'actually-wav.mp3', bytes: fixture('float64.wav') });
    expect(renamed.format).toBe('wav');
    // a header past the first 64 KiB (a big chunk before the data) is read by longer prefixes
    const { offset: dataAt } = dataChunk(wav);
    const junk = new Uint8Array(100_000);
    const head = wav.subarray(0, 36);
    const data = wav.subarray(dataAt - 8, dataAt + 4000 * 4);
    const late = new Uint8Array(head.length + 8 + junk.length + 8 + 16000);
    late.set(head);
    late.set(new TextEncoder().encode('junk'), 36);
    new DataView(late.buffer).setUint32(40, junk.length, true);
    late.set(data, 44 + junk.length);
    new DataView(late.buffer).setUint32(52 + junk.length - 4, 16000, true);
    const lr = await decode(pool, { name: 'late-data.wav', bytes: late });
    expect(lr).toMatchObject({ error: null, frames: 4000 });
    expect(
      samePlanes(
        lr.channelData,
        REF.map((p) => p.subarray(0, 4000)),
      ),
    ).toBe(true);
    // the wrapper's named problems reach the message
    const rifx = wav.slice(0, 4096);
    rifx.set(new TextEncoder().encode('RIFX'));
    expect((await decode(pool, { name: 'be.wav', bytes: rifx })).error).toBe('be.wav: big-endian RIFX WAV files are not supported');
    // an output above the limit decodes nothing
    const big = await decode(pool, { name: 'signal.wav', bytes: wav }, { maxOutputSamples: 100_000 });
    expect(big.error).toBe('signal.wav: 441000 frames x 2 channels at 44100 Hz is 882000 samples, above the limit of 100000');
    expect(big.frames).toBe(0);
    // and the pool is healthy
    const ok = await decode(pool, { name: 'signal.flac', bytes: fixture('signal.flac') });
    expect(ok.error).toBeNull();
    expect(samePlanes(ok.channelData, REF)).toBe(true);
    expect(pool.stats().workers.every((w) => w.state === 'idle')).toBe(true);
  }, 20_000);

  it('a FLAC frame corrupted mid-stream ends the output at that frame, with a message', async () => {
    const bytes = fixture('signal.flac').slice();
    // flip bytes inside the 50th frame's payload (after its header)
    const frames = parseFlac(bytes).frames;
    const start = frames[50]!.data.byteOffset - bytes.byteOffset;
    for (let i = start + 40; i < start + 60; i++) bytes[i] = bytes[i]! ^ 0x5a;
    const r = await decode(pool, { name: 'bitrot.flac', bytes });
    expect(r.error).toMatch(
      /^bitrot\.flac: frame 50 \(at byte \d+\) is corrupt: decoding stopped there with \d+ bytes unread; kept 204800 of the 441000 frames stream info claims$/,
    );
    expect(r.frames).toBe(50 * 4096);
    expect(
      samePlanes(
        r.channelData,
        REF.map((p) => p.subarray(0, 50 * 4096)),
      ),
    ).toBe(true);
  }, 20_000);

  it('refuses bad options and honours an abort', async () => {
    await expect(decode(pool, { name: 'x.wav', bytes: wav }, { outputRate: 1000 })).rejects.toThrow(
      'decode: outputRate must be an integer from 8000 to 192000 Hz, got 1000',
    );
    await expect(decode(pool, { name: 'x.wav', bytes: wav }, { chunkFrames: 10 })).rejects.toThrow(
      'chunkFrames must be an integer from 1024 to 1048576',
    );
    await expect(decode(pool, { name: 'x.wav', bytes: 'nope' as unknown as Uint8Array })).rejects.toThrow(
      'bytes must be a Uint8Array or an ArrayBuffer',
    );
    const controller = new AbortController();
    const pending = decode(
      pool,
      { name: 'signal.flac', bytes: fixture('signal.flac') },
      {
        outputRate: 48000,
        chunkFrames: 4096,
        signal: controller.signal,
        onChunk: () => controller.abort(),
      },
    );
    await expect(pending).rejects.toThrow();
    await expect(pending.catch((e: Error) => e.name)).resolves.toBe('AbortError');
    const after = await decode(pool, { name: 'float64.wav', bytes: fixture('float64.wav') });
    expect(after.error).toBeNull();
  }, 20_000);
});
