//! The 8-band EQ stage: eight biquad sections in cascade, each a Web Audio `BiquadFilterNode`
//! (peaking, lowshelf, highshelf, lowpass, highpass, bandpass, notch) or off.
//!
//! [`EqStage::new`] allocates every buffer; [`EqStage::process`], [`EqStage::process_block`] and
//! [`EqStage::process_in_place`] never allocate and never panic.
//!
//! # Matching Chromium
//!
//! A settled band's coefficients are computed exactly as Blink computes them (see
//! [`coefficients`]: f64, with Blink's float `pow10`) and filtered with Blink's arithmetic: f64
//! products and sums, every section output rounded to f32 and fed back rounded (see `kernel`).
//! Measured against Chromium 156 (headless, OfflineAudioContext, 48 kHz, 2 s of +-0.5 noise, a
//! chain of native BiquadFilterNodes vs this stage in wasm): every sample bit-identical, for 16
//! eight-band settings (typical, +-12 dB boosts, extreme 10-40 Hz bands with Q up to 30, sparse
//! with off bands, 12 random) in quanta of 37, 128 and 1000 samples. Alternatives, measured
//! against an emulation of that arithmetic on 2 s of noise (typical 8-band settings, or 200
//! random ones):
//!
//! | arithmetic | typical | random: worst, runs over 1e-4 |
//! | --- | --- | --- |
//! | f32 coefficients and state, DF2T | 4.7e-4 | 6.0e-3, 38 / 200 |
//! | f32, DF1 | 6.5e-4 | 1.2e-2, 42 / 200 |
//! | f64 state, no rounding (DF1 or DF2T) | 1.1e-4 | 3.5e-3, 7 / 200 |
//! | f64 arithmetic, f32-rounded outputs fed back (this) | 0 | 2e-16, 0 / 200 |
//!
//! (The f64-without-rounding error is Chromium's own f32 feedback-rounding noise, amplified by
//! low-frequency or high-Q sections: an exact filter differs from Chromium by that much.)
//!
//! # Parameter smoothing
//!
//! Each band's frequency (as log2 Hz), gain (dB) and Q (log2 Q; dB for lowpass/highpass) follow
//! a one-pole smoother with a time constant of [`SMOOTHING_MS`] (15 ms: 99 % of a jump in 70 ms),
//! advanced every [`TICK`] (32) samples; while any band moves, the block is cut into pieces at
//! those ticks and that band's coefficients are recomputed at each. Once every value is within
//! 1e-4 (octave, dB, log2 Q) of its target the band snaps to the exact target coefficients and is
//! never recomputed again. A change of band type crossfades (raised cosine, [`FADE_MS`] = 20 ms)
//! from the old filter to the new one, both running on the band's input; the new filter starts
//! from the state of a band that had been passing its input through. A band whose coefficients
//! are exactly the identity (off, or peaking/shelf at 0 dB) is skipped (exact pass-through), and
//! when it comes back on it starts from that same pass-through state, so no step either.
//! Bypass crossfades over [`FADE_MS`] too; the filters keep running while bypassed, so switching
//! back is seamless. [`EqStage::reset`] finishes every fade and smoothing at once.
//!
//! # Denormals, NaN and infinity
//!
//! The filters see the input with subnormal samples flushed to zero (Chromium's audio thread
//! runs with FTZ/DAZ), and after every piece each state value below [`STATE_FLUSH`] (1e-30) in
//! magnitude is set to zero, so a decaying tail never reaches f32 subnormals. A quantum whose input
//! holds a NaN or an infinity produces silence, resets every filter (as [`EqStage::reset`]) and
//! increments [`EqStage::nan_quanta`]; this takes precedence over bypass.
//!
//! # Cost
//!
//! wasm SIMD128 in Node 20 (AMD EPYC, ~3.4 GHz): 8 bands over 1024 samples 8.4-8.6 us median
//! (a plain JS DF2T cascade: 28-29 us in the same process); a 128-sample quantum 1.5 us settled,
//! 7.1 us while all 8 bands smooth (4 pieces, 32 coefficient sets). See `kernel` for the layout.
//!
//! # Precision
//!
//! All of the above is precision `exact`. [`EqStage::set_fast`] (the `precision` parameter,
//! `fast`) runs the plain runs of bands through the `fast` kernel instead: each section in a delta
//! form of the transposed form in f32, four sections to a SIMD128 vector, 3.2 us for 8 bands
//! over 1024 samples (8.1x the JS cascade) and 0.52 us over 128 (6.0x), up to ~1.3e-4 from Chromium's output on ordinary
//! settings and within 0.001 dB of the design from 20 Hz to 20 kHz (at 44.1, 48 and 96 kHz; see
//! `fast`). Smoothing, crossfades (which run the exact step), bypass, NaN handling and the saved
//! state are the same.
//!
//! # Bit-exact pass-through
//!
//! Bypassed (after its fade), or with every band off or at exactly identity coefficients, the
//! output is a copy of the input, bit for bit (subnormals included).

mod coefs;
pub mod exports;
mod fast;
mod instance;
mod kernel;
mod state;

pub use coefs::{coefficients, pow10_blink, Coefs, Kind};
pub use fast::{run as run_fast_kernel, run_scalar as run_fast_scalar};
pub use instance::{band_param, create, EqInstance, BYPASS, FLAT, FREQUENCY, FREQ_MAX, GAIN, ID, OFF_BAND, PARAMS, PRECISION, Q, TYPE};
pub use kernel::{run as run_kernel, run_scalar as run_kernel_scalar, simd_enabled, simd_matches_scalar, step as kernel_step, SecState};

use crate::ring::Ring;

/// Number of bands.
pub const BANDS: usize = 8;
/// Time constant of the parameter smoothers.
pub const SMOOTHING_MS: f64 = 15.0;
/// Samples between smoother updates (and coefficient recomputations) while a band moves.
pub const TICK: usize = 32;
/// Length of a type-change or bypass crossfade.
pub const FADE_MS: f64 = 20.0;
/// State values smaller than this in magnitude are flushed to zero after every piece.
pub const STATE_FLUSH: f64 = 1e-30;
/// Lowest band frequency accepted (Hz); the highest is Nyquist.
pub const FREQ_MIN: f32 = 10.0;
/// Gain range (dB) accepted by [`EqStage::set_band`].
pub const GAIN_MAX: f32 = 40.0;
/// Linear Q range (peaking, bandpass, notch; the shelves ignore Q).
pub const Q_MIN: f32 = 1e-4;
pub const Q_MAX: f32 = 1000.0;
/// Lowpass/highpass resonance range, in dB.
pub const Q_DB_MAX: f32 = 40.0;
/// Floor of [`EqStage::magnitude_response`] in dB.
pub const DB_FLOOR: f64 = -300.0;

/// Smoothing stops once every value is this close to its target (octaves, dB, log2 Q or dB).
const SETTLE_EPS: f64 = 1e-4;

/// A band's parameters as set (after clamping).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandParams {
    pub kind: Kind,
    pub freq_hz: f32,
    pub gain_db: f32,
    pub q: f32,
}

/// Why [`EqStage::set_band`] refused a setting (nothing changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetBandError {
    /// The band index is not below [`BANDS`].
    BadBand,
    /// A value is NaN.
    BadParam,
}

#[derive(Clone, Copy, Debug)]
struct Section {
    coefs: Coefs,
    state: SecState,
}

impl Section {
    fn identity(&self) -> bool {
        self.coefs.is_identity()
    }
}

/// A type-change crossfade: the old filter runs beside the band's (new) one.
#[derive(Clone, Copy, Debug)]
struct Fade {
    old: Section,
    pos: usize,
}

#[derive(Clone, Copy, Debug)]
struct Band {
    target: BandParams,
    target_coefs: Coefs,
    /// Smoothed values: log2 Hz, dB, log2 Q (or Q dB for lowpass/highpass).
    cur: [f64; 3],
    moving: bool,
    sec: Section,
    fade: Option<Fade>,
    /// The last two samples of this band's input (for starting a filter from pass-through).
    in_hist: (f32, f32),
    /// The last two samples of a crossfading band's output.
    out_hist: (f32, f32),
}

/// The smoother domain of a setting.
fn smoothing_domain(p: &BandParams) -> [f64; 3] {
    let q = if p.kind.q_in_db() { p.q as f64 } else { (p.q as f64).log2() };
    [(p.freq_hz as f64).log2(), p.gain_db as f64, q]
}

/// Raised-cosine weight of fade position `pos` of `len`.
fn fade_weight(pos: usize, len: usize) -> f64 {
    if pos >= len {
        1.0
    } else {
        0.5 - 0.5 * (core::f64::consts::PI * pos as f64 / len as f64).cos()
    }
}

/// Everything but the buffers (so that the buffers can be borrowed beside it).
#[derive(Clone)]
struct Core {
    fs: f64,
    bands: [Band; BANDS],
    bypass: bool,
    /// 0 = wet, `fade_len` = dry.
    bypass_pos: usize,
    fade_len: usize,
    smoothing_k: f64,
    tick_left: usize,
    nan_quanta: u32,
    /// The last two (flushed) input samples.
    hist: (f32, f32),
    /// Plain runs of bands through the `fast` (f32 SIMD) kernel instead of the exact one.
    fast: bool,
    /// The `fast` kernel's plan of the settled chain, made at the first call after a change;
    /// `None` when stale (every change of coefficients, fades or smoothing clears it).
    fast_plan: Option<FastPlan>,
}

/// The settled chain for the `fast` kernel: its plain bands in order, with their lane
/// coefficients (no band smoothing or crossfading).
#[derive(Clone, Copy)]
struct FastPlan {
    plan: fast::Plan,
    bands: [u8; BANDS],
    /// Bit `i` set if band `i` is in the plan (not an identity band).
    on: u32,
}

/// The bands of a [`FastPlan`] as the `fast` kernel's sections.
struct PlanSections<'a> {
    bands: &'a mut [Band; BANDS],
    order: &'a [u8],
}

impl fast::Sections for PlanSections<'_> {
    fn get(&self, j: usize) -> Option<(&Coefs, &SecState)> {
        let b = self.bands.get(*self.order.get(j)? as usize)?;
        Some((&b.sec.coefs, &b.sec.state))
    }

    fn set(&mut self, j: usize, state: SecState) {
        if let Some(b) = self.order.get(j).and_then(|&i| self.bands.get_mut(i as usize)) {
            b.sec.state = state;
        }
    }
}

struct Buffers {
    input: Vec<f32>,
    flushed: Vec<f32>,
    wet: Vec<f32>,
    tmp: Vec<f32>,
    output: Vec<f32>,
}

/// The 8-band EQ (see the module docs).
pub struct EqStage {
    core: Core,
    bufs: Buffers,
    max_frames: usize,
}

impl EqStage {
    /// A stage at `sample_rate` Hz whose [`EqStage::process`] takes up to `max_frames` samples.
    /// Every band starts off (1 kHz, 0 dB, Q 1). `None` for a sample rate that is not finite and
    /// positive, or `max_frames == 0`. Allocates.
    pub fn new(sample_rate: f32, max_frames: usize) -> Option<EqStage> {
        if !(sample_rate.is_finite() && sample_rate > 0.0) || max_frames == 0 {
            return None;
        }
        let fs = sample_rate as f64;
        let params = BandParams { kind: Kind::Off, freq_hz: 1000.0f32.min(sample_rate / 2.0), gain_db: 0.0, q: 1.0 };
        let band = Band {
            target: params,
            target_coefs: Coefs::IDENTITY,
            cur: smoothing_domain(&params),
            moving: false,
            sec: Section { coefs: Coefs::IDENTITY, state: SecState::default() },
            fade: None,
            in_hist: (0.0, 0.0),
            out_hist: (0.0, 0.0),
        };
        let fade_len = ((FADE_MS * 1e-3 * fs).round() as usize).max(1);
        let core = Core {
            fs,
            bands: [band; BANDS],
            bypass: false,
            bypass_pos: 0,
            fade_len,
            smoothing_k: 1.0 - (-(TICK as f64) / (SMOOTHING_MS * 1e-3 * fs)).exp(),
            tick_left: TICK,
            nan_quanta: 0,
            hist: (0.0, 0.0),
            fast: false,
            fast_plan: None,
        };
        let buf = || vec![0.0f32; max_frames];
        let bufs = Buffers { input: buf(), flushed: buf(), wet: buf(), tmp: buf(), output: buf() };
        Some(EqStage { core, bufs, max_frames })
    }

    pub fn sample_rate(&self) -> f64 {
        self.core.fs
    }

    pub fn max_frames(&self) -> usize {
        self.max_frames
    }

    /// Samples in a type-change or bypass crossfade.
    pub fn fade_len(&self) -> usize {
        self.core.fade_len
    }

    /// Sets band `band` (0..8): `kind`, `freq_hz` clamped to 10 Hz ..= Nyquist, `gain_db` to
    /// -40 ..= 40 (used by peaking and the shelves), `q` to 1e-4 ..= 1000 (peaking, bandpass,
    /// notch; ignored by the shelves) or, for lowpass and highpass, to -40 ..= 40 dB. A NaN value
    /// or a bad band index changes nothing. Never allocates.
    pub fn set_band(&mut self, band: usize, kind: Kind, freq_hz: f32, gain_db: f32, q: f32) -> Result<(), SetBandError> {
        self.core.set_band(band, kind, freq_hz, gain_db, q)
    }

    /// The settings of band `band` (after clamping), or `None`.
    pub fn band(&self, band: usize) -> Option<BandParams> {
        self.core.bands.get(band).map(|b| b.target)
    }

    /// The settled (target) coefficients of band `band`.
    pub fn target_coefs(&self, band: usize) -> Option<Coefs> {
        self.core.bands.get(band).map(|b| b.target_coefs)
    }

    /// The coefficients band `band` filters with now (moving while smoothing).
    pub fn current_coefs(&self, band: usize) -> Option<Coefs> {
        self.core.bands.get(band).map(|b| b.sec.coefs)
    }

    /// Every filter state value (each band's section, and the old filter of a crossfade), for
    /// tests: `[y1, y2, p1, q2]` per section.
    pub fn state_values(&self) -> ([[f64; 4]; BANDS], [Option<[f64; 4]>; BANDS]) {
        let v = |s: &SecState| [s.y1 as f64, s.y2 as f64, s.p1, s.q2];
        let mut now = [[0.0; 4]; BANDS];
        let mut old = [None; BANDS];
        for (i, b) in self.core.bands.iter().enumerate() {
            now[i] = v(&b.sec.state);
            old[i] = b.fade.map(|f| v(&f.old.state));
        }
        (now, old)
    }

    /// Whether any band is still smoothing or crossfading, or bypass is fading.
    pub fn busy(&self) -> bool {
        let c = &self.core;
        c.bands.iter().any(|b| b.moving || b.fade.is_some()) || c.bypass_pos != if c.bypass { c.fade_len } else { 0 }
    }

    /// Turns bypass on or off (crossfaded over [`FADE_MS`]).
    pub fn set_bypass(&mut self, on: bool) {
        self.core.bypass = on;
    }

    pub fn bypass(&self) -> bool {
        self.core.bypass
    }

    /// The `fast` precision (`true`: plain runs of bands through the f32 SIMD kernel, see
    /// `fast`) or `exact` (`false`, the default: Chromium's arithmetic). Takes effect at the next
    /// sample with the filter states carried over (rounded to f32 for `fast`); smoothing,
    /// crossfades, bypass and NaN handling are the same in both. Never allocates.
    pub fn set_fast(&mut self, fast: bool) {
        self.core.fast = fast;
    }

    pub fn fast(&self) -> bool {
        self.core.fast
    }

    /// Sets the smoothing time constant in ms (tests and tuning; 0 makes changes instant, at the
    /// next tick). Non-finite or negative values are ignored.
    pub fn set_smoothing_ms(&mut self, ms: f64) {
        if ms.is_finite() && ms >= 0.0 {
            self.core.smoothing_k = if ms == 0.0 { 1.0 } else { 1.0 - (-(TICK as f64) / (ms * 1e-3 * self.core.fs)).exp() };
        }
    }

    /// Quanta (calls, or `max_frames` pieces of a long block) replaced by silence because their
    /// input held a NaN or an infinity.
    pub fn nan_quanta(&self) -> u32 {
        self.core.nan_quanta
    }

    /// Clears every filter state and finishes every crossfade and smoothing (the bands jump to
    /// their targets, bypass to its setting).
    pub fn reset(&mut self) {
        self.core.reset();
    }

    /// [`EqStage::reset`], and also the NaN count back to 0 and the buffers to zeros: the state
    /// of a new stage given the same settings (the smoothing time constant is kept). Never
    /// allocates.
    pub fn restart(&mut self) {
        self.core.reset();
        self.core.nan_quanta = 0;
        self.clear_buffers();
    }

    fn clear_buffers(&mut self) {
        let Buffers { input, flushed, wet, tmp, output } = &mut self.bufs;
        for b in [input, flushed, wet, tmp, output] {
            b.fill(0.0);
        }
    }

    /// `|H|` in dB at `freq_hz` of the designed cascade (every band at its target, bypass
    /// ignored), from the coefficients: NaN outside `0 ..= Nyquist`, floored at [`DB_FLOOR`].
    pub fn magnitude_response(&self, freq_hz: f64) -> f64 {
        let fs = self.core.fs;
        if !(freq_hz >= 0.0 && freq_hz <= 0.5 * fs) {
            return f64::NAN;
        }
        let w = 2.0 * core::f64::consts::PI * freq_hz / fs;
        let mut mag = 1.0;
        for b in self.core.bands.iter() {
            if !b.target_coefs.is_identity() {
                mag *= b.target_coefs.magnitude(w);
            }
        }
        let db = 20.0 * mag.log10();
        if db.is_nan() {
            f64::NAN
        } else {
            db.max(DB_FLOOR)
        }
    }

    /// Filters the newest `n` samples of `ring` into [`EqStage::output`]. Returns `false` (doing
    /// nothing) if `n` is larger than `max_frames` or the ring. Never allocates.
    pub fn process(&mut self, ring: &Ring, n: usize) -> bool {
        if n > self.max_frames {
            return false;
        }
        let Buffers { input, flushed, wet, tmp, output } = &mut self.bufs;
        let (input, output) = (&mut input[..n], &mut output[..n]);
        if !ring.read_latest(input) {
            return false;
        }
        self.core.run(input, output, flushed, wet, tmp);
        true
    }

    /// The output of the last [`EqStage::process`] (`max_frames` samples; the first `n` are new).
    pub fn output(&self) -> &[f32] {
        &self.bufs.output
    }

    /// Filters `input` into `output` (the shorter length wins), in pieces of at most `max_frames`
    /// (each a quantum for the NaN check). Never allocates.
    pub fn process_block(&mut self, input: &[f32], output: &mut [f32]) {
        let step = self.max_frames;
        let Buffers { flushed, wet, tmp, .. } = &mut self.bufs;
        for (i, o) in input.chunks(step).zip(output.chunks_mut(step)) {
            let n = i.len().min(o.len());
            self.core.run(&i[..n], &mut o[..n], flushed, wet, tmp);
        }
    }

    /// Filters `buf` in place (pieces of at most `max_frames`). Never allocates.
    pub fn process_in_place(&mut self, buf: &mut [f32]) {
        let step = self.max_frames;
        let Buffers { input, flushed, wet, tmp, .. } = &mut self.bufs;
        for chunk in buf.chunks_mut(step) {
            let input = &mut input[..chunk.len()];
            input.copy_from_slice(chunk);
            self.core.run(input, chunk, flushed, wet, tmp);
        }
    }
}

/// Pieces of the chain in one processing pass: runs of plain bands and crossfading bands.
const MAX_SEG: usize = BANDS;

impl Core {
    fn nyquist(&self) -> f32 {
        (0.5 * self.fs) as f32
    }

    fn set_band(&mut self, band: usize, kind: Kind, freq_hz: f32, gain_db: f32, q: f32) -> Result<(), SetBandError> {
        if band >= BANDS {
            return Err(SetBandError::BadBand);
        }
        if freq_hz.is_nan() || gain_db.is_nan() || q.is_nan() {
            return Err(SetBandError::BadParam);
        }
        let nyq = self.nyquist();
        let freq_hz = freq_hz.max(FREQ_MIN.min(nyq)).min(nyq);
        let gain_db = gain_db.clamp(-GAIN_MAX, GAIN_MAX);
        let q = if kind.q_in_db() { q.clamp(-Q_DB_MAX, Q_DB_MAX) } else { q.clamp(Q_MIN, Q_MAX) };
        let params = BandParams { kind, freq_hz, gain_db, q };
        let coefs = coefficients(kind, freq_hz as f64, gain_db as f64, q as f64, self.fs);
        self.fast_plan = None;
        let fade_len = self.fade_len;
        let b = match self.bands.get_mut(band) {
            Some(b) => b,
            None => return Err(SetBandError::BadBand),
        };
        let old_kind = b.target.kind;
        b.target = params;
        b.target_coefs = coefs;
        if kind != old_kind {
            // Crossfade from the filter running now (or, mid-fade, whichever dominates) to the
            // new type, which starts at its target from a pass-through state.
            let old = match b.fade {
                Some(f) if f.pos < fade_len / 2 => f.old,
                _ => b.sec,
            };
            b.cur = smoothing_domain(&params);
            b.moving = false;
            let state =
                if coefs.is_identity() { SecState::default() } else { SecState::identity_history(&coefs, b.in_hist.0, b.in_hist.1) };
            let was_identity = b.sec.identity() && b.fade.is_none();
            if b.fade.is_none() {
                // The band's output so far: its input if it was skipped, else its filter's.
                b.out_hist = if was_identity { b.in_hist } else { (b.sec.state.y1, b.sec.state.y2) };
            }
            b.sec = Section { coefs, state };
            b.fade = if was_identity && coefs.is_identity() { None } else { Some(Fade { old, pos: 0 }) };
        } else if kind == Kind::Off {
            b.cur = smoothing_domain(&params);
            b.moving = false;
        } else {
            let was_moving = self.bands.iter().any(|b| b.moving);
            let b = match self.bands.get_mut(band) {
                Some(b) => b,
                None => return Err(SetBandError::BadBand),
            };
            b.moving = smoothing_domain(&params) != b.cur;
            if !b.moving {
                b.sec.coefs = coefs;
            } else if !was_moving {
                self.tick_left = TICK;
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.fast_plan = None;
        for b in self.bands.iter_mut() {
            b.cur = smoothing_domain(&b.target);
            b.moving = false;
            b.sec = Section { coefs: b.target_coefs, state: SecState::default() };
            b.fade = None;
            b.in_hist = (0.0, 0.0);
            b.out_hist = (0.0, 0.0);
        }
        self.bypass_pos = if self.bypass { self.fade_len } else { 0 };
        self.tick_left = TICK;
        self.hist = (0.0, 0.0);
    }

    /// One quantum: `input` (raw) into `out` (same length, at most the scratch buffers' length).
    fn run(&mut self, input: &[f32], out: &mut [f32], flushed: &mut [f32], wet: &mut [f32], tmp: &mut [f32]) {
        let n = input.len().min(out.len()).min(flushed.len()).min(wet.len()).min(tmp.len());
        if n == 0 {
            return;
        }
        let (input, out) = (&input[..n], &mut out[..n]);
        let mut finite = true;
        for (f, &x) in flushed.iter_mut().zip(input.iter()) {
            finite &= x.abs() <= f32::MAX;
            *f = super::flush_subnormal(x);
        }
        if !finite {
            out.iter_mut().for_each(|o| *o = 0.0);
            self.reset();
            self.nan_quanta = self.nan_quanta.wrapping_add(1);
            return;
        }
        let flushed = &flushed[..n];
        let wet_only = !self.bypass && self.bypass_pos == 0;
        if wet_only {
            self.filter(flushed, input, out, &mut tmp[..n]);
            return;
        }
        let wet = &mut wet[..n];
        self.filter(flushed, input, wet, &mut tmp[..n]);
        let len = self.fade_len;
        for ((o, &w), &d) in out.iter_mut().zip(wet.iter()).zip(input.iter()) {
            if self.bypass && self.bypass_pos < len {
                self.bypass_pos += 1;
            } else if !self.bypass && self.bypass_pos > 0 {
                self.bypass_pos -= 1;
            }
            *o = if self.bypass_pos == 0 {
                w
            } else if self.bypass_pos >= len {
                d
            } else {
                let g = fade_weight(self.bypass_pos, len);
                (w as f64 + g * (d as f64 - w as f64)) as f32
            };
        }
    }

    /// The plan of the settled chain for the `fast` kernel (made now if it is stale), or `None`
    /// while a band smooths or crossfades.
    fn fast_plan(&mut self) -> Option<&FastPlan> {
        if self.fast_plan.is_none() && self.bands.iter().all(|b| !b.moving && b.fade.is_none()) {
            let mut co = [Coefs::IDENTITY; BANDS];
            let mut bands = [0u8; BANDS];
            let mut m = 0;
            let mut on = 0;
            for (i, b) in self.bands.iter().enumerate() {
                if let (false, Some(c), Some(bi)) = (b.sec.identity(), co.get_mut(m), bands.get_mut(m)) {
                    *c = b.sec.coefs;
                    *bi = i as u8;
                    on |= 1 << i;
                    m += 1;
                }
            }
            self.fast_plan = Some(FastPlan { plan: fast::Plan::new(&co[..m]), bands, on });
        }
        self.fast_plan.as_ref()
    }

    /// The band chain over a quantum, cut at smoothing ticks.
    fn filter(&mut self, flushed: &[f32], raw: &[f32], out: &mut [f32], tmp: &mut [f32]) {
        let n = flushed.len().min(raw.len()).min(out.len()).min(tmp.len());
        if self.fast && self.fast_plan().is_some() {
            // Settled, precision fast: the plain bands in one run with the planned coefficients
            // (what run_chain does then, without gathering them at every call).
            let (flushed, raw, out) = (&flushed[..n], &raw[..n], &mut out[..n]);
            if let Some(FastPlan { plan, bands: order, on }) = &self.fast_plan {
                if plan.sections() == 0 {
                    out.copy_from_slice(raw);
                } else {
                    fast::run_planned(plan, &mut PlanSections { bands: &mut self.bands, order }, flushed, out);
                }
                // after_piece for a settled chain (no fades), the plan knowing the plain bands:
                // calling after_piece here instead cost 3-5 % of eq-fast/8x128 (0.457 -> 0.477
                // µs, medians of four runs each; with the plan's mask passed in, 0.475 -> 0.489)
                self.hist = match flushed {
                    [.., a, b] => (*b, *a),
                    [b] => (*b, self.hist.0),
                    [] => self.hist,
                };
                let mut h = self.hist;
                for (i, b) in self.bands.iter_mut().enumerate() {
                    b.sec.state.flush(STATE_FLUSH);
                    b.in_hist = h;
                    if on >> i & 1 != 0 {
                        h = (b.sec.state.y1, b.sec.state.y2);
                    }
                }
            }
            return;
        }
        let mut pos = 0;
        while pos < n {
            let moving = self.bands.iter().any(|b| b.moving);
            let len = if moving { self.tick_left.clamp(1, n - pos) } else { n - pos };
            let r = pos..pos + len;
            self.run_chain(&flushed[r.clone()], &raw[r.clone()], &mut out[r.clone()], &mut tmp[..len]);
            self.after_piece(&flushed[r]);
            if moving {
                self.tick_left = self.tick_left.saturating_sub(len);
                if self.tick_left == 0 {
                    self.tick();
                    self.tick_left = TICK;
                }
            }
            pos += len;
        }
    }

    /// Runs the bands over one piece: consecutive plain bands through the kernel, crossfading
    /// bands one by one. With nothing to do the output is a copy of the raw input.
    fn run_chain(&mut self, flushed: &[f32], raw: &[f32], out: &mut [f32], tmp: &mut [f32]) {
        #[derive(Clone, Copy, PartialEq)]
        enum Loc {
            Input,
            Out,
            Tmp,
        }
        let mut loc = Loc::Input;
        let mut seg_c = [Coefs::IDENTITY; MAX_SEG];
        let mut seg_s = [SecState::default(); MAX_SEG];
        let mut seg_b = [0usize; MAX_SEG];
        let mut m = 0;
        // Moves the signal one stage on: reads from `loc`, writes to the other buffer.
        let mut i = 0;
        while i <= BANDS {
            let (plain, fading) = match self.bands.get(i) {
                Some(b) => (b.fade.is_none() && !b.sec.identity(), b.fade.is_some()),
                None => (false, false),
            };
            if plain {
                if let (Some(c), Some(s), Some(bi), Some(b)) = (seg_c.get_mut(m), seg_s.get_mut(m), seg_b.get_mut(m), self.bands.get(i)) {
                    *c = b.sec.coefs;
                    *s = b.sec.state;
                    *bi = i;
                    m += 1;
                }
                i += 1;
                continue;
            }
            // End of a run of plain bands (at a fading band or the end of the chain).
            if m > 0 {
                let (c, s) = (&seg_c[..m], &mut seg_s[..m]);
                let run = if self.fast { fast::run } else { kernel::run };
                loc = match loc {
                    Loc::Input => {
                        run(c, s, flushed, out);
                        Loc::Out
                    }
                    Loc::Out => {
                        run(c, s, out, tmp);
                        Loc::Tmp
                    }
                    Loc::Tmp => {
                        run(c, s, tmp, out);
                        Loc::Out
                    }
                };
                for (k, &bi) in seg_b[..m].iter().enumerate() {
                    if let (Some(b), Some(st)) = (self.bands.get_mut(bi), seg_s.get(k)) {
                        b.sec.state = *st;
                    }
                }
                m = 0;
            }
            if fading {
                if let Some(b) = self.bands.get_mut(i) {
                    let len = self.fade_len;
                    loc = match loc {
                        Loc::Input => {
                            crossfade(b, len, flushed, out);
                            Loc::Out
                        }
                        Loc::Out => {
                            crossfade(b, len, out, tmp);
                            Loc::Tmp
                        }
                        Loc::Tmp => {
                            crossfade(b, len, tmp, out);
                            Loc::Out
                        }
                    };
                }
            }
            i += 1;
        }
        match loc {
            Loc::Input => out.copy_from_slice(raw),
            Loc::Out => {}
            Loc::Tmp => out.copy_from_slice(tmp),
        }
    }

    /// Histories, denormal flush and finished fades after a piece whose flushed input was `x`.
    fn after_piece(&mut self, x: &[f32]) {
        self.hist = match x {
            [.., a, b] => (*b, *a),
            [b] => (*b, self.hist.0),
            [] => self.hist,
        };
        let mut h = self.hist;
        let fade_len = self.fade_len;
        for b in self.bands.iter_mut() {
            b.sec.state.flush(STATE_FLUSH);
            b.in_hist = h;
            if let Some(f) = b.fade.as_mut() {
                f.old.state.flush(STATE_FLUSH);
                h = b.out_hist;
                if f.pos >= fade_len {
                    b.fade = None;
                    self.fast_plan = None;
                }
            } else if !b.sec.identity() {
                h = (b.sec.state.y1, b.sec.state.y2);
            }
        }
    }

    /// One smoother step for every moving band, with its new coefficients.
    fn tick(&mut self) {
        self.fast_plan = None;
        let k = self.smoothing_k;
        let fs = self.fs;
        for b in self.bands.iter_mut() {
            if !b.moving {
                continue;
            }
            let t = smoothing_domain(&b.target);
            let mut settled = true;
            for (c, &tv) in b.cur.iter_mut().zip(t.iter()) {
                *c += (tv - *c) * k;
                if (tv - *c).abs() >= SETTLE_EPS {
                    settled = false;
                }
            }
            let was_identity = b.sec.identity();
            let coefs = if settled {
                b.cur = t;
                b.moving = false;
                b.target_coefs
            } else {
                let q = if b.target.kind.q_in_db() { b.cur[2] } else { b.cur[2].exp2() };
                coefficients(b.target.kind, b.cur[0].exp2(), b.cur[1], q, fs)
            };
            b.sec.coefs = coefs;
            if was_identity && !coefs.is_identity() {
                b.sec.state = SecState::identity_history(&coefs, b.in_hist.0, b.in_hist.1);
            }
        }
    }
}

/// A crossfading band over one piece: old and new filter on the same input, raised-cosine mix.
fn crossfade(b: &mut Band, len: usize, input: &[f32], out: &mut [f32]) {
    let f = match b.fade.as_mut() {
        Some(f) => f,
        None => return,
    };
    let (old_id, new_id) = (f.old.identity(), b.sec.identity());
    for (o, &x) in out.iter_mut().zip(input.iter()) {
        let yo = if old_id { x } else { kernel::step(&f.old.coefs, &mut f.old.state, x) };
        let yn = if new_id { x } else { kernel::step(&b.sec.coefs, &mut b.sec.state, x) };
        f.pos = (f.pos + 1).min(len);
        let w = fade_weight(f.pos, len);
        let y = if w >= 1.0 { yn } else { (yo as f64 + w * (yn as f64 - yo as f64)) as f32 };
        b.out_hist = (y, b.out_hist.0);
        *o = y;
    }
}
