#!/usr/bin/env node
// Makes the decode fixtures in fixtures/decode/ (see fixtures/decode/README.md): a 10 s stereo
// 44.1 kHz 16-bit signal (sweeps + tones + pink noise) as WAV, FLAC and MP3, and hand-made
// broken files. Needs sox, flac and lame on PATH. Deterministic: sox runs in repeatable mode
// (-R, fixed noise seed, no dither) and the garbage bytes come from a fixed-seed generator.
//
//   node scripts/make-fixtures.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'fixtures/decode');
const tmp = mkdtempSync(join(tmpdir(), 'stagebench-fixtures-'));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) {
    console.error(`make-fixtures: cannot run ${cmd} (${r.error.message}); install sox, flac and lame`);
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`make-fixtures: ${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
    process.exit(1);
  }
}

/** Offset and size of the `data` chunk of a RIFF/WAVE file. */
function dataChunk(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 12;
  while (p + 8 <= bytes.length) {
    const id = String.fromCharCode(...bytes.subarray(p, p + 4));
    const size = view.getUint32(p + 4, true);
    if (id === 'data') return { sizeOffset: p + 4, offset: p + 8, size };
    p += 8 + size + (size & 1);
  }
  throw new Error('no data chunk');
}

/** xorshift32: fixed-seed bytes for the garbage file. */
function garbage(n, seed) {
  const bytes = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

mkdirSync(out, { recursive: true });
try {
  // The reference signal: L = log sweep 20 Hz -> 16 kHz + pink noise, R = 997 Hz + pink noise
  // (sox -m halves each input: sweep/tone at -15 dBFS, noise at -36 dBFS).
  const tones = join(tmp, 'tones.wav');
  const noise = join(tmp, 'noise.wav');
  const signal = join(out, 'signal.wav');
  run('sox', [
    '-R',
    '-D',
    '-n',
    '-r',
    '44100',
    '-b',
    '16',
    '-c',
    '2',
    tones,
    'synth',
    '10',
    'sine',
    '20/16000',
    'sine',
    '997',
    'gain',
    '-9',
  ]);
  run('sox', ['-R', '-D', '-n', '-r', '44100', '-b', '16', '-c', '2', noise, 'synth', '10', 'pinknoise', 'gain', '-30']);
  run('sox', ['-R', '-D', '-m', tones, noise, '-b', '16', signal]);
  run('flac', ['--silent', '--best', '--force', '-o', join(out, 'signal.flac'), signal]);
  run('lame', ['--quiet', '-b', '192', signal, join(out, 'signal.mp3')]);

  // truncated.flac: the first 40 % of signal.flac, cut inside a frame.
  const flac = readFileSync(join(out, 'signal.flac'));
  writeFileSync(join(out, 'truncated.flac'), flac.subarray(0, Math.floor(flac.length * 0.4)));

  // garbage.mp3: an empty ID3v2 tag (so the magic bytes say MP3) followed by 64 KiB of noise bytes.
  const id3 = Uint8Array.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
  const junk = garbage(65536, 0x2545f491);
  // no accidental MPEG frame syncs (0xFF followed by 0xE0 or more) in the junk
  for (let i = 0; i + 1 < junk.length; i++) if (junk[i] === 0xff && junk[i + 1] >= 0xe0) junk[i + 1] &= 0x7f;
  writeFileSync(join(out, 'garbage.mp3'), Buffer.concat([id3, junk]));

  // broken-size.wav: the first second of signal.wav under a data chunk size of 0xFFFFFFFF.
  const wav = new Uint8Array(readFileSync(signal));
  const data = dataChunk(wav);
  const oneSecond = new Uint8Array(wav.subarray(0, data.offset + 44100 * 4));
  new DataView(oneSecond.buffer).setUint32(data.sizeOffset, 0xffffffff, true);
  new DataView(oneSecond.buffer).setUint32(4, 0xffffffff, true);
  writeFileSync(join(out, 'broken-size.wav'), oneSecond);

  // empty.wav: zero bytes.
  writeFileSync(join(out, 'empty.wav'), new Uint8Array(0));

  // multi8-short.wav: 8 channels, 24-bit, 48 kHz (WAVE_FORMAT_EXTENSIBLE); the header claims 1 s,
  // the file holds 0.25 s plus 7 bytes of a partial frame.
  const multi = join(tmp, 'multi8.wav');
  run('sox', [
    '-R',
    '-D',
    '-n',
    '-r',
    '48000',
    '-b',
    '24',
    '-c',
    '8',
    multi,
    'synth',
    '1',
    'sine',
    '100',
    'sine',
    '200',
    'sine',
    '300',
    'sine',
    '400',
    'sine',
    '500',
    'sine',
    '600',
    'sine',
    '700',
    'sine',
    '800',
    'gain',
    '-6',
  ]);
  const m = new Uint8Array(readFileSync(multi));
  const md = dataChunk(m);
  writeFileSync(join(out, 'multi8-short.wav'), m.subarray(0, md.offset + 12000 * 24 + 7));

  // float64.wav: the first 0.5 s of signal.wav as 64-bit float (exact: every 16-bit value / 32768).
  run('sox', ['-R', '-D', signal, '-e', 'floating-point', '-b', '64', join(out, 'float64.wav'), 'trim', '0', '0.5']);

  for (const name of [
    'signal.wav',
    'signal.flac',
    'signal.mp3',
    'truncated.flac',
    'garbage.mp3',
    'broken-size.wav',
    'empty.wav',
    'multi8-short.wav',
    'float64.wav',
  ]) {
    console.log(`${name.padEnd(18)} ${String(statSync(join(out, name)).size).padStart(8)} bytes`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
