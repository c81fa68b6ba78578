import { describe, expect, it } from 'vitest';
import { RENDER_QUANTUM_FRAMES } from '../dsp-stages/types.ts';
import { QUANTUM_URL_PARAM, contextQuantumFrames, quantumFromSearch, renderSizeOptions } from './quantum.ts';

describe('render quantum of a context', () => {
  it('is renderQuantumSize where the browser reports it, else the default', () => {
    const ctx = (size?: unknown) => (size === undefined ? {} : { renderQuantumSize: size }) as unknown as BaseAudioContext;
    expect(contextQuantumFrames(ctx(441))).toBe(441);
    expect(contextQuantumFrames(ctx(1024))).toBe(1024);
    // Firefox: no renderQuantumSize
    expect(contextQuantumFrames(ctx())).toBe(RENDER_QUANTUM_FRAMES);
    expect(contextQuantumFrames(ctx(0))).toBe(RENDER_QUANTUM_FRAMES);
    expect(contextQuantumFrames(ctx('256'))).toBe(RENDER_QUANTUM_FRAMES);
  });

  it('is asked for by renderSizeHint, and not at all for the default', () => {
    expect(renderSizeOptions(441)).toEqual({ renderSizeHint: 441 });
    expect(renderSizeOptions(undefined)).toEqual({});
    expect(renderSizeOptions(RENDER_QUANTUM_FRAMES)).toEqual({});
    expect(() => renderSizeOptions(0)).toThrow(/positive whole number of frames, got 0/);
    expect(() => renderSizeOptions(12.5)).toThrow(/got 12.5/);
  });
});

describe('quantum URL parameter', () => {
  it(`reads ?${QUANTUM_URL_PARAM}=N from the first URL that has it`, () => {
    expect(quantumFromSearch(['?id=x&quantum=441'])).toBe(441);
    expect(quantumFromSearch(['?id=x', '?path=/story/x&quantum=1024'])).toBe(1024);
    expect(quantumFromSearch(['?quantum=64', '?quantum=1024'])).toBe(64);
    expect(quantumFromSearch([null, undefined, ''])).toBeUndefined();
    expect(quantumFromSearch(['?args=quantum:441'])).toBeUndefined();
  });

  it('ignores a value that is not a whole number of frames from 1 to 16384', () => {
    for (const bad of ['0', '-128', '12.5', 'abc', '', '1e3', '16385'])
      expect(quantumFromSearch([`?quantum=${bad}`, '?quantum=256']), bad).toBeUndefined();
    expect(quantumFromSearch(['?quantum=16384'])).toBe(16384);
  });
});
