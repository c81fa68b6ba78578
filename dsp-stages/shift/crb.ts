/**
 * The Cramér-Rao bound (CRB) for estimating the delay `tau` between a reference `s(n)` and its
 * delayed copy in white Gaussian noise, for the shift stage's accuracy sweep and its notes.
 *
 * # Clean reference (the signal known exactly, noise on the input only)
 *
 * For `x(n) = s(n - tau) + w(n)`, `w` white with variance `sigma^2`, the Fisher information is
 * `J = sum_n (d s(n - tau) / d tau)^2 / sigma^2 = sum_n s'(n)^2 / sigma^2`, so
 *
 * ```text
 * var(tau^) >= 1 / (SNR_E beta^2),   SNR_E = sum_n s(n)^2 / sigma^2,   beta^2 = sum_n s'(n)^2 / sum_n s(n)^2
 * ```
 *
 * `SNR_E` is the frame's energy signal-to-noise ratio (`N` times the per-sample SNR for a white
 * signal of that power) and `beta^2` its mean-square (RMS) bandwidth in (rad/sample)^2. With the
 * frame taken as periodic and band-limited (the model of the stage's correlation), Parseval gives
 * `beta^2` from the DFT `X_k`:
 *
 * ```text
 * beta^2 = sum_k w_k^2 |X_k|^2 / sum_k |X_k|^2,   w_k = 2 pi k / N,   k = -N/2+1 .. N/2
 * ```
 *
 * which, over the half spectrum `k = 0 .. N/2` of a real signal, counts bins `1 .. N/2-1` twice
 * and bins 0 and N/2 once ({@link rmsBandwidth2}); the plain one-sided ratio differs by O(1/N).
 * A white (flat) spectrum gives `beta^2 = pi^2/3 (1 + 2/N^2)`, about `pi^2/3 = 3.29`
 * ({@link whiteBeta2}).
 *
 * # Both channels noisy
 *
 * With independent white noise of the same variance on the reference as well
 * (`r(n) = s(n) + w_r(n)`, per-sample SNR `rho` on each channel), the bound grows by a factor
 * ({@link noisyReferenceFactor}):
 *
 * ```text
 * var(tau^) >= (2 + 1/rho) / (SNR_E beta^2)    ~ 2 / (SNR_E beta^2) at high SNR
 * ```
 *
 * `SNR_E` being the per-channel energy SNR. The 2 is exact for an unknown deterministic signal
 * (per DFT bin, projecting out the unknown `S_k` halves the information on `tau`); the `1/rho`
 * is the Gaussian random-signal bound's (Knapp-Carter: per bin `|g|^2 / (1 - |g|^2)` with the
 * coherence `|g|^2 = rho^2 / (1 + rho)^2`, i.e. `rho^2 / (1 + 2 rho)`), the noise-times-noise
 * term that plain cross-correlation pays too. It matters at low SNR only: +5 % at 10 dB, +50 % at
 * 0 dB, x6 at -10 dB. {@link NOISY_REFERENCE_FACTOR_HIGH_SNR} is the high-SNR factor alone.
 *
 * # Any reference spectrum (per-bin SNR)
 *
 * The formulas above take one SNR for the whole band: right for a white reference only. In
 * general each DFT bin `k` (an independent complex pair for `0 < k < N/2`) has its own SNR, the
 * clean reference's power in that bin over the noise's,
 *
 * ```text
 * rho_k = |S_k|^2 / (N sigma^2)          (a white reference at per-sample SNR rho: rho_k ~ rho)
 * ```
 *
 * and the Fisher information adds up over the bins ({@link spectralCrbVariance}):
 *
 * ```text
 * clean reference:  var(tau^) >= 1 / sum_k 2 w_k^2 rho_k
 * both noisy:       var(tau^) >= 1 / sum_k 2 w_k^2 rho_k^2 / (1 + 2 rho_k)
 * ```
 *
 * summed over the half spectrum `k = 1 .. N/2` (the Nyquist bin once, with half the weight: the
 * full-spectrum count {@link rmsBandwidth2} uses; the DC bin has `w_0 = 0`). The clean sum is
 * `sum_n s'(n)^2 / sigma^2 = SNR_E beta^2`; the noisy one is Knapp and Carter's
 * `sum 2 w^2 |g_k|^2 / (1 - |g_k|^2)` with the coherence of each bin. Bin by bin, the noisy
 * reference divides the clean information by the white formula's factor `2 + 1/rho_k`, so a flat
 * spectrum (`rho_k = rho`) gives back `(2 + 1/rho) / (SNR_E beta^2)` exactly. A coloured one does
 * not: bins of low SNR (an empty band, the top of a pink spectrum) contribute about
 * `2 w_k^2 rho_k^2`, next to nothing, where one band-wide SNR would credit them with a share.
 *
 * The factor is an expectation (the noise-times-noise term of a Gaussian reference), so it takes
 * the reference process's expected per-bin SNR `E rho_k` (its spectral density over the noise's);
 * the information `2 w_k^2 rho_k` can take the realised frame's. With both the same this is the
 * Gaussian bound above; the sweep gives the realised `rho_k` and the shape's `E rho_k`, which for a
 * white reference is the per-trial `(2 + 1/rho) sigma^2 / sum_n s'(n)^2` it used before.
 *
 * Pure; no Node or DOM imports.
 */

/** The factor on the variance bound for a noisy reference in the high-SNR limit (or for a deterministic signal). */
export const NOISY_REFERENCE_FACTOR_HIGH_SNR = 2;

/**
 * The factor on the variance bound when the reference carries white noise at the same per-sample
 * SNR `rho` (linear power ratio) as the input: `2 + 1/rho`. Infinity gives the high-SNR 2.
 */
export function noisyReferenceFactor(rho: number): number {
  if (!(rho > 0)) throw new RangeError(`the per-sample SNR must be > 0, got ${rho}`);
  return NOISY_REFERENCE_FACTOR_HIGH_SNR + 1 / rho;
}

/** The RMS bandwidth squared of white noise in the limit of long frames, (rad/sample)^2: pi^2/3. */
export const WHITE_BETA2_LIMIT = (Math.PI * Math.PI) / 3;

/**
 * `beta^2` of an exactly flat spectrum of `n` points (`n` even):
 * `(1/n) sum_{k=-n/2+1}^{n/2} (2 pi k / n)^2 = pi^2/3 (1 + 2/n^2)`.
 */
export function whiteBeta2(n: number): number {
  return WHITE_BETA2_LIMIT * (1 + 2 / (n * n));
}

/** `N` times the per-sample SNR (`snrDb` in dB): the energy SNR of an `n`-sample frame. */
export function energySnr(n: number, snrDb: number): number {
  return n * Math.pow(10, snrDb / 10);
}

/**
 * `beta^2` from a real signal's half spectrum: `spectrum` holds `N + 2` numbers, interleaved
 * `re, im` of bins `0 ..= N/2` (the layout of the stage's real FFT), weighted as the full
 * Hermitian spectrum (bins 1 .. N/2-1 twice). NaN for an all-zero spectrum.
 */
export function rmsBandwidth2(spectrum: ArrayLike<number>): number {
  const half = (spectrum.length - 2) / 2;
  if (!(Number.isInteger(half) && half >= 1))
    throw new RangeError(`a half spectrum has N + 2 numbers (N even, >= 2), got ${spectrum.length}`);
  const n = 2 * half;
  let num = 0;
  let den = 0;
  for (let k = 0; k <= half; k++) {
    const p = spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2;
    const weight = k === 0 || k === half ? 1 : 2;
    const w = (2 * Math.PI * k) / n;
    num += weight * w * w * p;
    den += weight * p;
  }
  return num / den;
}

/**
 * `beta^2` of a real frame (`N` samples, any length >= 2) by a direct O(N^2) DFT: for tests and
 * one-off figures, not for loops.
 */
export function rmsBandwidth2OfFrame(frame: ArrayLike<number>): number {
  const n = frame.length;
  if (n < 2) throw new RangeError(`a frame needs at least 2 samples, got ${n}`);
  // the full spectrum, k = -ceil(N/2)+1 .. floor(N/2) (for even N the Nyquist bin once)
  let num = 0;
  let den = 0;
  const lo = -Math.ceil(n / 2) + 1;
  const hi = Math.floor(n / 2);
  for (let k = lo; k <= hi; k++) {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const a = (-2 * Math.PI * k * i) / n;
      re += frame[i]! * Math.cos(a);
      im += frame[i]! * Math.sin(a);
    }
    const w = (2 * Math.PI * k) / n;
    const p = re * re + im * im;
    num += w * w * p;
    den += p;
  }
  return num / den;
}

/**
 * The bound on the delay variance, samples^2: `factor / (snrE beta2)`; `factor` 1 for a clean
 * reference, {@link noisyReferenceFactor} when both channels carry noise at the same SNR.
 */
export function crbVariance(snrE: number, beta2: number, factor = 1): number {
  if (!(snrE > 0) || !(beta2 > 0) || !(factor >= 1)) {
    throw new RangeError(`the CRB needs snrE > 0, beta2 > 0 and factor >= 1, got ${snrE}, ${beta2} and ${factor}`);
  }
  return factor / (snrE * beta2);
}

/** The CRB as a standard deviation, samples: `sqrt(factor / (snrE beta2))` (see {@link crbVariance}). */
export function crbStd(snrE: number, beta2: number, factor = 1): number {
  return Math.sqrt(crbVariance(snrE, beta2, factor));
}

/**
 * The CRB std of a white Gaussian signal at a per-sample SNR (dB) over an `n`-sample frame:
 * `SNR_E = N 10^(snrDb/10)`, the flat-spectrum `beta2` of {@link whiteBeta2}, and the factor
 * `2 + 1/rho` when the reference is noisy too.
 */
export function whiteCrbStd(n: number, snrDb: number, noisyReference = false): number {
  const factor = noisyReference ? noisyReferenceFactor(Math.pow(10, snrDb / 10)) : 1;
  return crbStd(energySnr(n, snrDb), whiteBeta2(n), factor);
}

/**
 * The share of a bin's clean-reference information left when the reference is as noisy as the
 * input, at the bin's expected SNR `rho` (linear, >= 0): `1 / (2 + 1/rho) = rho / (1 + 2 rho)`,
 * 0 for an empty bin, 1/2 in the high-SNR limit.
 */
export function noisyReferenceShare(rho: number): number {
  if (!(rho >= 0)) throw new RangeError(`a per-bin SNR must be >= 0, got ${rho}`);
  return rho === Infinity ? 1 / NOISY_REFERENCE_FACTOR_HIGH_SNR : rho / (1 + NOISY_REFERENCE_FACTOR_HIGH_SNR * rho);
}

/**
 * Per-bin SNRs `|S_k|^2 / (N noiseVariance)`, `k = 0 ..= N/2`, of a clean reference's half
 * spectrum (`N + 2` numbers, interleaved `re, im`, the layout of the stage's real FFT) against
 * white noise of variance `noiseVariance` per sample.
 */
export function binSnr(spectrum: ArrayLike<number>, noiseVariance: number): Float64Array {
  const half = (spectrum.length - 2) / 2;
  if (!(Number.isInteger(half) && half >= 1))
    throw new RangeError(`a half spectrum has N + 2 numbers (N even, >= 2), got ${spectrum.length}`);
  if (!(noiseVariance > 0 && Number.isFinite(noiseVariance)))
    throw new RangeError(`the noise variance must be finite and > 0, got ${noiseVariance}`);
  const scale = 1 / (2 * half * noiseVariance);
  const out = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) out[k] = (spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2) * scale;
  return out;
}

/**
 * The Fisher information on the delay, 1/samples^2, from per-bin SNRs `snr[k]`, `k = 0 ..= N/2`
 * ({@link binSnr}; N/2 + 1 values, N even): `sum_k m_k w_k^2 snr_k` (`m_k` 2, or 1 for the DC
 * and Nyquist bins; `w_k = 2 pi k / N`) with a clean reference; with a noisy one each term times
 * {@link noisyReferenceShare} of `expectedSnr[k]` (default: `snr` itself, the Gaussian bound).
 */
export function delayFisherInformation(snr: ArrayLike<number>, noisyReference: boolean, expectedSnr: ArrayLike<number> = snr): number {
  const half = snr.length - 1;
  if (!(half >= 1)) throw new RangeError(`per-bin SNRs cover bins 0..N/2 (N/2 + 1 values, N >= 2), got ${snr.length}`);
  if (expectedSnr.length !== snr.length) throw new RangeError(`expectedSnr needs ${snr.length} values like snr, got ${expectedSnr.length}`);
  const n = 2 * half;
  let j = 0;
  for (let k = 0; k <= half; k++) {
    const rho = snr[k]!;
    if (!(rho >= 0 && rho < Infinity)) throw new RangeError(`a per-bin SNR must be finite and >= 0, got ${rho} at bin ${k}`);
    const w = (2 * Math.PI * k) / n;
    const term = (k === 0 || k === half ? 1 : 2) * w * w * rho;
    j += noisyReference ? term * noisyReferenceShare(expectedSnr[k]!) : term;
  }
  return j;
}

/**
 * The CRB on the delay variance, samples^2, for any reference spectrum: `1 / J` with J of
 * {@link delayFisherInformation}. Infinity when no bin carries information. For a flat spectrum
 * it equals {@link crbVariance}`(SNR_E, beta^2, factor)` of the white formulas.
 */
export function spectralCrbVariance(snr: ArrayLike<number>, noisyReference: boolean, expectedSnr: ArrayLike<number> = snr): number {
  return 1 / delayFisherInformation(snr, noisyReference, expectedSnr);
}

/** {@link spectralCrbVariance} as a standard deviation, samples. */
export function spectralCrbStd(snr: ArrayLike<number>, noisyReference: boolean, expectedSnr: ArrayLike<number> = snr): number {
  return Math.sqrt(spectralCrbVariance(snr, noisyReference, expectedSnr));
}
