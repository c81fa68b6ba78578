/** Checks of renders with hostile input: the stage's contract for them, and recovery afterwards. */
import { COUNT_UNITS, RENDER_QUANTUM_FRAMES, type StageDescriptor } from '../types.ts';
import type { Check } from './check.ts';
import { compareSamples, formatFigure as fmt, isSubnormalF32, nonFiniteCount, nonFiniteQuanta, timesGain } from './numbers.ts';
import { figureValue, type HostileContract } from '../conformance-types.ts';

const Q = RENDER_QUANTUM_FRAMES;

/** Figures that count events (COUNT_UNITS): the ones `checkRecovery` leaves out, by position: left out where figures must equal a clean render's. */
export function counterFigures(stage: StageDescriptor): number[] {
  return (stage.figures ?? []).flatMap((f, i) => (COUNT_UNITS.has(f.unit) ? [i] : []));
}

export interface HostileRender {
  /** `during`: a hostile segment runs to the end of the render; `after`: clean audio followed every one. */
  phase: 'during' | 'after';
  input: Float32Array;
  /** The audio output (null for a stage without one). */
  output: Float32Array | null;
  /** The stage's figures after the render. */
  figures: ArrayLike<number>;
}

/**
 * What the stage's contract says of the output and counters of a render with hostile samples
 * (`r.figures` in the order of `figureNames`, the stage's `figures`).
 * Subnormal products that came out as ±0 are counted, not failed: Chromium's audio thread
 * flushes subnormals to zero (FTZ/DAZ), for wasm and JS alike.
 */
export function checkHostileOutput(contract: HostileContract, r: HostileRender, figureNames: readonly string[]): Check[] {
  const checks: Check[] = [];
  const badQuanta = nonFiniteQuanta(r.input);
  const out = r.output;
  switch (contract.kind) {
    case 'bit-exact-copy': {
      if (!out) return [{ check: 'audio output exists', figure: 'none', ok: false }];
      const c = compareSamples(out, r.input);
      checks.push({
        check: 'output = input, bit for bit',
        figure: `${c.bitMismatches} of ${c.length} differ; ${nonFiniteCount(out)} non-finite passed through`,
        ok: c.bitMismatches === 0,
      });
      break;
    }
    case 'times-gain': {
      if (!out) return [{ check: 'audio output exists', figure: 'none', ok: false }];
      const expected = timesGain(r.input, contract.gain);
      let wrong = 0,
        flushed = 0;
      for (let i = 0; i < out.length; i++) {
        const a = out[i]!,
          e = expected[i]!;
        if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
        if (a === 0 && (isSubnormalF32(e) || isSubnormalF32(r.input[i]!))) flushed++;
        else wrong++;
      }
      checks.push({
        check: `output = input × ${contract.gain} (NaN stays NaN, Inf stays Inf)`,
        figure: `${wrong} wrong; ${nonFiniteCount(out)} non-finite; ${flushed} subnormal products flushed to 0`,
        ok: wrong === 0,
      });
      break;
    }
    case 'silence-and-count': {
      if (!out) return [{ check: 'audio output exists', figure: 'none', ok: false }];
      let loud = 0;
      for (const q of badQuanta) for (let i = q * Q; i < (q + 1) * Q; i++) if (out[i] !== 0) loud++;
      const nf = nonFiniteCount(out);
      checks.push({ check: 'no NaN or Inf in the output', figure: `${nf} non-finite samples`, ok: nf === 0 });
      checks.push({
        check: 'quanta with NaN/Inf input come out silent',
        figure: `${badQuanta.length} such quanta, ${loud} non-zero samples in them`,
        ok: loud === 0,
      });
      const counted = figureValue(figureNames, r.figures, contract.counterFigure);
      const name = contract.counterFigure;
      if (r.phase === 'after') {
        checks.push({
          check: `${name} counts them`,
          figure: `${fmt(counted, 0)} counted, ${badQuanta.length} expected`,
          ok: counted === badQuanta.length,
        });
      } else {
        // the figure is published with each visual frame, so it may not include the newest quanta yet
        checks.push({
          check: `${name} counts them, as of its last published frame`,
          figure: `${fmt(counted, 0)} counted of ${badQuanta.length} so far`,
          ok: counted > 0 && counted <= badQuanta.length,
        });
      }
      break;
    }
    case 'analysis-only':
      break;
    case 'analysis-and-count': {
      const counted = figureValue(figureNames, r.figures, contract.counterFigure);
      const name = contract.counterFigure;
      const segments = badQuanta.filter((q, i) => i === 0 || badQuanta[i - 1] !== q - 1).length;
      if (segments === 0) {
        checks.push({ check: `${name} stays 0 (the input is finite)`, figure: `${fmt(counted, 0)} counted`, ok: counted === 0 });
      } else if (r.phase === 'after') {
        // each NaN/Inf stretch is longer than a hop, so at least one analysed frame holds it
        checks.push({
          check: `${name} counts at least one analysis per NaN/Inf stretch`,
          figure: `${fmt(counted, 0)} counted, ${segments} stretches`,
          ok: counted >= segments,
        });
      } else {
        checks.push({
          check: `${name} counts them, as of its last published frame`,
          figure: `${fmt(counted, 0)} counted`,
          ok: counted > 0,
        });
      }
      break;
    }
    case 'undeclared': {
      if (!out) break;
      const bad = new Set(badQuanta);
      let stray = 0;
      for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!) && !bad.has(Math.floor(i / Q))) stray++;
      checks.push({
        check: 'non-finite output only in quanta whose input was non-finite',
        figure: `${stray} stray non-finite samples`,
        ok: stray === 0,
      });
      break;
    }
  }
  const nonFiniteFigures = figureNames.filter((_, i) => !Number.isFinite(r.figures[i]!));
  if (figureNames.length > 0) {
    checks.push({
      check: 'figures stay finite',
      figure: figureNames.map((n, i) => `${n} ${fmt(r.figures[i]!, 3)}`).join(', '),
      ok: nonFiniteFigures.length === 0,
    });
  }
  return checks;
}

/**
 * No stuck state: the last `tail` samples of `after.output` and the figures equal those of a
 * render that never saw the hostile samples (counters excepted). Pass outputs cut to end where the
 * clean stretch after a segment ends, and empty figure names to compare samples only.
 */
export function checkRecovery(
  after: { output: Float32Array | null; figures: ArrayLike<number> },
  clean: { output: Float32Array | null; figures: ArrayLike<number> },
  tail: number,
  tolerance: number,
  figureNames: readonly string[],
  counters: readonly number[],
): Check[] {
  const checks: Check[] = [];
  if (after.output && clean.output) {
    const a = after.output.subarray(after.output.length - tail),
      b = clean.output.subarray(clean.output.length - tail);
    const c = compareSamples(a, b);
    const nf = nonFiniteCount(a);
    checks.push(
      tolerance === 0
        ? {
            check: `clean again: last ${tail} samples = clean render's, bit for bit`,
            figure: `${c.bitMismatches} differ, ${nf} non-finite`,
            ok: c.bitMismatches === 0 && nf === 0,
          }
        : {
            check: `clean again: last ${tail} samples within ${tolerance} of the clean render's`,
            figure: `max |diff| ${fmt(c.maxAbsDiff)}, ${nf} non-finite`,
            ok: nf === 0 && c.finiteMismatches === 0 && c.maxAbsDiff <= tolerance,
          },
    );
  }
  const compared = figureNames.map((n, i) => ({ n, i })).filter(({ i }) => !counters.includes(i));
  if (compared.length > 0) {
    const diffs = compared.map(({ n, i }) => ({ n, a: after.figures[i]!, b: clean.figures[i]! }));
    const ok = diffs.every(({ a, b }) => Number.isFinite(a) && Object.is(a, b));
    checks.push({
      check: "clean again: figures = clean render's",
      figure: diffs.map(({ n, a, b }) => `${n} ${fmt(a, 4)} vs ${fmt(b, 4)}`).join(', '),
      ok,
    });
  }
  return checks;
}
