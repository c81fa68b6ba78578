/**
 * A timing measurement that belongs to a bench's current inputs (its stage and parameters, or its
 * chain): the bench bumps `generation` when the inputs change and on unmount, and a measurement,
 * or its error, that ends under an older generation is dropped.
 */
import { useCallback, useRef, useState } from 'react';
import { errorMessage } from '../worklet/errors.ts';

export function useMeasurement<T>(run: () => Promise<T>, onError: (text: string) => void) {
  const generation = useRef(0);
  const [result, setResult] = useState<T | null>(null);
  const [measuring, setMeasuring] = useState(false);
  const measure = useCallback(async () => {
    const gen = generation.current;
    setMeasuring(true);
    try {
      const r = await run();
      if (gen === generation.current) setResult(r);
    } catch (err) {
      if (gen === generation.current) onError(errorMessage(err));
    } finally {
      if (gen === generation.current) setMeasuring(false);
    }
  }, [run, onError]);
  return { generation, result, setResult, measuring, setMeasuring, measure };
}
