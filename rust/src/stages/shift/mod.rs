//! The shift stage: the fractional delay between an input frame and a reference frame, scored
//! over `H` lag hypotheses straight from the cross-spectrum (no inverse FFT per hypothesis).
//!
//! # What it computes
//!
//! For two frames `x` (input) and `r` (reference) of `N` samples, `X = FFT(x)`, `R = FFT(r)`
//! (real FFTs, bins `0 ..= N/2`) and the cross-spectrum `C(k) = X(k) conj(R(k))`, optionally
//! PHAT-weighted (`C / max(|C|, PHAT_FLOOR)`). The correlation at a real lag `tau` is
//!
//! ```text
//! c(tau) = (1/N) [ C(0) + Re{C(N/2) e^{i pi tau}} + 2 sum_{k=1}^{N/2-1} Re{C(k) e^{2 pi i k tau / N}} ]
//! ```
//!
//! (the band-limited, periodic interpolation of the circular cross-correlation). Positive `tau`
//! means the input lags the reference: `x(n) ~ r(n - tau)`. The stage sets `C(N/2) = 0`: the
//! Nyquist bin of a real frame has no phase, so a delay `d` only scales it by `cos(pi d)`, and its
//! term, largest at whole lags, would pull a fractional estimate towards them (by about `0.5 / N`
//! samples on white noise: more than the Cramér-Rao bound above about 40 dB at `N = 32768`).
//!
//! The `H` hypotheses are `tau_h = centre + span (h / (H - 1) - 1/2)` (`centre` alone when
//! `H = 1`), and `score_h = c(tau_h)`. The centre is either given, or the integer lag in
//! `-N/2 < tau <= N/2` maximising `c`, found with one inverse real FFT ([`InverseRealFft`]).
//! The best hypothesis is refined from its neighbours' scores, the vertex clamped to half a
//! spacing either side: by the quartic through the best score and two neighbours on each side
//! ([`quartic_vertex`]), or, next to the grid's ends, by the parabola through one on each side
//! (none at the ends). On the default grid (span 2, `H = 32`: a spacing of 2/31) a parabola is off
//! by up to 2.5e-5 samples on a white reference's correlation peak (its error grows as the cube of
//! the spacing), the quartic by 2e-7: the first is the Cramér-Rao bound at about 45 dB and
//! `N = 32768`, the second far below what f32 scores resolve.
//!
//! # How the scores are computed
//!
//! Three factorisations make the `H x N/2` phasor-times-spectrum products cheap and exact to
//! f32 precision:
//!
//! 1. **Centre first.** `q(k) = (2/N) C(k) e^{2 pi i k centre / N}` (with `q(0) = C(0)/N`) is
//!    computed once, so a hypothesis is an offset `d = tau_h - centre` from it.
//! 2. **Symmetric pairs.** The offsets come in pairs `+-d` (the grid is symmetric about the
//!    centre), and one phasor ramp `e^{i k phi}`, `phi = 2 pi d / N`, serves both:
//!    `Re sum q e^{+i k phi}` and `Re sum q e^{-i k phi} = Re sum conj(q) e^{+i k phi}`. So
//!    `ceil(H/2)` ramps are needed, four per SIMD vector (lanes are pairs of hypotheses).
//! 3. **Anchored blocks, folded.** Bins are taken in blocks of 64 centred on `K = 64 m + 32`;
//!    the ramp is `e^{i K phi} e^{i j phi}` with `j = -32 .. 31`: a per-block **anchor** (one
//!    f64 recurrence per pair, rounded once) times a 33-entry **table** `e^{i j phi}`,
//!    `j = 0 ..= 32` (f64 `sin`/`cos`, rounded once); `j` and `-j` share a table entry
//!    conjugated, so the block's `q` is folded into sums and differences `q(K+j) +- q(K-j)`
//!    once for all hypotheses. Each (pair, folded entry) then costs four multiply-adds:
//!    `Ur += qr+ c`, `Ui += qr- s`, `Vr += qi+ c`, `Vi += qi- s`, and per block and pair
//!    `score+ += Re{A (U + iV)}`, `score- += Re{A (U - iV)}`.
//!
//!    No phasor is ever advanced by recurrence in f32, so there is no drift to renormalise:
//!    every effective phasor `A_m t_j` is a product of two correctly rounded unit phasors, within
//!    about 3e-7 of `e^{i k phi}` for every bin and every span (a unit test checks < 1e-6).
//!
//! The Nyquist term is added per hypothesis in f64. Only the table and the anchors depend on
//! `span` and `H`; they are rebuilt by [`ShiftStage::set_params`], not per frame.
//!
//! # Cost
//!
//! Per frame at `N = 32768`: two forward real FFTs, the cross-spectrum, optionally one inverse
//! real FFT (automatic centre), then the scores: one O(N) centre pass, one O(N) fold, and
//! `N/4 * ceil(H/8)` vector multiply-add groups. [`ShiftStage::new`] allocates everything;
//! [`ShiftStage::process`] never allocates and never panics.
//!
//! [`ShiftInstance`] (`instance.rs`) is the stage the registry creates: this analysis with its
//! parameters, figures and saved state; its C exports are in [`exports`]. The coarse
//! correlation's inverse FFT is [`crate::fft::InverseRealFft`]. The scores' kernels
//! are in `scalar.rs` and, for wasm SIMD128, `simd.rs`: the same operations in the same order.

use core::f64::consts::PI;

use crate::fft::{AlignedBuf, InverseRealFft, RealFft, MAX_SIZE, MIN_SIZE};

pub mod exports;
mod instance;
mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd;

pub use instance::{create, ShiftInstance, CENTRE, CENTRE_MODE, HYPOTHESES, ID, PARAMS, PHAT, PHAT_OFF, PHAT_ON, SIZE, SPAN};

/// Most hypotheses per stage.
pub const MAX_HYPOTHESES: usize = 256;

/// Floor of `|C(k)|` in the PHAT weighting `C / max(|C|, PHAT_FLOOR)`: bins where the
/// cross-spectrum vanishes stay 0 instead of becoming 0/0.
pub const PHAT_FLOOR: f32 = 1e-20;

/// Bins per anchored block.
pub const BLOCK: usize = 64;
/// Half a block: the block centre's offset from its first bin.
const HALF_BLOCK: usize = 32;
/// Folded entries per block: offsets `j = 0 ..= 32`.
const FOLD_ENTRIES: usize = HALF_BLOCK + 1;
/// Floats per folded plane (33 entries, padded to a multiple of 4).
const PLANE: usize = 36;
/// Floats per folded block: four planes `qr+`, `qr-`, `qi+`, `qi-`.
const FOLD_STRIDE: usize = 4 * PLANE;
/// Zero padding after each of the `q` arrays (the fold reads one element past the last block).
const Q_PAD: usize = 8;

/// Parts of one analysis ([`ShiftStage::process_part`]).
pub const SHIFT_PARTS: usize = 4;

/// Cross-spectrum, automatic or given centre, `H` correlation scores around it, best hypothesis
/// and its refinement (quartic or parabola). See the module docs.
pub struct ShiftStage {
    n: usize,
    h: usize,
    /// `ceil(H / 2)`: one phasor ramp per pair of hypotheses `centre +- d`.
    pairs: usize,
    /// `ceil(pairs / 4)`: SIMD lane groups.
    groups: usize,
    /// Blocks of [`BLOCK`] bins: `N / 2 / 64`.
    blocks: usize,
    span: f64,
    centre_param: Option<f64>,
    phat: bool,
    fft: RealFft,
    inv: InverseRealFft,
    in_frame: AlignedBuf,
    ref_frame: AlignedBuf,
    x_spec: AlignedBuf,
    r_spec: AlignedBuf,
    cross: AlignedBuf,
    corr: AlignedBuf,
    /// `qr` (`N/2 + Q_PAD` floats) then `qi` (the same).
    q: AlignedBuf,
    fold: AlignedBuf,
    /// `[entry j][group][cos x4, sin x4]` of `e^{i j phi}`.
    table: AlignedBuf,
    /// `[block m][group][re x4, im x4]` of `e^{i (64 m + 32) phi}`.
    anchors: AlignedBuf,
    /// `cos`, `sin` of `j theta_c`, `j = 0 .. 64`, for the centre pass.
    ctab: AlignedBuf,
    /// The centre `ctab` was built for (NaN: none yet).
    ctab_centre: f64,
    /// Kernel output: `[group][plus x4, minus x4]`.
    lanes: AlignedBuf,
    /// Offset `d_j >= 0` of each pair (hypotheses `H-1-j` at `+d_j` and `j` at `-d_j`).
    offsets: Vec<f64>,
    taus: Vec<f64>,
    scores: Vec<f32>,
    ref_spec: AlignedBuf,
    ref_out: AlignedBuf,
    centre: f64,
    best: usize,
    best_tau: f64,
    shift: f64,
    valid: bool,
    /// Whether a frame of the analysis in progress held NaN or an infinity.
    frames_non_finite: bool,
    /// Completed analyses whose frames held NaN or an infinity.
    non_finite_frames: u32,
    /// `|X(k)|^2` then `|R(k)|^2`, `k = 0 ..= N/2`, of the last completed analysis.
    power: AlignedBuf,
}

impl ShiftStage {
    /// A stage for frames of `n` samples (a power of two in 512 ..= 32768) and `h` hypotheses
    /// (1 ..= 256), with span 0, automatic centre and no PHAT. Allocates everything; `None`
    /// for an unsupported size.
    pub fn new(n: usize, h: usize) -> Option<ShiftStage> {
        if !n.is_power_of_two() || !(MIN_SIZE..=MAX_SIZE).contains(&n) || !(1..=MAX_HYPOTHESES).contains(&h) {
            return None;
        }
        let half = n / 2;
        let pairs = (h + 1) / 2;
        let groups = (pairs + 3) / 4;
        let blocks = half / BLOCK;
        let mut stage = ShiftStage {
            n,
            h,
            pairs,
            groups,
            blocks,
            span: 0.0,
            centre_param: None,
            phat: false,
            fft: RealFft::new(n)?,
            inv: InverseRealFft::new(n)?,
            in_frame: AlignedBuf::zeroed(n),
            ref_frame: AlignedBuf::zeroed(n),
            x_spec: AlignedBuf::zeroed(n + 2),
            r_spec: AlignedBuf::zeroed(n + 2),
            cross: AlignedBuf::zeroed(n + 2),
            corr: AlignedBuf::zeroed(n),
            q: AlignedBuf::zeroed(2 * (half + Q_PAD)),
            fold: AlignedBuf::zeroed(blocks * FOLD_STRIDE),
            table: AlignedBuf::zeroed(FOLD_ENTRIES * groups * 8),
            anchors: AlignedBuf::zeroed(blocks * groups * 8),
            ctab: AlignedBuf::zeroed(2 * BLOCK),
            ctab_centre: f64::NAN,
            lanes: AlignedBuf::zeroed(groups * 8),
            offsets: vec![0.0; groups * 4],
            taus: vec![0.0; h],
            scores: vec![0.0; h],
            ref_spec: AlignedBuf::zeroed(n + 2),
            ref_out: AlignedBuf::zeroed(n),
            centre: 0.0,
            best: 0,
            best_tau: 0.0,
            shift: 0.0,
            valid: false,
            frames_non_finite: false,
            non_finite_frames: 0,
            power: AlignedBuf::zeroed(n + 2),
        };
        stage.set_params(0.0, None, false);
        Some(stage)
    }

    /// Sets the hypothesis span (samples, finite and >= 0), the centre (`None`: the coarse
    /// correlation peak of each frame; `Some(c)`: `c` samples, finite) and the PHAT weighting.
    /// Rebuilds the phasor table and anchors (no allocation). Returns `false`, changing
    /// nothing, for an invalid span or centre.
    pub fn set_params(&mut self, span: f64, centre: Option<f64>, phat: bool) -> bool {
        if !span.is_finite() || span < 0.0 {
            return false;
        }
        if let Some(c) = centre {
            if !c.is_finite() {
                return false;
            }
        }
        self.span = span;
        self.centre_param = centre;
        self.phat = phat;
        self.build_tables();
        self.valid = false;
        true
    }

    /// Back to the state [`ShiftStage::new`] then [`ShiftStage::set_params`] with the current
    /// parameters leave: frames, spectra, scores and results zero, no analysis counted. The
    /// phasor tables (which depend on the parameters only) are kept. Never allocates.
    pub fn clear(&mut self) {
        for buf in [
            &mut self.in_frame,
            &mut self.ref_frame,
            &mut self.x_spec,
            &mut self.r_spec,
            &mut self.cross,
            &mut self.corr,
            &mut self.q,
            &mut self.fold,
            &mut self.ctab,
            &mut self.lanes,
            &mut self.ref_spec,
            &mut self.ref_out,
            &mut self.power,
        ] {
            buf.fill(0.0);
        }
        self.ctab_centre = f64::NAN;
        self.taus.fill(0.0);
        self.scores.fill(0.0);
        self.centre = 0.0;
        self.best = 0;
        self.best_tau = 0.0;
        self.shift = 0.0;
        self.valid = false;
        self.frames_non_finite = false;
        self.non_finite_frames = 0;
    }

    /// Offsets, phasor table and anchors for the current span.
    fn build_tables(&mut self) {
        let (h, n, groups) = (self.h, self.n as f64, self.groups);
        for (j, d) in self.offsets.iter_mut().enumerate() {
            *d = if h >= 2 && j < self.pairs { self.span * (0.5 - j as f64 / (h - 1) as f64) } else { 0.0 };
        }
        for (j, &d) in self.offsets.iter().enumerate() {
            let (g, l) = (j / 4, j % 4);
            let phi = 2.0 * PI * d / n;
            for (e, row) in self.table.chunks_exact_mut(groups * 8).enumerate() {
                let a = e as f64 * phi;
                if let Some(t) = row.get_mut(8 * g..8 * g + 8) {
                    t[l] = a.cos() as f32;
                    t[4 + l] = a.sin() as f32;
                }
            }
            // Anchors e^{i (64 m + 32) phi} by an f64 recurrence (error ~1e-16 per step).
            let (mut ar, mut ai) = ((HALF_BLOCK as f64 * phi).cos(), (HALF_BLOCK as f64 * phi).sin());
            let (sr, si) = ((BLOCK as f64 * phi).cos(), (BLOCK as f64 * phi).sin());
            for row in self.anchors.chunks_exact_mut(groups * 8) {
                if let Some(a) = row.get_mut(8 * g..8 * g + 8) {
                    a[l] = ar as f32;
                    a[4 + l] = ai as f32;
                }
                let next = ar * sr - ai * si;
                ai = ar * si + ai * sr;
                ar = next;
            }
        }
    }

    /// Frame size `N`.
    pub fn size(&self) -> usize {
        self.n
    }

    /// Number of hypotheses `H`.
    pub fn hypotheses(&self) -> usize {
        self.h
    }

    pub fn span(&self) -> f64 {
        self.span
    }

    pub fn phat(&self) -> bool {
        self.phat
    }

    /// The given centre, or `None` for the automatic one.
    pub fn centre_param(&self) -> Option<f64> {
        self.centre_param
    }

    /// The stage's own input frame (`N` samples), for [`ShiftStage::process_frames`].
    pub fn input_frame_mut(&mut self) -> &mut [f32] {
        &mut self.in_frame
    }

    /// The stage's own reference frame (`N` samples), for [`ShiftStage::process_frames`].
    pub fn reference_frame_mut(&mut self) -> &mut [f32] {
        &mut self.ref_frame
    }

    /// Analyses `input` against `reference` (`N` samples each): FFTs, cross-spectrum, centre,
    /// scores, best hypothesis and refined shift. Returns `false`, leaving the results as they
    /// were, on a wrong length. Never allocates.
    pub fn process(&mut self, input: &[f32], reference: &[f32]) -> bool {
        if input.len() != self.n || reference.len() != self.n {
            return false;
        }
        self.frames_non_finite = !(crate::all_finite(input) && crate::all_finite(reference));
        let done = self.fft.process(input, &mut self.x_spec) && self.fft.process(reference, &mut self.r_spec) && self.analyse();
        if done {
            self.complete();
        }
        done
    }

    /// What a completed analysis adds: its count if its frames held NaN or an infinity, and the
    /// power spectra of both frames (for a host to copy out without arithmetic of its own).
    fn complete(&mut self) {
        if self.frames_non_finite {
            self.non_finite_frames = self.non_finite_frames.wrapping_add(1);
        }
        let half = self.n / 2;
        let (inp, refp) = self.power.split_at_mut(half + 1);
        for (spec, out) in [(&self.x_spec, inp), (&self.r_spec, refp)] {
            for (p, c) in out.iter_mut().zip(spec.chunks_exact(2)) {
                // in f64, rounded once: what a host computing it from the f32 spectrum gets
                *p = ((c[0] as f64).powi(2) + (c[1] as f64).powi(2)) as f32;
            }
        }
    }

    /// `|X(k)|^2` of the input frame then `|R(k)|^2` of the reference frame, `k = 0 ..= N/2`
    /// (`N + 2` floats), as of the last completed analysis.
    pub fn power_spectra(&self) -> &[f32] {
        &self.power
    }

    /// Completed analyses since the stage was made whose input or reference frame held NaN or an
    /// infinity (wrapping): what tells them apart, since their figures stay finite.
    pub fn non_finite_frames(&self) -> u32 {
        self.non_finite_frames
    }

    /// [`ShiftStage::process`] on the stage's own frames ([`ShiftStage::input_frame_mut`],
    /// [`ShiftStage::reference_frame_mut`]): the entry point for a C ABI. Never allocates.
    pub fn process_frames(&mut self) -> bool {
        (0..SHIFT_PARTS).all(|part| self.process_part(part))
    }

    /// One part of [`ShiftStage::process_frames`], so that a live host can spread an analysis
    /// over [`SHIFT_PARTS`] audio quanta instead of one: 0 transforms the input frame, 1 the
    /// reference frame, 2 forms the cross-spectrum and finds the centre (the coarse inverse FFT),
    /// 3 scores the hypotheses and refines the shift. Run in order, they give exactly what
    /// `process_frames` gives; the results (centre, scores, shift) change only in parts 2 and 3.
    /// `false` for a part out of range or a wrong buffer length. Never allocates.
    pub fn process_part(&mut self, part: usize) -> bool {
        match part {
            0 => {
                self.frames_non_finite = !crate::all_finite(&self.in_frame);
                self.fft.process(&self.in_frame, &mut self.x_spec)
            }
            1 => {
                self.frames_non_finite |= !crate::all_finite(&self.ref_frame);
                self.fft.process(&self.ref_frame, &mut self.r_spec)
            }
            2 => self.cross_and_centre(),
            3 => {
                let done = self.rescore();
                if done {
                    self.complete();
                }
                done
            }
            _ => false,
        }
    }

    /// Cross-spectrum, centre and scores from `x_spec` and `r_spec`.
    fn analyse(&mut self) -> bool {
        self.cross_and_centre() && self.rescore()
    }

    /// The (PHAT-weighted) cross-spectrum of `x_spec` and `r_spec`, and the centre: the given one,
    /// or the integer lag of the correlation peak.
    fn cross_and_centre(&mut self) -> bool {
        let half = self.n / 2;
        if self.x_spec.len() != self.n + 2 || self.r_spec.len() != self.n + 2 || self.cross.len() != self.n + 2 {
            return false;
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        // SAFETY: the three buffers hold N + 2 = 2 half + 2 floats (checked above); half is a
        // multiple of 4.
        unsafe {
            simd::cross(self.x_spec.as_ptr(), self.r_spec.as_ptr(), self.cross.as_mut_ptr(), half, self.phat);
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        scalar::cross(&self.x_spec, &self.r_spec, &mut self.cross[..2 * half], self.phat);
        // The Nyquist bin is left out (see the module docs): a delay only scales it.
        if let Some(c) = self.cross.get_mut(2 * half..2 * half + 2) {
            c[0] = 0.0;
            c[1] = 0.0;
        }
        self.centre = match self.centre_param {
            Some(c) => c,
            None => match self.coarse_centre() {
                Some(c) => c,
                None => return false,
            },
        };
        true
    }

    /// One inverse real FFT of the cross-spectrum into [`ShiftStage::correlation`], and the
    /// integer lag of its maximum (`-N/2 < tau <= N/2`; the first index on ties).
    fn coarse_centre(&mut self) -> Option<f64> {
        if !self.inv.process(&self.cross, &mut self.corr) {
            return None;
        }
        let n = self.n;
        let mut best = 0usize;
        let mut best_v = f32::NEG_INFINITY;
        for (i, &v) in self.corr.iter().enumerate() {
            if v > best_v {
                best_v = v;
                best = i;
            }
        }
        Some(if best <= n / 2 { best as f64 } else { best as f64 - n as f64 })
    }

    /// Recomputes the scores, best hypothesis and refined shift from the current cross-spectrum
    /// and centre (what [`ShiftStage::process`] does after the FFTs and the centre): the kernel
    /// alone, for timing. Never allocates.
    pub fn rescore(&mut self) -> bool {
        let n = self.n;
        let half = n / 2;
        let qlen = half + Q_PAD;
        if self.q.len() != 2 * qlen
            || self.cross.len() != n + 2
            || self.ctab.len() != 2 * BLOCK
            || self.fold.len() != self.blocks * FOLD_STRIDE
            || self.table.len() != FOLD_ENTRIES * self.groups * 8
            || self.anchors.len() != self.blocks * self.groups * 8
            || self.lanes.len() != self.groups * 8
            || self.offsets.len() != self.groups * 4
            || self.blocks * BLOCK != half
        {
            return false;
        }
        let centre = self.centre;
        // 1. q(k) = (2/N) C(k) e^{i k theta_c}, q(0) = C(0) / N.
        let theta = 2.0 * PI * centre / n as f64;
        if self.ctab_centre.to_bits() != centre.to_bits() {
            let (ct, st) = self.ctab.split_at_mut(BLOCK);
            for (j, (c, s)) in ct.iter_mut().zip(st.iter_mut()).enumerate() {
                let a = j as f64 * theta;
                *c = a.cos() as f32;
                *s = a.sin() as f32;
            }
            self.ctab_centre = centre;
        }
        {
            let (sr, si) = ((BLOCK as f64 * theta).cos(), (BLOCK as f64 * theta).sin());
            let (mut ar, mut ai) = (2.0 / n as f64, 0.0f64);
            let (qr, qi) = self.q.split_at_mut(qlen);
            let blocks =
                self.cross.chunks_exact(2 * BLOCK).zip(qr.chunks_exact_mut(BLOCK).zip(qi.chunks_exact_mut(BLOCK))).take(self.blocks);
            for (c, (qr, qi)) in blocks {
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                // SAFETY: c holds 128 floats, qr, qi and ctab 64 each (chunk sizes, ctab checked).
                unsafe {
                    simd::centre_block(c.as_ptr(), self.ctab.as_ptr(), ar as f32, ai as f32, qr.as_mut_ptr(), qi.as_mut_ptr());
                }
                #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
                scalar::centre_block(c, &self.ctab, ar as f32, ai as f32, qr, qi);
                let next = ar * sr - ai * si;
                ai = ar * si + ai * sr;
                ar = next;
            }
            qr[0] *= 0.5;
            qi[0] *= 0.5;
        }
        // 2. Fold each block about its centre.
        {
            let (qr, qi) = self.q.split_at(qlen);
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            // SAFETY: qr and qi hold half + Q_PAD floats, fold blocks * FOLD_STRIDE (checked);
            // the fold reads bins 64 m .. 64 m + 65 < half + Q_PAD.
            unsafe {
                simd::fold(qr.as_ptr(), qi.as_ptr(), self.fold.as_mut_ptr(), self.blocks);
            }
            #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
            scalar::fold(qr, qi, &mut self.fold, self.blocks);
        }
        // 3. The kernel: per pair, Re sum q e^{+-i k phi}.
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        // SAFETY: all lengths checked above.
        unsafe {
            simd::kernel(self.fold.as_ptr(), self.table.as_ptr(), self.anchors.as_ptr(), self.lanes.as_mut_ptr(), self.groups, self.blocks);
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        scalar::kernel(&self.fold, &self.table, &self.anchors, &mut self.lanes, self.groups, self.blocks);
        // 4. Scores: lanes plus the Nyquist term, hypotheses in order.
        let h = self.h;
        let (nr, ni) = match self.cross.get(n..n + 2) {
            Some(c) => (c[0] as f64, c[1] as f64),
            None => return false,
        };
        for (i, tau) in self.taus.iter_mut().enumerate() {
            *tau = hypothesis_tau(centre, self.span, i, h);
        }
        for j in 0..self.pairs {
            let (g, l) = (j / 4, j % 4);
            let (plus, minus) = match self.lanes.get(8 * g..8 * g + 8) {
                Some(v) => (v[l] as f64, v[4 + l] as f64),
                None => return false,
            };
            let (hp, hm) = (h - 1 - j, j);
            for (hyp, v) in [(hp, plus), (hm, minus)] {
                if let (Some(s), Some(&tau)) = (self.scores.get_mut(hyp), self.taus.get(hyp)) {
                    let a = PI * tau;
                    *s = (v + (nr * a.cos() - ni * a.sin()) / n as f64) as f32;
                }
            }
        }
        self.select();
        self.valid = true;
        true
    }

    /// Best hypothesis and its refinement: the quartic's vertex with two neighbours on each side,
    /// else the parabola's with one (see the module docs).
    fn select(&mut self) {
        let mut best = 0usize;
        let mut best_v = f32::NEG_INFINITY;
        for (i, &v) in self.scores.iter().enumerate() {
            if v > best_v {
                best_v = v;
                best = i;
            }
        }
        self.best = best;
        self.best_tau = self.taus.get(best).copied().unwrap_or(self.centre);
        self.shift = self.best_tau;
        if best >= 1 && best + 1 < self.h {
            let spacing = self.span / (self.h - 1) as f64;
            let y = |i: usize| self.scores.get(i).map_or(0.0, |&v| v as f64);
            let (ym, y0, yp) = (y(best - 1), y(best), y(best + 1));
            let curv = ym - 2.0 * y0 + yp;
            if curv < 0.0 {
                let mut d = (0.5 * (ym - yp) / curv).clamp(-0.5, 0.5);
                if best >= 2 && best + 2 < self.h {
                    if let Some(q) = quartic_vertex([y(best - 2), ym, y0, yp, y(best + 2)], d) {
                        d = q;
                    }
                }
                self.shift = self.best_tau + d * spacing;
            }
        }
    }

    /// The `H` scores `c(tau_h)` of the last analysis.
    pub fn scores(&self) -> &[f32] {
        &self.scores
    }

    /// The hypothesis lags `tau_h` of the last analysis.
    pub fn taus(&self) -> &[f64] {
        &self.taus
    }

    /// Spectrum of the last input frame (`N + 2` floats, interleaved re, im for k = 0..N/2).
    pub fn input_spectrum(&self) -> &[f32] {
        &self.x_spec
    }

    /// Spectrum of the last reference frame (`N + 2` floats, as [`ShiftStage::input_spectrum`]).
    pub fn reference_spectrum(&self) -> &[f32] {
        &self.r_spec
    }

    /// Whether the results come from a completed analysis with the current parameters.
    pub fn valid(&self) -> bool {
        self.valid
    }

    /// The centre lag of the last analysis (samples).
    pub fn centre(&self) -> f64 {
        self.centre
    }

    /// Index of the best-scoring hypothesis.
    pub fn best(&self) -> usize {
        self.best
    }

    /// Lag of the best hypothesis.
    pub fn best_tau(&self) -> f64 {
        self.best_tau
    }

    /// The refined shift (samples; positive: the input lags the reference).
    pub fn shift(&self) -> f64 {
        self.shift
    }

    /// The (PHAT-weighted, if enabled) cross-spectrum: `N + 2` floats, interleaved bins
    /// `0 ..= N/2` (the Nyquist bin 0: left out).
    pub fn cross_spectrum(&self) -> &[f32] {
        &self.cross
    }

    /// The coarse circular correlation `c(n)`, `n = 0 .. N` (lag `n`, or `n - N` above `N/2`),
    /// of the last analysis with an automatic centre.
    pub fn correlation(&self) -> &[f32] {
        &self.corr
    }

    /// The same `H` scores the slow way, for tests and benchmarks: for each `tau_h`, the
    /// spectrum `C(k) e^{2 pi i k tau_h / N}` (phasors in f64) through one inverse real FFT, at
    /// lag 0 — what `H` inverse FFTs give. Uses the current cross-spectrum and centre. Returns
    /// `false` if `out` is not `H` long. Never allocates.
    pub fn reference_scores_by_inverse_fft(&mut self, out: &mut [f64]) -> bool {
        let n = self.n;
        if out.len() != self.h || self.ref_spec.len() != n + 2 {
            return false;
        }
        for (i, o) in out.iter_mut().enumerate() {
            let tau = hypothesis_tau(self.centre, self.span, i, self.h);
            for (k, (d, c)) in self.ref_spec.chunks_exact_mut(2).zip(self.cross.chunks_exact(2)).enumerate() {
                // k tau / N reduced to [0, 1) before the angle (exact for integer tau).
                let turns = (k as f64 * tau / n as f64).rem_euclid(1.0);
                let a = 2.0 * PI * turns;
                let (cs, sn) = (a.cos(), a.sin());
                let (cr, ci) = (c[0] as f64, c[1] as f64);
                d[0] = (cr * cs - ci * sn) as f32;
                d[1] = (cr * sn + ci * cs) as f32;
            }
            if !self.inv.process(&self.ref_spec, &mut self.ref_out) {
                return false;
            }
            *o = self.ref_out.first().copied().unwrap_or(0.0) as f64;
        }
        true
    }

    /// The effective phasor the kernel uses for pair `j` at bin `k` (anchor times table entry,
    /// as f32 products), next to the exact `e^{2 pi i k d_j / N}` in f64: for accuracy tests.
    pub fn phasor_check(&self, j: usize, k: usize) -> Option<((f32, f32), (f64, f64))> {
        let half = self.n / 2;
        if j >= self.pairs || k >= half {
            return None;
        }
        let (g, l, m) = (j / 4, j % 4, k / BLOCK);
        let off = k as isize - (m * BLOCK + HALF_BLOCK) as isize;
        let e = off.unsigned_abs();
        let a = self.anchors.get((m * self.groups + g) * 8..(m * self.groups + g) * 8 + 8)?;
        let t = self.table.get((e * self.groups + g) * 8..(e * self.groups + g) * 8 + 8)?;
        let (ar, ai) = (a[l], a[4 + l]);
        let (tr, ti) = (t[l], if off < 0 { -t[4 + l] } else { t[4 + l] });
        let got = (ar * tr - ai * ti, ar * ti + ai * tr);
        let d = *self.offsets.get(j)?;
        let x = 2.0 * PI * ((k as f64 * d / self.n as f64).rem_euclid(1.0));
        Some((got, (x.cos(), x.sin())))
    }
}

/// Newton steps on the quartic's derivative from the parabola's vertex (quadratic convergence
/// from within a few hundredths of a spacing).
const QUARTIC_STEPS: usize = 4;

/// The maximum of the quartic through five equally spaced values `y` (at offsets -2 ..= 2, in
/// spacings), found by Newton's method from `start` (the parabola's vertex) and clamped to
/// `-1/2 ..= 1/2`; `None` when the quartic is not concave on the way or a step is not finite
/// (the caller keeps the parabola's vertex). The derivatives at 0 are the exact finite
/// differences of a quartic.
pub fn quartic_vertex(y: [f64; 5], start: f64) -> Option<f64> {
    let [a, b, c, d, e] = y;
    let c1 = (a - 8.0 * b + 8.0 * d - e) / 12.0;
    let c2 = (-a + 16.0 * b - 30.0 * c + 16.0 * d - e) / 12.0;
    let c3 = (-a + 2.0 * b - 2.0 * d + e) / 2.0;
    let c4 = a - 4.0 * b + 6.0 * c - 4.0 * d + e;
    let mut u = start;
    for _ in 0..QUARTIC_STEPS {
        let slope = c1 + u * (c2 + u * (c3 / 2.0 + u * c4 / 6.0));
        let curvature = c2 + u * (c3 + u * c4 / 2.0);
        if !(curvature < 0.0) {
            return None;
        }
        u -= slope / curvature;
        if !u.is_finite() {
            return None;
        }
    }
    if !(c2 + u * (c3 + u * c4 / 2.0) < 0.0) {
        return None;
    }
    Some(u.clamp(-0.5, 0.5))
}

/// `tau_h = centre + span (h / (H - 1) - 1/2)`, or `centre` when `H = 1`.
pub fn hypothesis_tau(centre: f64, span: f64, h: usize, count: usize) -> f64 {
    if count >= 2 {
        centre + span * (h as f64 / (count - 1) as f64 - 0.5)
    } else {
        centre
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phasors_within_1e6_of_exact() {
        let n = 32768;
        for &(h, span) in &[(32usize, 4.0f64), (33, 1000.0), (256, 16384.0), (2, 0.37)] {
            let mut s = ShiftStage::new(n, h).unwrap();
            assert!(s.set_params(span, Some(0.0), false));
            let mut worst = 0.0f64;
            for j in 0..(h + 1) / 2 {
                for k in 0..n / 2 {
                    let ((gr, gi), (er, ei)) = s.phasor_check(j, k).unwrap();
                    let err = ((gr as f64 - er).powi(2) + (gi as f64 - ei).powi(2)).sqrt();
                    worst = worst.max(err);
                }
            }
            println!("H {} span {}: worst phasor error {:.2e}", h, span, worst);
            assert!(worst < 1e-6, "H {} span {}: phasor error {:e}", h, span, worst);
        }
    }

    #[test]
    fn quartic_vertex_is_exact_for_a_quartic_and_beats_the_parabola_on_a_sinc() {
        // -(u - u0)^2 - 0.3 (u - u0)^4 peaks at u0
        for &u0 in &[0.0f64, 0.3, -0.45, 0.5] {
            let f = |u: f64| -(u - u0).powi(2) - 0.3 * (u - u0).powi(4);
            let y = [f(-2.0), f(-1.0), f(0.0), f(1.0), f(2.0)];
            let got = quartic_vertex(y, 0.0).unwrap();
            assert!((got - u0).abs() < 1e-12, "u0 {}: {}", u0, got);
        }
        // a white reference's correlation peak, sinc(tau), on the default grid (spacing 2/31)
        let sinc = |x: f64| if x == 0.0 { 1.0 } else { (PI * x).sin() / (PI * x) };
        let spacing = 2.0 / 31.0;
        let (mut worst_q, mut worst_p) = (0.0f64, 0.0f64);
        for i in 0..=100 {
            let off = (i as f64 / 100.0 - 0.5) * spacing; // the grid point's offset from the peak
            let y: Vec<f64> = (-2..=2).map(|j| sinc(off + j as f64 * spacing)).collect();
            let parabola = 0.5 * (y[1] - y[3]) / (y[1] - 2.0 * y[2] + y[3]);
            let quartic = quartic_vertex([y[0], y[1], y[2], y[3], y[4]], parabola).unwrap();
            worst_p = worst_p.max(((parabola * spacing) + off).abs());
            worst_q = worst_q.max(((quartic * spacing) + off).abs());
        }
        println!("sinc on spacing 2/31: parabola off by up to {:.2e}, quartic {:.2e} samples", worst_p, worst_q);
        assert!(worst_p > 2e-5 && worst_q < 3e-7, "parabola {:e}, quartic {:e}", worst_p, worst_q);
        // not a maximum: refused; out of reach: clamped
        assert_eq!(quartic_vertex([4.0, 1.0, 0.0, 1.0, 4.0], 0.0), None);
        assert_eq!(quartic_vertex([0.0; 5], 0.0), None);
        assert_eq!(quartic_vertex([f64::NAN, 0.0, 1.0, 0.0, 0.0], 0.0), None);
        let g = |u: f64| -(u - 0.8f64).powi(2);
        assert_eq!(quartic_vertex([g(-2.0), g(-1.0), g(0.0), g(1.0), g(2.0)], 0.5), Some(0.5));
    }

    /// Seeded uniform noise in [-0.5, 0.5) (a 32-bit LCG): frames the analyses can be run on twice.
    fn lcg_noise(mut seed: u32) -> impl FnMut() -> f32 {
        move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        }
    }

    #[test]
    fn parts_in_order_equal_the_whole_analysis() {
        let n = 4096;
        let mut noise = lcg_noise(7);
        let reference: Vec<f32> = (0..n + 64).map(|_| noise()).collect();
        for &centre in &[None, Some(37.0)] {
            let mut whole = ShiftStage::new(n, 16).unwrap();
            let mut parts = ShiftStage::new(n, 16).unwrap();
            for s in [&mut whole, &mut parts] {
                assert!(s.set_params(4.0, centre, true));
                s.reference_frame_mut().copy_from_slice(&reference[37..37 + n]);
                s.input_frame_mut().copy_from_slice(&reference[..n]);
            }
            assert!(whole.process_frames());
            for part in 0..SHIFT_PARTS {
                assert!(parts.process_part(part));
            }
            assert!(!parts.process_part(SHIFT_PARTS), "a part out of range is refused");
            assert_eq!(whole.centre().to_bits(), parts.centre().to_bits());
            assert_eq!(whole.shift().to_bits(), parts.shift().to_bits());
            let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(whole.scores()), bits(parts.scores()));
            assert!((whole.shift() + 37.0).abs() < 0.5 || (whole.shift() - 37.0).abs() < 0.5, "shift {}", whole.shift());
        }
    }

    #[test]
    fn analyses_of_frames_with_nan_or_infinity_are_counted_with_finite_figures() {
        let n = 1024;
        let mut noise = lcg_noise(3);
        let clean: Vec<f32> = (0..n + 16).map(|_| noise()).collect();
        let (input, reference) = (&clean[..n], &clean[10..10 + n]);
        let mut whole = ShiftStage::new(n, 8).unwrap();
        let mut parts = ShiftStage::new(n, 8).unwrap();
        assert!(whole.process(input, reference));
        assert_eq!(whole.non_finite_frames(), 0);
        let mut expected = 0;
        for (which, bad) in [(0, f32::NAN), (1, f32::INFINITY), (0, f32::NEG_INFINITY)] {
            let mut x = input.to_vec();
            let mut r = reference.to_vec();
            if which == 0 {
                x[100] = bad
            } else {
                r[100] = bad
            }
            expected += 1;
            assert!(whole.process(&x, &r));
            parts.input_frame_mut().copy_from_slice(&x);
            parts.reference_frame_mut().copy_from_slice(&r);
            for part in 0..SHIFT_PARTS {
                assert!(parts.process_part(part));
            }
            for s in [&whole, &parts] {
                assert_eq!(s.non_finite_frames(), expected, "{bad} in frame {which}");
                assert!(s.shift().is_finite() && s.centre().is_finite() && s.best_tau().is_finite(), "{bad}: figures finite");
            }
        }
        // a clean analysis after them: not counted, and the delay found again
        assert!(whole.process(input, reference));
        assert_eq!(whole.non_finite_frames(), expected);
        // the power spectra of that analysis, from its own spectra
        let half = n / 2;
        for (k, (x, r)) in whole.input_spectrum().chunks_exact(2).zip(whole.reference_spectrum().chunks_exact(2)).enumerate() {
            let p = |c: &[f32]| ((c[0] as f64).powi(2) + (c[1] as f64).powi(2)) as f32;
            assert_eq!(whole.power_spectra()[k].to_bits(), p(x).to_bits(), "input bin {k}");
            assert_eq!(whole.power_spectra()[half + 1 + k].to_bits(), p(r).to_bits(), "reference bin {k}");
        }
        assert!((whole.shift().abs() - 10.0).abs() < 0.5, "shift {}", whole.shift());
    }
}
