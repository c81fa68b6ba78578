/**
 * Measured magnitude response from input/output frames: Welch-averaged H1 estimate
 * |Σ Y X*| / Σ |X|² per bin (Hann window), the "noise in, averaged FFT ratio out/in" the EQ story
 * overlays on the designed response. Pure; allocates once per size.
 */
import { complexFft, periodicWindow } from '../fft/reference.ts';

export class ResponseMeter {
  readonly size: number;
  private readonly window: Float64Array;
  private readonly xr: Float64Array;
  private readonly xi: Float64Array;
  private readonly yr: Float64Array;
  private readonly yi: Float64Array;
  private readonly sxx: Float64Array;
  private readonly syxR: Float64Array;
  private readonly syxI: Float64Array;
  frames = 0;

  constructor(size: number) {
    this.size = size;
    this.window = periodicWindow('hann', 0, size);
    this.xr = new Float64Array(size);
    this.xi = new Float64Array(size);
    this.yr = new Float64Array(size);
    this.yi = new Float64Array(size);
    this.sxx = new Float64Array(size / 2 + 1);
    this.syxR = new Float64Array(size / 2 + 1);
    this.syxI = new Float64Array(size / 2 + 1);
  }

  reset(): void {
    this.sxx.fill(0);
    this.syxR.fill(0);
    this.syxI.fill(0);
    this.frames = 0;
  }

  /** Adds one frame pair (input, output), each `size` samples. */
  add(input: ArrayLike<number>, output: ArrayLike<number>): void {
    const n = this.size;
    for (let i = 0; i < n; i++) {
      this.xr[i] = input[i]! * this.window[i]!;
      this.yr[i] = output[i]! * this.window[i]!;
    }
    this.xi.fill(0);
    this.yi.fill(0);
    complexFft(this.xr, this.xi);
    complexFft(this.yr, this.yi);
    for (let k = 0; k <= n / 2; k++) {
      const xr = this.xr[k]!,
        xi = this.xi[k]!,
        yr = this.yr[k]!,
        yi = this.yi[k]!;
      this.sxx[k] = this.sxx[k]! + xr * xr + xi * xi;
      this.syxR[k] = this.syxR[k]! + yr * xr + yi * xi;
      this.syxI[k] = this.syxI[k]! + yi * xr - yr * xi;
    }
    this.frames++;
  }

  /** Magnitude of the estimate at bin k, dB (NaN where the input had no energy). */
  responseDb(k: number): number {
    const sxx = this.sxx[k]!;
    if (!(sxx > 0)) return NaN;
    return 20 * Math.log10(Math.hypot(this.syxR[k]!, this.syxI[k]!) / sxx);
  }

  /** Frequency of bin k. */
  binHz(k: number, sampleRate: number): number {
    return (k * sampleRate) / this.size;
  }
}
