/** The fft bench cases: every implementation computes the same spectrum, and a misused peer is caught. */
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmInstanceFactory } from '../wasm-file.ts';
import { realFft } from './reference.ts';
import { whiteNoise } from '../signals.ts';
import { FFT_BENCH_SIZES, checkBins, checkedBins, fftBench } from './bench.ts';
import { BENCH_FILES } from '../../bench/index.ts';
import { runCase, type BenchCase } from '../bench-harness.ts';
import { benchInProcess } from '../cli-testing.ts';

let cases: BenchCase[];

beforeAll(async () => {
  await fftBench.prepare!();
  cases = fftBench.cases({ newWasm: wasmInstanceFactory() });
});

describe('fft bench cases', () => {
  it('are listed, under the names they declare', () => {
    expect(BENCH_FILES).toContain(fftBench);
    expect(cases.map((c) => c.name)).toEqual(['fft/real-512', 'fft/real-4096', 'fft/real-32768']);
    expect(fftBench.caseNames).toEqual(cases.map((c) => c.name));
    for (const c of cases) {
      expect(c.stage).toBe('fft');
      expect(c.ours).toBe('stagebench');
      expect(c.impls.map((i) => i.name)).toEqual(['stagebench', '@echogarden/pffft-wasm', 'fft.js', 'kissfft-js']);
    }
  });

  it('every implementation passes its output check (ours against the f64 reference, peers against ours)', () => {
    for (const c of cases) {
      for (const impl of c.impls) expect(() => impl.check!(), `${c.name} ${impl.name}`).not.toThrow();
    }
  });

  it('runs with the real clock', () => {
    const results = runCase(cases[0]!, { warmupMs: 5, samples: 5, minSampleMs: 0.2, now: () => performance.now() });
    expect(results.map((r) => r.impl)).toEqual(['stagebench', '@echogarden/pffft-wasm', 'fft.js', 'kissfft-js']);
    for (const r of results) {
      expect(r.medianUs).toBeGreaterThan(0);
      expect(r.medianUs).toBeLessThan(1000); // a 512-point FFT, not a millisecond
    }
  });
});

describe('checkBins', () => {
  const n = 512;
  const ours = realFft(whiteNoise(n, 0.5, 1));

  it('checks DC, bins 1..10 and a few up to the Nyquist bin', () => {
    expect(checkedBins(n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 65, 125, 255, 256]);
    for (const size of FFT_BENCH_SIZES) expect(Math.max(...checkedBins(size))).toBe(size / 2);
  });

  it('accepts float noise and rejects a wrong scale, the conjugate spectrum, or a packed layout', () => {
    const noisy = ours.map((v, i) => v * (1 + 1e-6 * Math.sin(i)));
    expect(() => checkBins('peer', n, ours, noisy)).not.toThrow();
    expect(() =>
      checkBins(
        'peer',
        n,
        ours,
        ours.map((v) => v / n),
      ),
    ).toThrow(/peer: bin 0 .*wrong API use or layout/);
    expect(() =>
      checkBins(
        'peer',
        n,
        ours,
        ours.map((v, i) => (i % 2 ? -v : v)),
      ),
    ).toThrow(/peer: bin 1 /);
    // PFFFT's ordered real output read as is: [DC, Nyquist, re1, im1, ...]
    const packed = ours.slice(0, n);
    packed[1] = ours[n]!;
    const padded = new Float64Array(n + 2);
    padded.set(packed);
    expect(() => checkBins('peer', n, ours, padded)).toThrow(/peer: bin 0 .*wrong API use or layout/);
    expect(() => checkBins('peer', n, ours, ours.subarray(0, n))).toThrow(/output has 512 floats, expected at least 514/);
  });
});

describe('stagebench bench fft', () => {
  it("prints every size's rows in the table: ours, then each peer with its ratio", async () => {
    const { stdout } = await benchInProcess('fft');
    for (const n of [512, 4096, 32768]) {
      expect(stdout).toMatch(new RegExp(`fft/real-${n}\\s+stagebench\\s+[\\d.]+\\s+[\\d.]+\\s+\\(ours\\)`));
      for (const peer of ['@echogarden/pffft-wasm', 'fft\\.js', 'kissfft-js']) {
        expect(stdout).toMatch(new RegExp(`fft/real-${n}\\s+${peer}\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+×`));
      }
    }
  }, 60_000);
});
