//! The spectrum stage used by the worklet: window, real FFT, magnitude in dBFS and a fractional
//! peak estimate, over the newest `N` samples of the input ring.
//!
//! [`FftStage::new`] allocates the window, the frame, the FFT plan, the spectrum and the dB
//! array; [`FftStage::process`] never allocates and never panics. The host decides how often to
//! run it (every hop): the stage keeps no history.
//!
//! # Levels
//!
//! `db[k] = 20 log10(|X(k)| / (N cg / 2))`, where `cg` is the window's coherent gain, so a
//! bin-centred sine of amplitude 1 (full scale) reads 0 dBFS at its bin whatever the window; a
//! sine between bins reads lower by the window's scalloping loss (up to 1.42 dB for Hann, 3.92 dB
//! for rectangular), which the interpolated [`FftStage::peak_db`] recovers. Values are floored at
//! [`DB_FLOOR`]. Noise levels must further be divided by the ENBW ([`FftStage::enbw_bins`]).
//!
//! # Peak
//!
//! The strongest bin `k` in `1 ..= N/2` (DC ignored) is refined to a fractional bin by a
//! parabola through the log-power of bins `k-1, k, k+1` (exact for a Gaussian mainlobe, and close
//! for Hann and Kaiser: within 0.006 bin for Kaiser(9), 0.016 bin for Hann), then by Newton
//! steps on the windowed frame's DTFT power evaluated directly at the fractional frequency (one
//! O(N) pass per step; one step is typical), which removes the parabola's residual bias: the
//! frequency is then within ~1e-4 bin and the level within ~0.001 dB for a clean sine.
//!
//! # Cost (wasm SIMD, N = 32768)
//!
//! About 150 us per [`FftStage::process`]: 55 us FFT, 35 us for the Newton step, the rest for
//! the copy, the window and the dB conversion.

use crate::fft::{AlignedBuf, RealFft};
use crate::ring::Ring;
use crate::window::{coherent_gain, enbw_bins, fill_window, WindowKind};

/// The dB value of silence (and the floor of every dB value).
pub const DB_FLOOR: f32 = -300.0;

/// Largest Kaiser beta accepted (larger values are clamped).
pub const MAX_BETA: f32 = 20.0;

/// Most Newton iterations on the DTFT power after the parabolic fit, each one O(N) evaluation of
/// the windowed frame's DTFT and two derivatives. For Kaiser and Hann the parabola is within
/// ~0.016 bin and one step lands within ~1e-4 bin, so one evaluation is typical; the
/// rectangular window's sinc mainlobe can take more.
pub const NEWTON_STEPS: usize = 3;

/// `10 / ln(10)`: converts a natural log of power to dB.
const DB_PER_NEPER_POWER: f64 = 4.342_944_819_032_518;

/// Window, FFT, dB spectrum and peak for one frame size.
pub struct FftStage {
    fft: RealFft,
    kind: WindowKind,
    beta: f32,
    window: AlignedBuf,
    frame: AlignedBuf,
    spectrum: AlignedBuf,
    db: AlignedBuf,
    coherent_gain: f64,
    enbw: f64,
    /// `1 / (N cg / 2)^2`: scales power so that a full-scale bin-centred sine reads 1.
    inv_ref2: f64,
    peak_bin: f64,
    peak_db: f32,
    newton_steps: usize,
}

impl FftStage {
    /// Allocates a stage for frames of `size` samples (a power of two in 512 ..= 32768) with the
    /// given window. `None` for an unsupported size, or a beta that is not finite. Beta is
    /// clamped to `0 ..= MAX_BETA` (used by Kaiser only).
    pub fn new(size: usize, kind: WindowKind, beta: f32) -> Option<FftStage> {
        let fft = RealFft::new(size)?;
        let mut stage = FftStage {
            fft,
            kind,
            beta: 0.0,
            window: AlignedBuf::zeroed(size),
            frame: AlignedBuf::zeroed(size),
            spectrum: AlignedBuf::zeroed(size + 2),
            db: AlignedBuf::from_slice(&vec![DB_FLOOR; size / 2 + 1]),
            coherent_gain: 1.0,
            enbw: 1.0,
            inv_ref2: 1.0,
            peak_bin: 0.0,
            peak_db: DB_FLOOR,
            newton_steps: NEWTON_STEPS,
        };
        if stage.set_window(kind, beta) {
            Some(stage)
        } else {
            None
        }
    }

    /// Recomputes the window (allocates nothing). Returns `false`, changing nothing, if `beta`
    /// is NaN or infinite; finite values are clamped to `0 ..= MAX_BETA`.
    pub fn set_window(&mut self, kind: WindowKind, beta: f32) -> bool {
        if !beta.is_finite() {
            return false;
        }
        let beta = beta.clamp(0.0, MAX_BETA);
        fill_window(kind, beta as f64, &mut self.window);
        self.kind = kind;
        self.beta = beta;
        self.coherent_gain = coherent_gain(&self.window);
        self.enbw = enbw_bins(&self.window);
        let reference = self.window.len() as f64 * self.coherent_gain / 2.0;
        self.inv_ref2 = 1.0 / (reference * reference);
        true
    }

    /// Sets the number of Newton steps refining the peak (0: parabolic fit only).
    pub fn set_newton_steps(&mut self, steps: usize) {
        self.newton_steps = steps;
    }

    pub fn size(&self) -> usize {
        self.fft.size()
    }

    pub fn window_kind(&self) -> WindowKind {
        self.kind
    }

    /// The beta in use (after clamping).
    pub fn beta(&self) -> f32 {
        self.beta
    }

    pub fn window(&self) -> &[f32] {
        &self.window
    }

    pub fn coherent_gain(&self) -> f64 {
        self.coherent_gain
    }

    pub fn enbw_bins(&self) -> f64 {
        self.enbw
    }

    /// Interleaved `re, im` of bins `0 ..= N/2` (`N + 2` floats) of the windowed frame.
    pub fn spectrum(&self) -> &[f32] {
        &self.spectrum
    }

    /// `N/2 + 1` magnitudes in dBFS (see the module docs), floored at [`DB_FLOOR`].
    pub fn db(&self) -> &[f32] {
        &self.db
    }

    /// The peak's fractional bin (multiply by `fs / N` for Hz); 0 before the first process.
    pub fn peak_bin(&self) -> f64 {
        self.peak_bin
    }

    /// The peak's interpolated level in dBFS.
    pub fn peak_db(&self) -> f32 {
        self.peak_db
    }

    /// Plain real FFT of `input` (`N` samples) into `out` (`N + 2` floats): no window, no dB.
    /// Returns `false` if a length is wrong. Never allocates.
    pub fn transform(&mut self, input: &[f32], out: &mut [f32]) -> bool {
        self.fft.process(input, out)
    }

    /// Plain real FFT of `input` (`N` samples) into the stage's own spectrum buffer (what
    /// [`FftStage::spectrum`] returns); dB and peak are left as they were. Returns `false` on a
    /// wrong length. Never allocates.
    pub fn transform_to_spectrum(&mut self, input: &[f32]) -> bool {
        self.fft.process(input, &mut self.spectrum)
    }

    /// Analyses the newest `N` samples of `ring`. Returns `false` if the ring is shorter than
    /// `N`. Never allocates.
    pub fn process(&mut self, ring: &Ring) -> bool {
        if !ring.read_latest(&mut self.frame) {
            return false;
        }
        self.analyse();
        true
    }

    /// Analyses `samples` (exactly `N` of them, oldest first). Returns `false` on a wrong length.
    pub fn process_frame(&mut self, samples: &[f32]) -> bool {
        if samples.len() != self.frame.len() {
            return false;
        }
        self.frame.copy_from_slice(samples);
        self.analyse();
        true
    }

    /// Window, FFT, dB and peak over `self.frame` (overwritten by the windowed frame).
    fn analyse(&mut self) {
        for (x, w) in self.frame.iter_mut().zip(self.window.iter()) {
            *x *= *w;
        }
        self.fft.process(&self.frame, &mut self.spectrum);

        let best = spectrum_to_db(&self.spectrum, self.inv_ref2 as f32, &mut self.db);
        let (bin, ln_p) = self.refine_peak(best);
        self.peak_bin = bin;
        let db = DB_PER_NEPER_POWER * (ln_p + self.inv_ref2.ln());
        self.peak_db = if db.is_finite() { db.max(DB_FLOOR as f64) as f32 } else { DB_FLOOR };
    }

    /// Power `|X(k)|^2` of bin `k` in f64 (0 outside the spectrum).
    fn bin_power(&self, k: usize) -> f64 {
        match self.spectrum.get(2 * k..2 * k + 2) {
            Some(c) => (c[0] as f64).powi(2) + (c[1] as f64).powi(2),
            None => 0.0,
        }
    }

    /// Fractional bin and natural log of the DTFT power at the peak near bin `k` (`1 <= k <= N/2`).
    fn refine_peak(&self, k: usize) -> (f64, f64) {
        let half = self.frame.len() / 2;
        let p0 = self.bin_power(k);
        if !(p0 > 0.0) {
            return (k as f64, f64::NEG_INFINITY);
        }
        // Parabola through the log-power of k-1, k, k+1. At the Nyquist bin the spectrum is
        // mirrored (|X(N/2+1)| = |X(N/2-1)|), so the vertex is N/2 itself.
        let pm = self.bin_power(k - 1);
        let pp = if k < half { self.bin_power(k + 1) } else { pm };
        let mut f = k as f64;
        let mut ln_peak = p0.ln();
        if pm > 0.0 && pp > 0.0 {
            let (ym, y0, yp) = (pm.ln(), p0.ln(), pp.ln());
            let curv = ym - 2.0 * y0 + yp;
            if curv < 0.0 {
                let d = (0.5 * (ym - yp) / curv).clamp(-0.5, 0.5);
                f += d;
                ln_peak = y0 - 0.25 * (ym - yp) * d;
            }
        }
        // Newton steps on P(f) = |sum_n w x(n) e^{-2 pi i f n / N}|^2, the exact windowed
        // spectrum between bins: f <- f - P'(f) / P''(f), accepted only while P'' < 0 and the
        // estimate stays within one bin of the strongest bin. The level is the quadratic model's
        // maximum, P - P'^2 / (2 P''). A step below 0.02 bin leaves an error of order 1e-4 bin
        // (Newton converges quadratically), so one evaluation suffices for Kaiser and Hann,
        // whose parabola is within 0.016 bin; the rectangular window may take more.
        let mut evaluations = 0;
        while evaluations < self.newton_steps {
            evaluations += 1;
            let (p, d1, d2) = dtft_power_derivatives(&self.frame, f);
            if !(p > 0.0) || !(d2 < 0.0) {
                break;
            }
            let step = -d1 / d2;
            let next = f + step;
            if !next.is_finite() || (next - k as f64).abs() > 1.0 || next > half as f64 {
                break;
            }
            f = next;
            let peak = p + 0.5 * d1 * step; // = P - P'^2 / (2 P'')
            if peak > 0.0 {
                ln_peak = peak.ln();
            }
            if step.abs() < 0.02 {
                break;
            }
        }
        (f, ln_peak)
    }
}

/// `P(f) = |S(f)|^2` with `S(f) = sum_n x(n) e^{-2 pi i f n / N}`, and its first two
/// derivatives in `f`, in f64. One O(N) pass (SIMD `f64x2` in wasm): four interleaved
/// rotation chains of `e^{i omega n}` (`omega = -2 pi f / N`), each advanced by `e^{4 i omega}`
/// per step (an `f64` recurrence drifts by about `n * 1e-16`, far below what the peak needs, so
/// it is never re-anchored).
pub fn dtft_power_derivatives(x: &[f32], f: f64) -> (f64, f64, f64) {
    let n = x.len();
    let omega = -2.0 * core::f64::consts::PI * f / n as f64;
    let s = dtft_sums(x, omega);
    // c = d/df of the exponent = -2 pi i / N = -i a: S' = c S1 = (a S1i, -a S1r), S'' = c^2 S2.
    let a = 2.0 * core::f64::consts::PI / n as f64;
    let (d1r, d1i) = (a * s[3], -a * s[2]);
    let (d2r, d2i) = (-a * a * s[4], -a * a * s[5]);
    let p = s[0] * s[0] + s[1] * s[1];
    // P = S conj(S): P' = 2 Re(S' conj S), P'' = 2 (|S'|^2 + Re(S'' conj S)).
    let p1 = 2.0 * (d1r * s[0] + d1i * s[1]);
    let p2 = 2.0 * (d1r * d1r + d1i * d1i + d2r * s[0] + d2i * s[1]);
    (p, p1, p2)
}

/// `[S0r, S0i, S1r, S1i, S2r, S2i]` with `S_j = sum_n n^j x(n) e^{i omega n}`: the sums behind
/// [`dtft_power_derivatives`]. SIMD in wasm, [`dtft_sums_scalar`] otherwise.
pub fn dtft_sums(x: &[f32], omega: f64) -> [f64; 6] {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::dtft_sums(x, omega)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        dtft_sums_scalar(x, omega)
    }
}

/// The six DTFT sums of [`dtft_power_derivatives`], scalar: four rotation chains (samples
/// `4i + j`), the tail (fewer than 4 samples) directly.
pub fn dtft_sums_scalar(x: &[f32], omega: f64) -> [f64; 6] {
    let (step_i, step_r) = (4.0 * omega).sin_cos();
    let mut er = [0.0f64; 4];
    let mut ei = [0.0f64; 4];
    for j in 0..4 {
        let (s, c) = (omega * j as f64).sin_cos();
        er[j] = c;
        ei[j] = s;
    }
    let mut acc = [0.0f64; 6];
    let mut t = 0.0f64;
    let mut chunks = x.chunks_exact(4);
    for chunk in &mut chunks {
        for j in 0..4 {
            let v = chunk[j] as f64;
            let tj = t + j as f64;
            let (wr, wi) = (v * er[j], v * ei[j]);
            acc[0] += wr;
            acc[1] += wi;
            let (ur, ui) = (tj * wr, tj * wi);
            acc[2] += ur;
            acc[3] += ui;
            acc[4] += tj * ur;
            acc[5] += tj * ui;
            let nr = er[j] * step_r - ei[j] * step_i;
            ei[j] = er[j] * step_i + ei[j] * step_r;
            er[j] = nr;
        }
        t += 4.0;
    }
    for (j, &v) in chunks.remainder().iter().enumerate() {
        let tj = t + j as f64;
        let (s, c) = (omega * tj).sin_cos();
        let (wr, wi) = (v as f64 * c, v as f64 * s);
        acc[0] += wr;
        acc[1] += wi;
        acc[2] += tj * wr;
        acc[3] += tj * wi;
        acc[4] += tj * tj * wr;
        acc[5] += tj * tj * wi;
    }
    acc
}

/// Writes `db[k] = power_to_db(|X(k)|^2 scale)` for every bin of the interleaved `spectrum`
/// and returns the strongest bin in `1 ..` (the first on ties; 1 if there is none). SIMD in
/// wasm. Lengths: `spectrum.len() == 2 db.len()`; otherwise nothing is written and 1 returned.
pub fn spectrum_to_db(spectrum: &[f32], scale: f32, db: &mut [f32]) -> usize {
    if spectrum.len() != 2 * db.len() {
        return 1;
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::spectrum_to_db(spectrum, scale, db)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        spectrum_to_db_scalar(spectrum, scale, db)
    }
}

/// [`spectrum_to_db`] without SIMD.
pub fn spectrum_to_db_scalar(spectrum: &[f32], scale: f32, db: &mut [f32]) -> usize {
    for (bin, d) in spectrum.chunks_exact(2).zip(db.iter_mut()) {
        let (re, im) = (bin[0], bin[1]);
        *d = power_to_db((re * re + im * im) * scale);
    }
    argmax_from_1(db)
}

/// Index of the largest value in `v[1..]` (the first on ties), or 1.
fn argmax_from_1(v: &[f32]) -> usize {
    let mut best = 1;
    let mut best_v = f32::NEG_INFINITY;
    for (k, &x) in v.iter().enumerate().skip(1) {
        if x > best_v {
            best_v = x;
            best = k;
        }
    }
    best
}

/// `10 log10(p)` floored at [`DB_FLOOR`], for `p >= 0`, with a branch-light polynomial log
/// (error below 1e-5 dB + 2e-7 relative, i.e. f32 rounding, over the normal range). `p` below `1e-30` (and NaN) give the
/// floor.
#[inline]
pub fn power_to_db(p: f32) -> f32 {
    if !(p > 1e-30) {
        return DB_FLOOR;
    }
    let bits = p.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // [1, 2)
    if m > core::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln(m) = 2 atanh(z), z = (m - 1)/(m + 1), |z| <= 0.1716.
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let ln_m = 2.0 * z * (1.0 + z2 * (1.0 / 3.0 + z2 * (1.0 / 5.0 + z2 * (1.0 / 7.0 + z2 * (1.0 / 9.0)))));
    let ln_p = e as f32 * core::f32::consts::LN_2 + ln_m;
    (ln_p * DB_PER_NEPER_POWER as f32).max(DB_FLOOR)
}

/// SIMD128 versions of the dB conversion and the DTFT sums.
///
/// The functions are safe wrappers: each checks the lengths it relies on, and the `unsafe`
/// blocks only do unaligned `v128` loads and stores within those checked ranges.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::*;

    /// `power_to_db` on four powers (same formula, vectorised).
    #[inline(always)]
    fn power_to_db4(p: v128) -> v128 {
        let bits = p;
        // Exponent e and mantissa m in [1, 2); m > sqrt(2) -> m / 2, e + 1.
        let e = i32x4_sub(u32x4_shr(v128_and(bits, u32x4_splat(0x7f80_0000)), 23), i32x4_splat(127));
        let m = v128_or(v128_and(bits, u32x4_splat(0x007f_ffff)), u32x4_splat(0x3f80_0000));
        let big = f32x4_gt(m, f32x4_splat(core::f32::consts::SQRT_2));
        let m = v128_bitselect(f32x4_mul(m, f32x4_splat(0.5)), m, big);
        let e = i32x4_sub(e, big); // big lanes are all ones (-1)
        let z = f32x4_div(f32x4_sub(m, f32x4_splat(1.0)), f32x4_add(m, f32x4_splat(1.0)));
        let z2 = f32x4_mul(z, z);
        let mut poly = f32x4_add(f32x4_splat(1.0 / 7.0), f32x4_mul(z2, f32x4_splat(1.0 / 9.0)));
        poly = f32x4_add(f32x4_splat(1.0 / 5.0), f32x4_mul(z2, poly));
        poly = f32x4_add(f32x4_splat(1.0 / 3.0), f32x4_mul(z2, poly));
        poly = f32x4_add(f32x4_splat(1.0), f32x4_mul(z2, poly));
        let ln_m = f32x4_mul(f32x4_mul(f32x4_splat(2.0), z), poly);
        let ln_p = f32x4_add(f32x4_mul(f32x4_convert_i32x4(e), f32x4_splat(core::f32::consts::LN_2)), ln_m);
        let db = f32x4_max(f32x4_mul(ln_p, f32x4_splat(super::DB_PER_NEPER_POWER as f32)), f32x4_splat(super::DB_FLOOR));
        // p <= 1e-30 (and NaN, which fails the comparison) reads the floor.
        v128_bitselect(db, f32x4_splat(super::DB_FLOOR), f32x4_gt(p, f32x4_splat(1e-30)))
    }

    /// See `super::spectrum_to_db`; the caller checked `spectrum.len() == 2 db.len()`.
    pub(super) fn spectrum_to_db(spectrum: &[f32], scale: f32, db: &mut [f32]) -> usize {
        let bins = db.len();
        let full = bins / 4 * 4;
        if spectrum.len() != 2 * bins {
            return 1;
        }
        let sc = f32x4_splat(scale);
        let mut best_v = f32x4_splat(f32::NEG_INFINITY);
        let mut best_i = i32x4_splat(0);
        let mut idx = i32x4(0, 1, 2, 3);
        let mut k = 0;
        while k < full {
            // SAFETY: k + 4 <= full <= bins, so floats 2k .. 2k + 8 of `spectrum` (2 bins long)
            // and 4 of `db` from k are in range.
            let d = unsafe {
                let v0 = v128_load(spectrum.as_ptr().add(2 * k) as *const v128);
                let v1 = v128_load(spectrum.as_ptr().add(2 * k + 4) as *const v128);
                let re = i32x4_shuffle::<0, 2, 4, 6>(v0, v1);
                let im = i32x4_shuffle::<1, 3, 5, 7>(v0, v1);
                let p = f32x4_mul(f32x4_add(f32x4_mul(re, re), f32x4_mul(im, im)), sc);
                let d = power_to_db4(p);
                v128_store(db.as_mut_ptr().add(k) as *mut v128, d);
                d
            };
            // Bin 0 (DC) never wins: its lane compares against -inf only from k = 4 on.
            let better = f32x4_gt(d, best_v);
            let better = if k == 0 { v128_and(better, i32x4(0, -1, -1, -1)) } else { better };
            best_v = v128_bitselect(d, best_v, better);
            best_i = v128_bitselect(idx, best_i, better);
            idx = i32x4_add(idx, i32x4_splat(4));
            k += 4;
        }
        // Reduce the four lanes (largest value, then smallest index), then the scalar tail.
        let mut best = 1usize;
        let mut best_db = f32::NEG_INFINITY;
        let lanes_v = [
            f32x4_extract_lane::<0>(best_v),
            f32x4_extract_lane::<1>(best_v),
            f32x4_extract_lane::<2>(best_v),
            f32x4_extract_lane::<3>(best_v),
        ];
        let lanes_i = [
            i32x4_extract_lane::<0>(best_i),
            i32x4_extract_lane::<1>(best_i),
            i32x4_extract_lane::<2>(best_i),
            i32x4_extract_lane::<3>(best_i),
        ];
        for (&v, &i) in lanes_v.iter().zip(lanes_i.iter()) {
            let i = i as usize;
            if i >= 1 && (v > best_db || (v == best_db && i < best)) {
                best_db = v;
                best = i;
            }
        }
        for (k, (bin, d)) in spectrum.chunks_exact(2).zip(db.iter_mut()).enumerate().skip(full) {
            *d = super::power_to_db((bin[0] * bin[0] + bin[1] * bin[1]) * scale);
            if k >= 1 && *d > best_db {
                best_db = *d;
                best = k;
            }
        }
        best
    }

    /// The six DTFT sums of `super::dtft_power_derivatives`: lanes hold samples `4i + {0, 1}`
    /// and `4i + {2, 3}`, two independent rotation chains advanced by `e^{4 i omega}`.
    pub(super) fn dtft_sums(x: &[f32], omega: f64) -> [f64; 6] {
        let (si, sr) = (4.0 * omega).sin_cos();
        let (step_r, step_i) = (f64x2_splat(sr), f64x2_splat(si));
        let cis = |j: f64| (omega * j).sin_cos();
        let (s0, c0) = cis(0.0);
        let (s1, c1) = cis(1.0);
        let (s2, c2) = cis(2.0);
        let (s3, c3) = cis(3.0);
        let (mut ar, mut ai) = (f64x2(c0, c1), f64x2(s0, s1));
        let (mut br, mut bi) = (f64x2(c2, c3), f64x2(s2, s3));
        let (mut ta, mut tb) = (f64x2(0.0, 1.0), f64x2(2.0, 3.0));
        let four = f64x2_splat(4.0);
        let zero = f64x2_splat(0.0);
        let (mut s0r, mut s0i, mut s1r, mut s1i, mut s2r, mut s2i) = (zero, zero, zero, zero, zero, zero);
        let full = x.len() / 4 * 4;
        let mut n = 0;
        while n < full {
            // SAFETY: n + 4 <= full <= x.len().
            let v = unsafe { v128_load(x.as_ptr().add(n) as *const v128) };
            let va = f64x2_promote_low_f32x4(v);
            let vb = f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(v, v));
            let (war, wai) = (f64x2_mul(va, ar), f64x2_mul(va, ai));
            let (wbr, wbi) = (f64x2_mul(vb, br), f64x2_mul(vb, bi));
            s0r = f64x2_add(s0r, f64x2_add(war, wbr));
            s0i = f64x2_add(s0i, f64x2_add(wai, wbi));
            let (uar, uai) = (f64x2_mul(ta, war), f64x2_mul(ta, wai));
            let (ubr, ubi) = (f64x2_mul(tb, wbr), f64x2_mul(tb, wbi));
            s1r = f64x2_add(s1r, f64x2_add(uar, ubr));
            s1i = f64x2_add(s1i, f64x2_add(uai, ubi));
            s2r = f64x2_add(s2r, f64x2_add(f64x2_mul(ta, uar), f64x2_mul(tb, ubr)));
            s2i = f64x2_add(s2i, f64x2_add(f64x2_mul(ta, uai), f64x2_mul(tb, ubi)));
            let nar = f64x2_sub(f64x2_mul(ar, step_r), f64x2_mul(ai, step_i));
            ai = f64x2_add(f64x2_mul(ar, step_i), f64x2_mul(ai, step_r));
            ar = nar;
            let nbr = f64x2_sub(f64x2_mul(br, step_r), f64x2_mul(bi, step_i));
            bi = f64x2_add(f64x2_mul(br, step_i), f64x2_mul(bi, step_r));
            br = nbr;
            ta = f64x2_add(ta, four);
            tb = f64x2_add(tb, four);
            n += 4;
        }
        let h = |v: v128| f64x2_extract_lane::<0>(v) + f64x2_extract_lane::<1>(v);
        let mut acc = [h(s0r), h(s0i), h(s1r), h(s1i), h(s2r), h(s2i)];
        for (j, &v) in x.iter().enumerate().skip(full) {
            let t = j as f64;
            let (s, c) = (omega * t).sin_cos();
            let (wr, wi) = (v as f64 * c, v as f64 * s);
            acc[0] += wr;
            acc[1] += wi;
            acc[2] += t * wr;
            acc[3] += t * wi;
            acc[4] += t * t * wr;
            acc[5] += t * t * wi;
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_to_db_matches_log10() {
        let mut p = 1e-29f32;
        while p < 1e30 {
            let want = 10.0 * (p as f64).log10();
            let got = power_to_db(p) as f64;
            assert!((got - want).abs() < 1e-5 + 2e-7 * want.abs(), "p {} got {} want {}", p, got, want);
            p *= 1.37;
        }
        assert_eq!(power_to_db(0.0), DB_FLOOR);
        assert_eq!(power_to_db(f32::NAN), DB_FLOOR);
        assert_eq!(power_to_db(1.0), 0.0);
    }

    #[test]
    fn bad_sizes_and_betas_are_rejected() {
        assert!(FftStage::new(100, WindowKind::Hann, 0.0).is_none());
        assert!(FftStage::new(1024, WindowKind::Kaiser, f32::NAN).is_none());
        let mut s = FftStage::new(1024, WindowKind::Kaiser, 50.0).unwrap();
        assert_eq!(s.beta(), MAX_BETA);
        assert!(!s.set_window(WindowKind::Kaiser, f32::INFINITY));
        assert!(s.set_window(WindowKind::Kaiser, -3.0));
        assert_eq!(s.beta(), 0.0);
    }
}
