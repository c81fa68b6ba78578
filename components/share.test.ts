/** Shareable links: the args parameter as Storybook writes it, the local source in it, the story URL. */
import { buildArgsParam } from 'storybook/internal/router';
import { describe, expect, it } from 'vitest';
import { argsWithSource, encodeArgsParam, shareLink, storyUrl, urlNumber } from './share.ts';

describe('encodeArgsParam', () => {
  it('writes flat args exactly as Storybook does', () => {
    const args = {
      source: 'sine',
      frequencyHz: 440,
      levelDb: -6,
      size: 32768,
      window: 'kaiser',
      beta: 9.5,
      spread: 'on',
      monitor: true,
      off: false,
      none: null,
      label: 'two words',
    };
    const ours = encodeArgsParam(args);
    expect(ours.omitted).toEqual([]);
    expect(ours.param).toBe(buildArgsParam({}, args));
    expect(ours.param).toBe(
      'source:sine;frequencyHz:440;levelDb:-6;size:32768;window:kaiser;beta:9.5;spread:on;monitor:!true;off:!false;none:!null;label:two+words',
    );
  });
  it('writes object args member by member, in dot notation, as Storybook does', () => {
    const args = { stages: 'eq fft', params: { eq: { band1Type: 'peaking', band1GainDb: -9, band1Q: 0.7 }, fft: { size: 8192 } } };
    const ours = encodeArgsParam(args);
    expect(ours.omitted).toEqual([]);
    expect(ours.param).toBe(buildArgsParam({}, args));
    expect(ours.param).toBe('stages:eq+fft;params.eq.band1Type:peaking;params.eq.band1GainDb:-9;params.eq.band1Q:0.7;params.fft.size:8192');
    // a member Storybook would drop is named with its path; the rest still go
    const bad = encodeArgsParam({ params: { eq: { preset: 'a,b', band1GainDb: 3 } } });
    expect(bad.param).toBe('params.eq.band1GainDb:3');
    expect(bad.omitted).toEqual(['params.eq.preset ("a,b" has characters Storybook drops from URLs)']);
  });

  it('spells out numbers that Storybook would read back as strings', () => {
    expect(urlNumber(1e-7)).toBe('0.0000001');
    expect(urlNumber(1000.37)).toBe('1000.37');
    expect(urlNumber(-0)).toBe('0');
    expect(urlNumber(NaN)).toBeNull();
    expect(urlNumber(Infinity)).toBeNull();
    expect(encodeArgsParam({ tiny: 1e-7 }).param).toBe('tiny:0.0000001');
  });
  it('omits what Storybook would drop, and says which and why', () => {
    const r = encodeArgsParam({ file: 'signal.wav', gain: 0.5, bands: [1, 2], cb: () => 1, nan: NaN, 'a.b': 1, skipped: undefined });
    expect(r.param).toBe('gain:0.5');
    expect(r.omitted).toEqual([
      'file ("signal.wav" has characters Storybook drops from URLs)',
      'bands (a object value)',
      'cb (a function value)',
      'nan (a number value)',
      'a.b (name not URL-safe)',
    ]);
  });
});

describe('argsWithSource', () => {
  const storySource = { kind: 'sine' as const, frequencyHz: 1000, levelDb: -6 };
  it("writes the local source choice into the story's source args (kind is `source`)", () => {
    const r = argsWithSource(
      { source: 'sine', frequencyHz: 1000, levelDb: -6, size: 4096 },
      { kind: 'noise', frequencyHz: 440, levelDb: -12 },
      storySource,
    );
    expect(r.args).toEqual({ source: 'noise', frequencyHz: 440, levelDb: -12, size: 4096 });
    expect(r.notCarried).toEqual([]);
  });
  it("names the fields a story without source args cannot carry, only when they differ from the story's", () => {
    expect(argsWithSource({ file: 'a' }, storySource, storySource).notCarried).toEqual([]);
    expect(argsWithSource({ file: 'a' }, { ...storySource, frequencyHz: 440 }, storySource).notCarried).toEqual(['frequencyHz']);
  });
  it('writes a mapped arg by the key that maps to the value, so the link keeps it', () => {
    const pair = { ...storySource, kind: 'delayed-noise' as const, pairShape: 'lowpass-0.4' as const };
    const mappings = { pairShape: { 'lowpass-0_4': 'lowpass-0.4', noise: 'noise' } };
    const r = argsWithSource({ source: 'delayed-noise', pairShape: 'lowpass-0_4' }, pair, pair, mappings);
    expect(r.args.pairShape).toBe('lowpass-0_4');
    expect(encodeArgsParam(r.args)).toEqual({ param: 'source:delayed-noise;pairShape:lowpass-0_4', omitted: [] });
    // without the mapping the value itself goes, and Storybook would drop it
    const plain = argsWithSource({ source: 'delayed-noise', pairShape: 'lowpass-0_4' }, pair, pair);
    expect(encodeArgsParam(plain.args).omitted).toEqual(['pairShape ("lowpass-0.4" has characters Storybook drops from URLs)']);
  });
});

describe('storyUrl', () => {
  it('inside the Storybook UI: its URL with path=/story/<id>, other parameters kept, args replaced', () => {
    const url = storyUrl(
      'https://ex.org/sb/iframe.html?id=a--b&viewMode=story',
      'https://ex.org/sb/?path=/story/a--b&args=size:1024&coi=0',
      'a--b',
      'size:4096;frequencyHz:440',
    );
    expect(url).toBe('https://ex.org/sb/?path=/story/a--b&coi=0&args=size:4096;frequencyHz:440');
  });
  it('from a docs page, links the story itself', () => {
    expect(storyUrl('http://h/iframe.html?id=a--docs&viewMode=docs', 'http://h/?path=/docs/a--docs', 'a--b', 'x:1')).toBe(
      'http://h/?path=/story/a--b&args=x:1',
    );
  });
  it('on the preview page alone (or embedded by a page that is no Storybook UI): the preview URL', () => {
    expect(storyUrl('http://h/iframe.html?id=x--y&viewMode=story&args=q:1', null, 'a--b', 'size:4096')).toBe(
      'http://h/iframe.html?id=a--b&viewMode=story&args=size:4096',
    );
    expect(storyUrl('http://h/iframe.html?id=a--b&viewMode=story', 'http://h/iframe.html?id=c--d&viewMode=story', 'a--b', '')).toBe(
      'http://h/iframe.html?id=a--b&viewMode=story',
    );
  });
});

describe('shareLink', () => {
  it('carries stage params and the local source, and reports what it cannot carry', () => {
    const link = shareLink(
      { storyId: 'dsp-stages-fft-32k--peak', args: { source: 'sine', frequencyHz: 1000, levelDb: -6, size: 32768, file: 'x.wav' } },
      { kind: 'sine', frequencyHz: 440, levelDb: -6 },
      { kind: 'sine', frequencyHz: 1000, levelDb: -6 },
      'http://127.0.0.1:6007/iframe.html?id=dsp-stages-fft-32k--peak&viewMode=story',
      null,
    );
    expect(link.url).toBe(
      'http://127.0.0.1:6007/iframe.html?id=dsp-stages-fft-32k--peak&viewMode=story&args=source:sine;frequencyHz:440;levelDb:-6;size:32768',
    );
    expect(link.omitted).toEqual(['file ("x.wav" has characters Storybook drops from URLs)']);
    expect(link.notCarried).toEqual([]);
  });
});
