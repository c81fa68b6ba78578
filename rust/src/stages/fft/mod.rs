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
//!
//! # As a registered stage
//!
//! [`FftInstance`] (`instance.rs`) is the stage the registry creates: this analysis with its
//! parameters (size, window, beta), figures and saved state. Its C exports (`fft_create`,
//! `fft_begin`, `fft_step`, ...) are in [`exports`]; `selftest.rs` checks the SIMD kernels
//! against the scalar ones.

use crate::fft::{AlignedBuf, RealFft};
use crate::ring::Ring;
use crate::window::{coherent_gain, enbw_bins, fill_window, WindowKind};

pub mod exports;
mod instance;
mod selftest;

pub use instance::{create, FftInstance, BETA, ID, PARAMS, SIZE, WINDOW};

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
    // State of a stepped analysis (see `begin` and `step`).
    phase: Phase,
    /// `inv_ref2` of the window the current frame was multiplied by.
    frame_inv_ref2: f64,
    best: usize,
    best_db: f32,
    f: f64,
    ln_peak: f64,
    evaluations: usize,
    sums: [f64; 6],
    /// Whether the frame of the analysis in progress held NaN or an infinity.
    frame_non_finite: bool,
    /// Completed analyses whose frame held NaN or an infinity (see [`FftStage::non_finite_frames`]).
    non_finite_frames: u32,
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
            phase: Phase::Idle,
            frame_inv_ref2: 1.0,
            best: 1,
            best_db: f32::NEG_INFINITY,
            f: 0.0,
            ln_peak: f64::NEG_INFINITY,
            evaluations: 0,
            sums: [0.0; 6],
            frame_non_finite: false,
            non_finite_frames: 0,
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

    /// Back to the state [`FftStage::new`] leaves, with the same window: no analysis in
    /// progress, spectrum and frame zero, dB values and peak level at the floor, peak bin 0, no
    /// non-finite frames counted, [`NEWTON_STEPS`]. Never allocates.
    pub fn clear(&mut self) {
        self.frame.fill(0.0);
        self.spectrum.fill(0.0);
        self.db.fill(DB_FLOOR);
        self.peak_bin = 0.0;
        self.peak_db = DB_FLOOR;
        self.newton_steps = NEWTON_STEPS;
        self.phase = Phase::Idle;
        self.frame_inv_ref2 = 1.0;
        self.best = 1;
        self.best_db = f32::NEG_INFINITY;
        self.f = 0.0;
        self.ln_peak = f64::NEG_INFINITY;
        self.evaluations = 0;
        self.sums = [0.0; 6];
        self.frame_non_finite = false;
        self.non_finite_frames = 0;
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

    /// Completed analyses whose frame held NaN or an infinity since the stage was made (wrapping).
    /// Their spectrum, dB values and peak level read as silence (the floor), so this count is
    /// what tells such frames apart from silent ones.
    pub fn non_finite_frames(&self) -> u32 {
        self.non_finite_frames
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

    /// Analyses the newest `N` samples of `ring` at once (`begin` then every `step`). Returns
    /// `false` if the ring is shorter than `N`. Never allocates.
    pub fn process(&mut self, ring: &Ring) -> bool {
        if !self.begin(ring) {
            return false;
        }
        while self.step() > 0 {}
        true
    }

    /// Analyses `samples` (exactly `N` of them, oldest first). Returns `false` on a wrong length.
    pub fn process_frame(&mut self, samples: &[f32]) -> bool {
        if samples.len() != self.frame.len() {
            return false;
        }
        self.frame.copy_from_slice(samples);
        self.start_analysis();
        while self.step() > 0 {}
        true
    }

    /// Starts a stepped analysis of the newest `N` samples of `ring`: snapshots and windows
    /// them (an analysis still in progress is abandoned). Then call [`FftStage::step`] until it
    /// returns 0; the results ([`FftStage::spectrum`], `db`, `peak_bin`, `peak_db`) are
    /// complete only then. Returns `false` if the ring is shorter than `N`. Never allocates.
    pub fn begin(&mut self, ring: &Ring) -> bool {
        if !ring.read_latest(&mut self.frame) {
            return false;
        }
        self.start_analysis();
        true
    }

    fn start_analysis(&mut self) {
        self.frame_non_finite = !crate::all_finite(&self.frame);
        for (x, w) in self.frame.iter_mut().zip(self.window.iter()) {
            *x *= *w;
        }
        self.frame_inv_ref2 = self.inv_ref2;
        self.phase = Phase::Fft(0);
    }

    /// Whether a stepped analysis is in progress.
    pub fn busy(&self) -> bool {
        !matches!(self.phase, Phase::Idle)
    }

    /// Runs the next slice of the analysis: one FFT pass, the dB conversion of a chunk of bins
    /// (the last one with the parabolic peak fit), or one chunk of `DTFT_CHUNK` samples of a Newton step's DTFT sums. Each slice is
    /// a fraction of the whole (at N = 32768: eight FFT slices, nine dB slices and four per
    /// Newton step). Returns how many slices at most remain (0 when the analysis is complete or none
    /// was begun). Never allocates.
    pub fn step(&mut self) -> usize {
        let fft_steps = self.fft.steps();
        let chunks = (self.frame.len() + DTFT_CHUNK - 1) / DTFT_CHUNK;
        let bins = self.db.len();
        let db_chunks = (bins + DB_CHUNK - 1) / DB_CHUNK;
        let newton_steps = self.newton_steps;
        let newton_left = move |evaluations: usize, chunk: usize| newton_steps.saturating_sub(evaluations) * chunks - chunk;
        match self.phase {
            Phase::Idle => 0,
            Phase::Fft(i) => {
                self.fft.process_step(i, &self.frame, &mut self.spectrum);
                self.phase = if i + 1 < fft_steps { Phase::Fft(i + 1) } else { Phase::Db(0) };
                fft_steps - i + db_chunks + self.newton_steps * chunks
            }
            Phase::Db(c) => {
                // dB of bins [start, end), and the strongest bin so far (DC excluded; the first
                // on ties, as a single scan from bin 1 would find)
                let start = c * DB_CHUNK;
                let end = (start + DB_CHUNK).min(bins);
                if c == 0 {
                    self.best = 1;
                    self.best_db = f32::NEG_INFINITY;
                }
                if let (Some(spec), Some(db)) = (self.spectrum.get(2 * start..2 * end), self.db.get_mut(start..end)) {
                    // the strongest of the chunk's bins 1.. comes back; its bin 0 is checked here
                    // (except the DC bin), first, so that ties keep the lower bin
                    let local = spectrum_to_db(spec, self.frame_inv_ref2 as f32, db);
                    let first = if start == 0 { None } else { Some(0) };
                    for i in first.into_iter().chain(Some(local)) {
                        if let Some(&v) = db.get(i) {
                            if v > self.best_db {
                                self.best_db = v;
                                self.best = start + i;
                            }
                        }
                    }
                }
                if end < bins {
                    self.phase = Phase::Db(c + 1);
                    return db_chunks - c - 1 + self.newton_steps * chunks;
                }
                let best = self.best;
                self.parabolic_fit(best);
                if self.newton_steps == 0 || !(self.bin_power(best) > 0.0) {
                    self.finish();
                    return 0;
                }
                self.evaluations = 0;
                self.sums = [0.0; 6];
                self.phase = Phase::Newton(0);
                newton_left(0, 0)
            }
            Phase::Newton(chunk) => {
                let n = self.frame.len();
                let omega = -2.0 * core::f64::consts::PI * self.f / n as f64;
                let start = chunk * DTFT_CHUNK;
                let end = (start + DTFT_CHUNK).min(n);
                if let Some(x) = self.frame.get(start..end) {
                    add_sums(&mut self.sums, dtft_sums(x, omega, start as f64));
                }
                if end < n {
                    self.phase = Phase::Newton(chunk + 1);
                    return newton_left(self.evaluations, chunk + 1);
                }
                self.evaluations += 1;
                if self.newton_update() && self.evaluations < self.newton_steps {
                    self.sums = [0.0; 6];
                    self.phase = Phase::Newton(0);
                    return newton_left(self.evaluations, 0);
                }
                self.finish();
                0
            }
        }
    }

    /// Stores the finished peak and ends the analysis.
    fn finish(&mut self) {
        if self.frame_non_finite {
            self.non_finite_frames = self.non_finite_frames.wrapping_add(1);
        }
        self.peak_bin = self.f;
        let db = DB_PER_NEPER_POWER * (self.ln_peak + self.frame_inv_ref2.ln());
        self.peak_db = if db.is_finite() { db.max(DB_FLOOR as f64) as f32 } else { DB_FLOOR };
        self.phase = Phase::Idle;
    }

    /// Power `|X(k)|^2` of bin `k` in f64 (0 outside the spectrum).
    fn bin_power(&self, k: usize) -> f64 {
        match self.spectrum.get(2 * k..2 * k + 2) {
            Some(c) => (c[0] as f64).powi(2) + (c[1] as f64).powi(2),
            None => 0.0,
        }
    }

    /// Parabola through the log-power of bins `k-1, k, k+1` around the strongest bin `k`
    /// (`1 <= k <= N/2`): the starting point of the Newton steps. At the Nyquist bin the
    /// spectrum is mirrored (|X(N/2+1)| = |X(N/2-1)|), so the vertex is N/2 itself.
    fn parabolic_fit(&mut self, k: usize) {
        let half = self.frame.len() / 2;
        self.best = k;
        self.f = k as f64;
        let p0 = self.bin_power(k);
        if !(p0 > 0.0) {
            self.ln_peak = f64::NEG_INFINITY;
            return;
        }
        let pm = self.bin_power(k - 1);
        let pp = if k < half { self.bin_power(k + 1) } else { pm };
        self.ln_peak = p0.ln();
        if pm > 0.0 && pp > 0.0 {
            let (ym, y0, yp) = (pm.ln(), p0.ln(), pp.ln());
            let curv = ym - 2.0 * y0 + yp;
            if curv < 0.0 {
                let d = (0.5 * (ym - yp) / curv).clamp(-0.5, 0.5);
                self.f += d;
                self.ln_peak = y0 - 0.25 * (ym - yp) * d;
            }
        }
    }

    /// One Newton step on P(f) = |sum_n w x(n) e^{-2 pi i f n / N}|^2 from the completed sums,
    /// the exact windowed spectrum between bins: f <- f - P'(f) / P''(f), accepted only while
    /// P'' < 0 and the estimate stays within one bin of the strongest bin. The level is the
    /// quadratic model's maximum, P - P'^2 / (2 P''). A step below 0.02 bin leaves an error of
    /// order 1e-4 bin (Newton converges quadratically), so one evaluation suffices for Kaiser
    /// and Hann, whose parabola is within 0.016 bin; the rectangular window may take more.
    /// Returns whether another step is worth taking.
    fn newton_update(&mut self) -> bool {
        let half = self.frame.len() / 2;
        let (p, d1, d2) = power_derivatives_from_sums(&self.sums, self.frame.len());
        if !(p > 0.0) || !(d2 < 0.0) {
            return false;
        }
        let step = -d1 / d2;
        let next = self.f + step;
        if !next.is_finite() || (next - self.best as f64).abs() > 1.0 || next > half as f64 {
            return false;
        }
        self.f = next;
        let peak = p + 0.5 * d1 * step; // = P - P'^2 / (2 P'')
        if peak > 0.0 {
            self.ln_peak = peak.ln();
        }
        step.abs() >= 0.02
    }
}

/// Where a stepped analysis is.
#[derive(Clone, Copy, Debug)]
enum Phase {
    Idle,
    /// The next FFT step to run.
    Fft(usize),
    /// dB conversion of the next chunk of bins, then (after the last) the parabolic fit.
    Db(usize),
    /// The next chunk of the current Newton step's DTFT sums.
    Newton(usize),
}

/// Bins converted to dB per slice of a stepped analysis (nine slices at N = 32768).
pub const DB_CHUNK: usize = 2048;

/// Samples of the DTFT sums per slice of a stepped analysis (four slices per Newton step at
/// N = 32768, each about as costly as one FFT pass).
pub const DTFT_CHUNK: usize = 8192;

/// `P(f) = |S(f)|^2` with `S(f) = sum_n x(n) e^{-2 pi i f n / N}`, and its first two
/// derivatives in `f`, in f64. One O(N) pass (SIMD `f64x2` in wasm): four interleaved
/// rotation chains of `e^{i omega n}` (`omega = -2 pi f / N`), each advanced by `e^{4 i omega}`
/// per step (an `f64` recurrence drifts by about `n * 1e-16`, far below what the peak needs, so
/// it is never re-anchored).
pub fn dtft_power_derivatives(x: &[f32], f: f64) -> (f64, f64, f64) {
    let omega = -2.0 * core::f64::consts::PI * f / x.len() as f64;
    let mut s = [0.0f64; 6];
    for (c, chunk) in x.chunks(DTFT_CHUNK).enumerate() {
        add_sums(&mut s, dtft_sums(chunk, omega, (c * DTFT_CHUNK) as f64));
    }
    power_derivatives_from_sums(&s, x.len())
}

fn add_sums(acc: &mut [f64; 6], s: [f64; 6]) {
    for (a, v) in acc.iter_mut().zip(s.iter()) {
        *a += *v;
    }
}

/// `(P, P', P'')` at the frequency whose six DTFT sums over a frame of `n` samples are `s`.
fn power_derivatives_from_sums(s: &[f64; 6], n: usize) -> (f64, f64, f64) {
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

/// `[S0r, S0i, S1r, S1i, S2r, S2i]` with `S_j = sum_n t^j x(n) e^{i omega t}`, `t = t0 + n`:
/// the sums behind [`dtft_power_derivatives`] over a chunk of a frame that starts at sample
/// `t0`. SIMD in wasm, [`dtft_sums_scalar`] otherwise.
pub fn dtft_sums(x: &[f32], omega: f64, t0: f64) -> [f64; 6] {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::dtft_sums(x, omega, t0)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        dtft_sums_scalar(x, omega, t0)
    }
}

/// The six DTFT sums of [`dtft_power_derivatives`], scalar: four rotation chains (samples
/// `4i + j`), the tail (fewer than 4 samples) directly.
pub fn dtft_sums_scalar(x: &[f32], omega: f64, t0: f64) -> [f64; 6] {
    let (step_i, step_r) = (4.0 * omega).sin_cos();
    let mut er = [0.0f64; 4];
    let mut ei = [0.0f64; 4];
    for j in 0..4 {
        let (s, c) = (omega * (t0 + j as f64)).sin_cos();
        er[j] = c;
        ei[j] = s;
    }
    let mut acc = [0.0f64; 6];
    let mut t = t0;
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
    pub(super) fn dtft_sums(x: &[f32], omega: f64, t0: f64) -> [f64; 6] {
        let (si, sr) = (4.0 * omega).sin_cos();
        let (step_r, step_i) = (f64x2_splat(sr), f64x2_splat(si));
        let cis = |j: f64| (omega * (t0 + j)).sin_cos();
        let (s0, c0) = cis(0.0);
        let (s1, c1) = cis(1.0);
        let (s2, c2) = cis(2.0);
        let (s3, c3) = cis(3.0);
        let (mut ar, mut ai) = (f64x2(c0, c1), f64x2(s0, s1));
        let (mut br, mut bi) = (f64x2(c2, c3), f64x2(s2, s3));
        let (mut ta, mut tb) = (f64x2(t0, t0 + 1.0), f64x2(t0 + 2.0, t0 + 3.0));
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
            let t = t0 + j as f64;
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

    #[test]
    fn frames_with_nan_or_infinity_are_counted_and_read_as_the_floor() {
        let n = 1024;
        let mut s = FftStage::new(n, WindowKind::Hann, 0.0).unwrap();
        let tone: Vec<f32> = (0..n).map(|i| 0.5 * (2.0 * core::f64::consts::PI * 100.0 * i as f64 / n as f64).sin() as f32).collect();
        assert!(s.process_frame(&tone));
        assert_eq!(s.non_finite_frames(), 0);
        assert!((s.peak_bin() - 100.0).abs() < 1e-3);
        for (k, bad) in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY].into_iter().enumerate() {
            let mut x = tone.clone();
            x[17] = bad;
            assert!(s.process_frame(&x));
            assert_eq!(s.non_finite_frames(), k as u32 + 1, "{bad}");
            assert_eq!(s.peak_db(), DB_FLOOR, "{bad}: the level reads the floor");
            assert!(s.peak_bin().is_finite());
        }
        // subnormals and full scale are finite: not counted; a clean frame reads right again
        let mut x = tone.clone();
        x[0] = f32::MIN_POSITIVE / 8.0;
        x[1] = 1.0;
        assert!(s.process_frame(&x));
        assert!(s.process_frame(&tone));
        assert_eq!(s.non_finite_frames(), 3);
        assert!((s.peak_bin() - 100.0).abs() < 1e-3);
    }
}
