import { describe, expect, it } from 'vitest';
import { STAGES } from '../dsp-stages/registry.ts';
import { resolveParams } from '../dsp-stages/params.ts';
import { tracePoints } from './StageVisual.tsx';

describe('stage visualisers', () => {
  it('a short frame is traced float by float', () => {
    const frame = Float32Array.from([3, 1, 4, 1, 5]);
    expect(tracePoints(frame, 4)).toEqual([
      { x: 0, y: 3 },
      { x: 1, y: 1 },
      { x: 2, y: 4 },
      { x: 3, y: 1 },
    ]);
  });

  it('a long frame keeps each span’s extremes, in index order, so no peak is lost', () => {
    const frame = Float32Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 50));
    frame[7777] = 9;
    frame[1234] = -9;
    const points = tracePoints(frame, frame.length, 100);
    expect(points.length).toBe(100);
    expect(points.map((p) => p.x)).toEqual([...points.map((p) => p.x)].sort((a, b) => a - b));
    expect(points).toContainEqual({ x: 7777, y: 9 });
    expect(points).toContainEqual({ x: 1234, y: -9 });
  });

  it('a registered stage names a visualiser only when it has a visual frame, one its visualiser can read', () => {
    // a stage with a frame and no visualiser is traced (VisualTrace)
    for (const stage of Object.values(STAGES)) {
      if (!stage.visualiser) continue;
      const { values } = resolveParams(stage.params, {});
      const visualLength = stage.createReferenceKernel(values, 48_000).visualLength ?? 0;
      expect(visualLength, `${stage.id}: visual frame of its ${stage.visualiser.kind}`).toBeGreaterThan(0);
      if (stage.visualiser.kind === 'spectrum') expect(stage.visualiser.fftSize(values) / 2 + 1).toBeLessThanOrEqual(visualLength);
    }
  });
});
