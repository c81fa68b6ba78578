/**
 * The implementations of the decode bench and the check of their output. They run in a driver
 * thread (driver.ts), which alone loads the peers' decoders: the CLI imports the bench for
 * its case names.
 *
 * Before timing, each implementation's output is checked: WAV and FLAC bit for bit against
 * signal.wav's PCM / 32768 (the FLAC peers' floats are the integers / 32767, node-wav's / 32767
 * above zero: compared as integers), MP3 against mpg123 decoding the clip's frames in one pass,
 * trimmed by the LAME tag's delay plus mpg123's 529 samples (the mpg123 peers alone also keep the
 * padding the pool trims).
 */
import CodecParser, { type CodecFrame } from 'codec-parser';
import nodeWav from 'node-wav';
import wavefile from 'wavefile';
import { defaultWorkers } from '../cli.ts';
import { parseWav } from '../../wav.ts';
import { MP3_DECODER_DELAY, parseFlac, parseMp3 } from '../pool/codecs.ts';
import type { WorkerPool } from '../../../worklet/pool/pool.ts';
import { decode } from '../pool/decode.ts';
import {
  DECODE_BENCH_FORMATS,
  FLAC_CLIP_BLOCKS,
  MP3_CLIP_FRAMES,
  WAV_CLIP_FRAMES,
  fixtureBytes,
  flacClip,
  mp3Clip,
  wavClip,
  type DecodeBenchFormat,
} from './fixtures.ts';

/** Output frames per task of the split pool variant: a quarter of a second at 44.1 kHz. */
export const SPLIT_CHUNK_FRAMES = 11025;

export interface Decoded {
  channelData: Float32Array[];
  frames: number;
}

/**
 * What a decoder's floats are, when they are not the 16-bit integers / 32768: the integers over
 * one scale, or over one for negative samples and another for the rest. The check then compares
 * the integers.
 */
export type IntegerScale = number | { negative: number; positive: number };

export interface DecodeImpl {
  name: string;
  decode(bytes: Uint8Array): Promise<Decoded>;
  integerScale?: IntegerScale;
  /** Work done after the answer is sent, before the driver takes the next request (off the clock). */
  afterAnswer?(): Promise<void>;
}

/** The peers of each format, after the three pool paths. */
export const DECODE_BENCH_PEERS: Record<DecodeBenchFormat, readonly string[]> = {
  wav: ['node-wav', 'wavefile (getSamples / 32768)'],
  flac: ['@wasm-audio-decoders/flac (decodeFile, reset in the call)', '@wasm-audio-decoders/flac (decodeFrames, reset after the call)'],
  mp3: ['mpg123-decoder (decode + reset in the call)', 'mpg123-decoder (decode, reset after the call)'],
};

/** The number of pool paths in every case (ours first), before the peers. */
export const DECODE_POOL_PATHS = 3;

/** The names of a case's implementations: ours, the other pool paths, the peers. */
export function decodeBenchImplNames(format: DecodeBenchFormat, workers = defaultWorkers()): string[] {
  return [
    `stagebench (pool, ${workers} workers)`,
    'stagebench (pool, 1 worker)',
    `stagebench (pool, ${workers} workers, 0.25 s chunks)`,
    ...DECODE_BENCH_PEERS[format],
  ];
}

function poolImpl(name: string, pool: WorkerPool, clipName: string, chunkFrames?: number): DecodeImpl {
  return {
    name,
    async decode(bytes) {
      const r = await decode(pool, { name: clipName, bytes }, chunkFrames ? { chunkFrames } : {});
      if (r.error) throw new Error(r.error);
      return { channelData: r.channelData, frames: r.frames };
    },
  };
}

/** The peers of one format, in DECODE_BENCH_PEERS order. */
async function peerImpls(format: DecodeBenchFormat): Promise<DecodeImpl[]> {
  const [a, b] = DECODE_BENCH_PEERS[format];
  if (format === 'wav') {
    return [
      {
        name: a!,
        integerScale: { negative: 32768, positive: 32767 },
        decode: async (bytes) => {
          const w = nodeWav.decode(bytes);
          return { channelData: w.channelData, frames: w.channelData[0]!.length };
        },
      },
      {
        name: b!,
        decode: async (bytes) => {
          // de-interleaved: one Float32Array per channel (the typings say Float64Array)
          const planes = new wavefile.WaveFile(bytes).getSamples(false, Float32Array) as unknown as Float32Array[];
          for (const p of planes) for (let i = 0; i < p.length; i++) p[i] = p[i]! / 32768;
          return { channelData: planes, frames: planes[0]!.length };
        },
      },
    ];
  }
  if (format === 'flac') {
    const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
    const inCall = new FLACDecoder();
    const after = new FLACDecoder();
    await Promise.all([inCall.ready, after.ready]);
    const result = (r: Awaited<ReturnType<typeof inCall.decodeFile>>): Decoded => {
      if (r.errors.length > 0) throw new Error(`FLACDecoder: ${r.errors[0]!.message}`);
      return { channelData: r.channelData, frames: r.samplesDecoded };
    };
    // @wasm-audio-decoders/flac divides by 2^(bits-1) - 1 (the pool's workers rescale to / 2^(bits-1))
    return [
      { name: a!, integerScale: 32767, decode: async (bytes) => result(await inCall.decodeFile(bytes)) },
      {
        name: b!,
        integerScale: 32767,
        async decode(bytes) {
          // what decodeFile does before its reset
          const frames = new CodecParser('audio/flac', { enableFrameCRC32: false }).parseAll(bytes) as CodecFrame[];
          return result(await after.decodeFrames(frames.map((f) => f.data)));
        },
        afterAnswer: () => after.reset(),
      },
    ];
  }
  const { MPEGDecoder } = await import('mpg123-decoder');
  const inCall = new MPEGDecoder();
  const after = new MPEGDecoder();
  await Promise.all([inCall.ready, after.ready]);
  const result = (r: ReturnType<typeof inCall.decode>): Decoded => {
    if (r.errors.length > 0) throw new Error(`MPEGDecoder: ${r.errors[0]!.message}`);
    return { channelData: r.channelData, frames: r.samplesDecoded };
  };
  return [
    {
      name: a!,
      async decode(bytes) {
        const r = inCall.decode(bytes);
        await inCall.reset();
        return result(r);
      },
    },
    { name: b!, decode: async (bytes) => result(after.decode(bytes)), afterAnswer: () => after.reset() },
  ];
}

/**
 * Throws unless `got` holds `want`'s first frames (all of them when `exact`, at least `minFrames`
 * otherwise) bit for bit, or, with `integerScale`, as the same 16-bit integers (got x scale
 * against want x 32768, each rounded).
 */
export function checkPlanes(
  name: string,
  got: Decoded,
  want: Float32Array[],
  exact: boolean,
  minFrames: number,
  integerScale?: IntegerScale,
): void {
  if (got.channelData.length !== want.length) throw new Error(`${name}: ${got.channelData.length} channels, expected ${want.length}`);
  const n = want[0]!.length;
  if (exact ? got.frames !== n : got.frames > n || got.frames < minFrames) {
    throw new Error(`${name}: ${got.frames} frames, expected ${exact ? n : `${minFrames}..${n}`}`);
  }
  got.channelData.forEach((plane, c) => {
    const ref = want[c]!;
    if (integerScale !== undefined) {
      const { negative, positive } = typeof integerScale === 'number' ? { negative: integerScale, positive: integerScale } : integerScale;
      for (let i = 0; i < got.frames; i++) {
        const scale = plane[i]! < 0 ? negative : positive;
        if (Math.round(plane[i]! * scale) !== Math.round(ref[i]! * 32768)) {
          throw new Error(`${name}: channel ${c} frame ${i} is ${plane[i]} (x ${scale}), the reference ${ref[i]} (x 32768)`);
        }
      }
      return;
    }
    const x = new Uint32Array(plane.buffer, plane.byteOffset, got.frames);
    const y = new Uint32Array(ref.buffer, ref.byteOffset, got.frames);
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) throw new Error(`${name}: channel ${c} frame ${i} is ${plane[i]}, the reference ${ref[i]}`);
    }
  });
}

export interface DriverCase {
  name: string;
  format: DecodeBenchFormat;
  clip: Uint8Array;
  /** Frames ours decodes the clip to. */
  frames: number;
  sampleRate: number;
  impls: DecodeImpl[];
  reference: Float32Array[];
  /** Only WAV and FLAC outputs have one exact length; mpg123 alone leaves the LAME padding in. */
  exact: boolean;
}

export type Pools = { one: WorkerPool; many: WorkerPool };

/** The cases with a driver's share of the implementations: the pool paths, or the peer. */
export async function buildCases(pools: Pools | null): Promise<DriverCase[]> {
  const wav = fixtureBytes('signal.wav');
  const wavRef = parseWav(wav).channels;
  const prefix = (planes: Float32Array[], n: number) => planes.map((p) => p.subarray(0, n));
  const cases: DriverCase[] = [];
  for (const format of DECODE_BENCH_FORMATS) {
    let clip: Uint8Array;
    let reference: Float32Array[];
    if (format === 'wav') {
      clip = wavClip(wav, WAV_CLIP_FRAMES);
      reference = prefix(wavRef, WAV_CLIP_FRAMES);
    } else if (format === 'flac') {
      clip = flacClip(fixtureBytes('signal.flac'), FLAC_CLIP_BLOCKS);
      reference = prefix(wavRef, parseFlac(clip).totalClaimed);
    } else {
      clip = mp3Clip(fixtureBytes('signal.mp3'), MP3_CLIP_FRAMES);
      const stream = parseMp3(clip);
      const { MPEGDecoder } = await import('mpg123-decoder');
      const one = new MPEGDecoder({ enableGapless: false });
      await one.ready;
      const whole = one.decodeFrames(stream.frames.map((f) => f.data));
      one.free();
      const trim = stream.gapless!.delay + MP3_DECODER_DELAY;
      reference = whole.channelData.map((p) => p.subarray(trim));
    }
    const clipName = `${format}-1s`;
    const names = decodeBenchImplNames(format, pools?.many.size);
    const impls = pools
      ? [
          poolImpl(names[0]!, pools.many, clipName),
          poolImpl(names[1]!, pools.one, clipName),
          poolImpl(names[2]!, pools.many, clipName, SPLIT_CHUNK_FRAMES),
        ]
      : await peerImpls(format);
    const first = await impls[0]!.decode(clip);
    cases.push({
      name: `decode/${clipName}`,
      format,
      clip,
      frames: first.frames,
      sampleRate: 44100,
      impls,
      reference,
      exact: format !== 'mp3',
    });
  }
  return cases;
}
