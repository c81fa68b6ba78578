/**
 * Every plot's text alternative states its key numbers: rendered to static markup (no browser)
 * for the pure plots, and through the summary functions the live plots render with.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { KernelTiming } from '../worklet/protocol.ts';
import { RENDER_QUANTUM_FRAMES } from '../dsp-stages/types.ts';
import { scopeSummary } from './Scope.tsx';
import { SpectrumPlot, spectrumLayout, spectrumSummary } from './SpectrumPlot.tsx';
import { TimingHistogram, timingSummary } from './TimingHistogram.tsx';
import { XYPlot } from './XYPlot.tsx';
import { eqResponseSummary } from './EqResponse.tsx';
import { shiftScoresSummary } from './ShiftScores.tsx';

function unescape(html: string): string {
  return html
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The aria-labels of every role="img" element in the markup. */
function imageLabels(html: string): string[] {
  return [...html.matchAll(/<[a-z]+ [^>]*role="img"[^>]*>/g)].map((m) => {
    const label = /aria-label="([^"]*)"/.exec(m[0]);
    if (!label) throw new Error(`role="img" without aria-label: ${m[0]}`);
    return unescape(label[1]!);
  });
}

const timing: KernelTiming = {
  stage: 'gain',
  backend: 'wasm',
  clock: 'performance.now() in a Web Worker',
  samplesUs: [0.41, 0.42, 0.44, 0.45, 0.47, 0.52, 0.61, 0.93],
  quantaPerBatch: 4096,
  p50Us: 0.45,
  p95Us: 0.61,
  p99Us: 0.93,
  deadlineUs: (RENDER_QUANTUM_FRAMES / 48_000) * 1e6,
  quantumFrames: RENDER_QUANTUM_FRAMES,
  singleQuantum: { count: 2000, p50Us: 5, p99Us: 10, maxUs: 40, resolutionUs: 5 },
  allocationsDuringRun: 0,
  memoryGrowthBytes: 0,
};

describe('text alternatives state the key numbers', () => {
  it('timing histogram: p50, p95, p99, their share of the deadline, the budget verdict and the clock', () => {
    const html = renderToStaticMarkup(createElement(TimingHistogram, { timing, budgetUs: 20 }));
    const [label] = imageLabels(html);
    expect(label).toBe(timingSummary(timing, 20));
    expect(label).toContain('8 batches of 4096 quanta, wasm backend');
    expect(label).toContain('p50 0.45 µs, p95 0.61 µs, p99 0.93 µs');
    expect(label).toContain('(0.03 % of the 2667 µs deadline)');
    expect(label).toContain('budget 20.0 µs: within budget; clock performance.now() in a Web Worker');
    expect(timingSummary({ ...timing, p99Us: 25.5 }, 20)).toContain(
      'p99 25.5 µs (0.96 % of the 2667 µs deadline), budget 20.0 µs: over budget',
    );
  });

  it('timing histogram without a measurement says so as status text, with no image', () => {
    const html = renderToStaticMarkup(createElement(TimingHistogram, { timing: null, budgetUs: 20, measuring: true }));
    expect(imageLabels(html)).toEqual([]);
    expect(html).toContain('role="status"');
    expect(html).toContain('Measuring kernel cost in a worker…');
  });

  it('scope: peak and RMS, linear and in dBFS, and clipping', () => {
    const s = scopeSummary({
      title: 'Scope',
      samples: 1024,
      durationMs: (1024 / 48_000) * 1000,
      sampleRate: 48_000,
      peak: 0.5012,
      rms: 0.3544,
    });
    expect(s).toBe('Scope: 1024 samples (21.3 ms at 48 kHz), peak 0.50 (-6.0 dBFS), RMS 0.35 (-9.0 dBFS)');
    expect(scopeSummary({ title: 'Scope', samples: 8, durationMs: 1, sampleRate: 44_100, peak: 1.2, rms: 0 })).toBe(
      'Scope: 8 samples (1.00 ms at 44.1 kHz), peak 1.20 (1.6 dBFS), RMS 0.00 (-∞ dBFS), clipping',
    );
  });

  it('spectrum: the peak frequency and level (given, or the loudest bin)', () => {
    const n = 4096;
    const db = new Float32Array(n / 2 + 1).fill(-100);
    db[0] = 0; // DC is off the log axis: never the loudest bin
    db[85] = -6.02; // 85 × 48000/4096 = 996.09 Hz
    const loudest = renderToStaticMarkup(createElement(SpectrumPlot, { db, sampleRate: 48_000, fftSize: n, floorDb: -120 }));
    expect(imageLabels(loudest)).toEqual(['Spectrum, 2049 bins at 48 kHz (N = 4096): loudest bin 996.09 Hz at -6.02 dB; floor -120 dB']);
    const given = renderToStaticMarkup(
      createElement(SpectrumPlot, {
        db,
        sampleRate: 48_000,
        fftSize: n,
        floorDb: -120,
        peakHz: 1000.37,
        peakDb: -6.021,
        title: 'Output',
        overlay: db,
        overlayLabel: 'input',
      }),
    );
    expect(imageLabels(given)).toEqual([
      'Output, 2049 bins at 48 kHz (N = 4096): peak 1000.37 Hz at -6.02 dB; floor -120 dB; dashed overlay: input',
    ]);
    const layout = spectrumLayout(48_000, 32_768, -140, 6, 640, 240);
    expect(spectrumSummary(layout, 'Spectrum', null)).toBe('Spectrum, 16385 bins at 48 kHz (N = 32768): no peak; floor -140 dB');
  });

  it('XY plots (sweeps, shift scores, EQ response): the summary is the text alternative and the caption', () => {
    const summary = 'mean 0.004 Hz, max 0.012 Hz at 19.8 kHz';
    const html = renderToStaticMarkup(
      createElement(XYPlot, {
        title: 'Peak-frequency error',
        summary,
        xLabel: 'frequency (Hz)',
        yLabel: 'error (Hz)',
        series: [
          {
            name: 'error',
            points: [
              { x: 20, y: 0.001 },
              { x: 20_000, y: 0.012 },
            ],
          },
        ],
      }),
    );
    expect(imageLabels(html)).toEqual([`Peak-frequency error: ${summary}`]);
    expect(unescape(html)).toContain(
      `<figcaption style="font-size:12px;margin-top:2px;max-width:640px"><strong>Peak-frequency error</strong> ${summary}</figcaption>`,
    );
  });

  it('shift scores: the estimated shift, the best hypothesis and, when known, the error', () => {
    expect(shiftScoresSummary(32, { centre: 100, bestTau: 100.375, shift: 100.3712 }, 100.37)).toBe(
      'Scores of 32 shift hypotheses around 100 samples: best 100.375, estimated shift 100.371 samples (true delay 100.37, error 0.001).',
    );
    expect(shiftScoresSummary(8, { centre: 0, bestTau: 0, shift: -0.004 })).toBe(
      'Scores of 8 shift hypotheses around 0 samples: best 0.000, estimated shift -0.004 samples.',
    );
  });

  it('EQ response: the designed range, the level at 1 kHz and the response error', () => {
    const designed = [
      { x: 100, y: 4 },
      { x: 990, y: 5.97 },
      { x: 1010, y: 5.99 },
      { x: 8000, y: -3.5 },
    ];
    expect(eqResponseSummary({ bypass: false, designed, frames: 37, measured: true, maxDeviationDb: 0.0432 })).toBe(
      'EQ magnitude response: designed -3.5 to 6.0 dB, 5.97 dB at 1 kHz; measured on the running stage from 37 frames of 4096 samples, ' +
        'response error (largest deviation from the design) 0.04 dB from 30 Hz to 16 kHz (where the design is above −40 dB).',
    );
    expect(
      eqResponseSummary({ bypass: true, designed: designed.map((p) => ({ ...p, y: 0 })), frames: 0, measured: false, maxDeviationDb: 0 }),
    ).toBe(
      'EQ magnitude response (bypassed): designed 0.0 to 0.0 dB, 0.00 dB at 1 kHz; measured on the running stage from 0 frames of 4096 samples (waiting for frames; pick the white-noise source).',
    );
  });
});
