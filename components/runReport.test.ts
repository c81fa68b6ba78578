/** The run report: building it, JSON and CSV that read back to the same figures, bad files, and the comparison's verdicts. */
import { describe, expect, it } from 'vitest';
import type { KernelTiming } from '../worklet/protocol.ts';
import { RENDER_QUANTUM_FRAMES } from '../dsp-stages/types.ts';
import type { TelemetrySnapshot } from '../worklet/layout.ts';
import {
  MAX_REPORT_BYTES,
  ReportError,
  buildRunReport,
  diffReports,
  formatValue,
  parseCsv,
  parseReport,
  reportCsv,
  reportJson,
  reportRows,
  type ReportInput,
  type RunReport,
} from './runReport.ts';

const timing: KernelTiming = {
  stage: 'fft',
  backend: 'wasm',
  clock: 'performance.now() in a Web Worker',
  samplesUs: [3.1, 3.2, 3.3, 3.5, 4.0],
  quantaPerBatch: 512,
  p50Us: 3.3,
  p95Us: 3.9,
  p99Us: 4.0,
  deadlineUs: (RENDER_QUANTUM_FRAMES / 48_000) * 1e6,
  quantumFrames: RENDER_QUANTUM_FRAMES,
  singleQuantum: { count: 4000, p50Us: 5, p99Us: 160, maxUs: 400, resolutionUs: 5 },
  allocationsDuringRun: 0,
  memoryGrowthBytes: 0,
};

const telemetry: TelemetrySnapshot = {
  writePos: 0,
  quantumCount: 3750,
  wasmStatus: 'active',
  quantaOver1ms: 15,
  quantaOverDeadline: 0,
  quantaTickSpans: 40,
  stageErrors: 0,
  wasmMemoryBytes: 2 << 20,
  wasmAllocCount: 12,
  wasmLiveBytes: 1 << 20,
  timingSeq: 9,
  visualSeq: 30,
  loadMeanPct: 1.5,
  quantaPerSecEma: 374.8,
  audioClockDriftMs: 0.4,
  windowMs: 1000,
  sampleRate: 48_000,
  quantumFrames: RENDER_QUANTUM_FRAMES,
  warmUpMs: 12,
};

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    date: new Date('2025-01-02T03:04:05.678Z'),
    story: 'dsp-stages-fft-32k--peak-between-bins',
    link: 'http://127.0.0.1:6007/iframe.html?id=dsp-stages-fft-32k--peak-between-bins&viewMode=story&args=size:4096',
    stage: {
      id: 'fft',
      title: 'FFT 32k',
      figures: [
        { name: 'peakHz', unit: 'Hz', label: 'peak frequency' },
        { name: 'peakDb', unit: 'dBFS', label: 'peak level' },
      ],
    },
    params: { size: 4096, window: 'kaiser', beta: 9 },
    source: { kind: 'sine', frequencyHz: 1000.37, levelDb: -6 },
    timing,
    telemetry,
    figureValues: [1000.36, -6.02],
    sampleRate: 48_000,
    wasmStatus: 'active',
    fallbackReason: null,
    isolated: true,
    isolation: "cross-origin isolated: COOP/COEP from the server's headers",
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36',
    cores: 2,
    ...over,
  };
}

/** The report with some fields changed (a deep copy). */
function edited(report: RunReport, edit: (r: RunReport) => void): RunReport {
  const copy = JSON.parse(JSON.stringify(report)) as RunReport;
  edit(copy);
  return copy;
}

describe('buildRunReport', () => {
  it('holds stage, params, source, timing, live figures, the stage figures, browser, sample rate and date', () => {
    const r = buildRunReport(input());
    expect(r).toMatchObject({
      format: 'stagebench-run-report',
      version: 1,
      date: '2025-01-02T03:04:05.678Z',
      stage: { id: 'fft', title: 'FFT 32k' },
      params: { size: 4096, window: 'kaiser', beta: 9 },
      source: { kind: 'sine', frequencyHz: 1000.37, levelDb: -6 },
      environment: { sampleRateHz: 48_000, wasm: 'active', telemetry: 'SharedArrayBuffer', cores: 2 },
      timing: { backend: 'wasm', p50Us: 3.3, p95Us: 3.9, p99Us: 4.0, batches: 5, singleQuantumP99Us: 160, allocations: 0 },
      live: {
        quantaPerSec: 374.8,
        expectedQuantaPerSec: 375,
        loadPct: 1.5,
        driftMs: 0.4,
        quanta: 3750,
        quantaOver1ms: 15,
        slowQuantaPct: 0.4,
        quantaOverDeadline: 0,
        stageErrors: 0,
      },
      figures: [
        { name: 'peakHz', label: 'peak frequency', unit: 'Hz', value: 1000.36 },
        { name: 'peakDb', label: 'peak level', unit: 'dBFS', value: -6.02 },
      ],
    });
    expect(r.environment.userAgent).toMatch(/Chrome\/140/);
  });
  it('says null, not 0 or NaN, for what is not measured yet', () => {
    const r = buildRunReport(
      input({ timing: null, telemetry: { ...telemetry, timingSeq: 0, quantumCount: 0 }, figureValues: [NaN, NaN], isolated: false }),
    );
    expect(r.timing).toBeNull();
    expect(r.live).toMatchObject({ quantaPerSec: null, loadPct: null, driftMs: null, slowQuantaPct: null });
    expect(r.figures.map((f) => f.value)).toEqual([null, null]);
    expect(r.environment.telemetry).toBe('postMessage');
    expect(reportJson(r)).not.toMatch(/NaN/);
  });
});

describe('JSON and CSV', () => {
  const report = buildRunReport(input());
  it('read back to the same rows, from either', () => {
    const fromJson = parseReport(reportJson(report));
    const fromCsv = parseReport(reportCsv(report));
    expect(fromJson.kind).toBe('JSON');
    expect(fromCsv.kind).toBe('CSV');
    expect(fromCsv.rows).toEqual(fromJson.rows);
    expect(fromJson.rows).toEqual(reportRows(report));
    expect(fromJson.rows.find((r) => r.key === 'timing.p99Us')).toMatchObject({ label: 'kernel p99', unit: 'µs', value: 4 });
  });
  it('CSV quotes fields with commas and quotes, and keeps them', () => {
    const csv = reportCsv(report);
    expect(csv.split('\r\n')[0]).toBe('section,name,label,value,unit');
    expect(csv).toContain('"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"');
    expect(csv).toContain('timing,p99Us,kernel p99,4,µs');
    const tricky = edited(report, (r) => {
      r.params.note = 'a "quoted", two-line\nvalue';
    });
    const back = parseReport(reportCsv(tricky)).rows.find((r) => r.key === 'param.note');
    expect(back?.value).toBe('a "quoted", two-line\nvalue');
  });
  it('parseCsv handles CRLF and LF, empty fields and a missing final line break', () => {
    expect(parseCsv('a,b\r\n1,\n"x,y",""')).toEqual([
      ['a', 'b'],
      ['1', ''],
      ['x,y', ''],
    ]);
  });
});

describe('bad files give a clear error', () => {
  const report = buildRunReport(input());
  const cases: Array<[string, string, RegExp]> = [
    ['empty', '  \n', /the file is empty/],
    ['broken JSON', '{"format": ', /not valid JSON/],
    ['other JSON', '{"name": "package"}', /not a Stagebench run report: format is null/],
    [
      'newer version',
      reportJson(
        edited(report, (r) => {
          r.version = 2;
        }),
      ),
      /version 2 is newer than this workbench reads \(1\)/,
    ],
    [
      'bad field',
      reportJson(
        edited(report, (r) => {
          (r.timing as unknown as Record<string, unknown>).p99Us = 'fast';
        }),
      ),
      /timing.p99Us must be a number/,
    ],
    [
      'nested param',
      reportJson(
        edited(report, (r) => {
          (r.params as Record<string, unknown>).size = { n: 1 };
        }),
      ),
      /params.size must be a number, a string or null/,
    ],
    ['other CSV', 'name,value\nx,1\n', /the CSV header must be "section,name,label,value,unit"/],
    ['short record', 'section,name,label,value,unit\nreport,format,format\n', /CSV record 2: 3 fields, expected 5/],
    ['unknown section', 'section,name,label,value,unit\nweather,rain,rain,1,mm\n', /unknown section "weather"/],
    ['open quote', 'section,name,label,value,unit\nreport,format,"format\n', /CSV line 2: a quoted field is not closed/],
    ['CSV of something else', 'section,name,label,value,unit\nreport,format,format,other,\n', /format is "other"/],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      expect(() => parseReport(text)).toThrow(ReportError);
      expect(() => parseReport(text)).toThrow(message);
    });
  }
  it('refuses more than 1 MiB (the component checks the size before reading)', () => {
    expect(MAX_REPORT_BYTES).toBe(1 << 20);
  });
});

describe('diffReports', () => {
  const now = buildRunReport(input());
  const verdicts = (prev: RunReport, cur: RunReport = now) =>
    Object.fromEntries(diffReports(reportRows(prev), reportRows(cur)).rows.map((r) => [r.key, r.verdict]));

  it('a report against itself: everything the same, no regression', () => {
    const d = diffReports(reportRows(now), reportRows(now));
    expect(d.regressions).toBe(0);
    expect(d.improvements).toBe(0);
    expect(d.sameInputs).toBe(true);
    expect(new Set(d.rows.map((r) => r.verdict))).toEqual(new Set(['same']));
    expect(d.rows.every((r) => r.change === '')).toBe(true);
    // the report's own fields (date, link) and run-length counts are not compared
    expect(d.rows.map((r) => r.key)).not.toContain('report.date');
    expect(d.rows.map((r) => r.key)).not.toContain('live.quanta');
  });
  it('timing up by more than 10 % is a regression, down by more than 10 % an improvement, within 10 % the same', () => {
    const prev = edited(now, (r) => {
      r.timing!.p99Us = 3.5;
      r.timing!.p50Us = 4.0;
      r.timing!.p95Us = 3.7;
    });
    const v = verdicts(prev);
    expect(v['timing.p99Us']).toBe('regression'); // 3.5 → 4.0: +14 %
    expect(v['timing.p50Us']).toBe('improvement'); // 4.0 → 3.3: −17.5 %
    expect(v['timing.p95Us']).toBe('same'); // 3.7 → 3.9: +5.4 %
    const row = diffReports(reportRows(prev), reportRows(now)).rows.find((r) => r.key === 'timing.p99Us')!;
    expect(row.change).toBe('+0.5 µs (+14.3 %)');
    expect(row.why).toBe('up by more than 10 %');
  });
  it('quanta/s off sampleRate/128 is a regression, back within 5 % an improvement', () => {
    expect(
      verdicts(
        now,
        edited(now, (r) => {
          r.live.quantaPerSec = 340;
        }),
      )['live.quantaPerSec'],
    ).toBe('regression');
    expect(
      verdicts(
        edited(now, (r) => {
          r.live.quantaPerSec = 340;
        }),
      )['live.quantaPerSec'],
    ).toBe('improvement');
    expect(
      verdicts(
        edited(now, (r) => {
          r.live.quantaPerSec = 370;
        }),
      )['live.quantaPerSec'],
    ).toBe('same');
  });
  it('a stage figure that moved with the same params and source is a regression; with other inputs only a change', () => {
    const moved = edited(now, (r) => {
      r.figures[0]!.value = 1000.5;
    });
    expect(verdicts(moved)['figure.peakHz']).toBe('regression');
    expect(
      verdicts(
        edited(now, (r) => {
          r.figures[0]!.value = 1000.38;
        }),
      )['figure.peakHz'],
    ).toBe('same'); // within 0.05 Hz
    const otherInput = edited(moved, (r) => {
      r.source.frequencyHz = 1000.5;
    });
    const v = verdicts(otherInput);
    expect(v['figure.peakHz']).toBe('changed');
    expect(v['source.frequencyHz']).toBe('changed');
    const sourceRow = diffReports(reportRows(otherInput), reportRows(now)).rows.find((r) => r.key === 'source.frequencyHz')!;
    expect(sourceRow).toMatchObject({ label: 'source frequencyHz', unit: 'Hz', change: '−0.13 Hz (−0.0 %)' });
    const windowRow = diffReports(
      reportRows(
        edited(now, (r) => {
          r.params.window = 'hann';
        }),
      ),
      reportRows(now),
    ).rows.find((r) => r.key === 'param.window')!;
    expect(windowRow).toMatchObject({ label: 'param window', previous: 'hann', now: 'kaiser', change: '', verdict: 'changed' });
    expect(diffReports(reportRows(otherInput), reportRows(now)).sameInputs).toBe(false);
  });
  it('losing wasm, SharedArrayBuffer or gaining allocations, stage errors and quanta over the deadline are regressions', () => {
    const worse = edited(now, (r) => {
      r.environment.wasm = 'fallback';
      r.environment.telemetry = 'postMessage';
      r.timing!.allocations = 3;
      r.live.stageErrors = 2;
      r.live.quantaOverDeadline = 1;
    });
    const v = verdicts(now, worse);
    expect([
      v['environment.wasm'],
      v['environment.telemetry'],
      v['timing.allocations'],
      v['live.stageErrors'],
      v['live.quantaOverDeadline'],
    ]).toEqual(['regression', 'regression', 'regression', 'regression', 'regression']);
    expect(verdicts(worse)['environment.wasm']).toBe('improvement');
  });
  it('load: 10 % and 0.05 percentage points; drift: 10 % and 1 ms', () => {
    expect(
      verdicts(
        edited(now, (r) => {
          r.live.loadPct = 1.0;
        }),
      )['live.loadPct'],
    ).toBe('regression');
    expect(
      verdicts(
        edited(now, (r) => {
          r.live.loadPct = 1.46;
        }),
      )['live.loadPct'],
    ).toBe('same');
    expect(
      verdicts(
        now,
        edited(now, (r) => {
          r.live.driftMs = 3;
        }),
      )['live.driftMs'],
    ).toBe('regression');
    expect(
      verdicts(
        now,
        edited(now, (r) => {
          r.live.driftMs = 1.2;
        }),
      )['live.driftMs'],
    ).toBe('same');
  });
  it('figures in one report only are added or removed; a missing timing is listed, not a crash', () => {
    const noTiming = edited(now, (r) => {
      r.timing = null;
      r.figures.pop();
    });
    const d = diffReports(reportRows(noTiming), reportRows(now));
    expect(d.rows.find((r) => r.key === 'timing.p99Us')).toMatchObject({ verdict: 'added', previous: null, now: 4 });
    expect(d.rows.find((r) => r.key === 'figure.peakDb')?.verdict).toBe('added');
    const back = diffReports(reportRows(now), reportRows(noTiming));
    expect(back.rows.find((r) => r.key === 'timing.p99Us')).toMatchObject({ verdict: 'removed', now: null });
    expect(d.previousDate).toBe('2025-01-02T03:04:05.678Z');
  });
  it('formats values for the table', () => {
    expect(formatValue(null)).toBe('—');
    expect(formatValue(3.456789123)).toBe('3.45679');
    expect(formatValue(0.00001234)).toBe('0.00001234');
    expect(formatValue('kaiser')).toBe('kaiser');
  });
});

describe('the A/B null test in the report', () => {
  const ab = {
    input: 'White noise, 10 s',
    frames: 480000,
    a: { gain: 1 },
    b: { gain: 0.5 },
    maxAbsDiff: 0.25,
    residualRmsDbfs: -20.5,
    exactlyZero: false,
    levelMatchGain: 2,
    levelMatchResidualRmsDbfs: null,
    spectrumPeakHz: 1000,
    spectrumPeakDbfs: -26,
  };

  it('records both sets and the residual, and reads back the same from JSON and CSV', () => {
    const report = buildRunReport(input({ ab }));
    expect(report.ab).toEqual(ab);
    const rows = reportRows(report).filter((r) => r.section === 'ab');
    expect(rows.find((r) => r.key === 'ab.a.gain')?.value).toBe(1);
    expect(rows.find((r) => r.key === 'ab.b.gain')?.value).toBe(0.5);
    expect(rows.find((r) => r.key === 'ab.residualRmsDbfs')).toMatchObject({ value: -20.5, unit: 'dBFS' });
    expect(rows.find((r) => r.key === 'ab.levelMatchResidualRmsDbfs')?.value).toBeNull();
    expect(parseReport(reportCsv(report)).rows).toEqual(parseReport(reportJson(report)).rows);
  });

  it('is null without a null test, and an older report without it still reads', () => {
    const report = buildRunReport(input());
    expect(report.ab).toBeNull();
    const { ab: _ab, ...older } = report;
    expect(parseReport(JSON.stringify(older)).rows.some((r) => r.section === 'ab')).toBe(false);
    expect(() => parseReport(JSON.stringify({ ...report, ab: { a: 1 } }))).toThrow(/ab must be/);
  });
});
