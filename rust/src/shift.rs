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

use core::f64::consts::PI;

use crate::fft::{AlignedBuf, RealFft, MAX_SIZE, MIN_SIZE};

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

// ---------------------------------------------------------------------------------------------
// Inverse real FFT
// ---------------------------------------------------------------------------------------------

/// Inverse real FFT of a Hermitian half spectrum, built on the forward [`RealFft`] (one forward
/// transform of the same size, no extra plan).
///
/// For `Y(k) = a(k) + i b(k)` Hermitian (`a` even, `b` odd), the real sequence
/// `g(k) = a(k) + b(k)` (`k = 0 .. N`) has `Re G(n) = sum a cos`, `Im G(n) = -sum b sin`, so
///
/// ```text
/// y(n)     = (1/N) sum_k Y(k) e^{+2 pi i k n / N} = (Re G(n) + Im G(n)) / N,   n = 0 ..= N/2
/// y(N - n) = (Re G(n) - Im G(n)) / N                                          n = 1 .. N/2
/// ```
///
/// (the Hartley-transform identity). The imaginary parts of bins 0 and `N/2` are ignored (a
/// real signal has none; for the Nyquist bin that is the `Re{Y(N/2) e^{i pi n}}` convention).
pub struct InverseRealFft {
    fft: RealFft,
    g: AlignedBuf,
    spec: AlignedBuf,
}

impl InverseRealFft {
    /// Plans an inverse transform of `n` points (a power of two in 512 ..= 32768). Allocates.
    pub fn new(n: usize) -> Option<InverseRealFft> {
        let fft = RealFft::new(n)?;
        Some(InverseRealFft { fft, g: AlignedBuf::zeroed(n), spec: AlignedBuf::zeroed(n + 2) })
    }

    /// The transform size `N`.
    pub fn size(&self) -> usize {
        self.fft.size()
    }

    /// `out[n] = (1/N) sum_{k=0}^{N-1} Y(k) e^{+2 pi i k n / N}` for the Hermitian extension of
    /// `spectrum` (`N + 2` floats: interleaved `re, im` of bins `0 ..= N/2`, as [`RealFft`]
    /// writes them); `out` has `N` samples. Returns `false`, touching nothing, on a wrong length.
    /// Never allocates.
    pub fn process(&mut self, spectrum: &[f32], out: &mut [f32]) -> bool {
        let n = self.fft.size();
        let half = n / 2;
        if spectrum.len() != n + 2 || out.len() != n || self.g.len() != n || self.spec.len() != n + 2 {
            return false;
        }
        // g(k) = a(k) + b(k) for k = 0 ..= N/2 (b(0) = b(N/2) = 0), g(N - k) = a(k) - b(k).
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        // SAFETY: spectrum holds 2 half + 2 floats and g 2 half (checked above); half % 4 == 0.
        unsafe {
            simd::inv_pack(spectrum.as_ptr(), self.g.as_mut_ptr(), half);
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            let (g_lo, g_hi) = self.g.split_at_mut(half + 1);
            for (g, y) in g_lo.iter_mut().zip(spectrum.chunks_exact(2)) {
                *g = y[0] + y[1];
            }
            // g_hi[i] = g(half + 1 + i) = a(k) - b(k) with k = half - 1 - i.
            let mids = spectrum.get(2..n).unwrap_or(&[]);
            for (g, y) in g_hi.iter_mut().zip(mids.chunks_exact(2).rev()) {
                *g = y[0] - y[1];
            }
        }
        if let (Some(&first), Some(&last)) = (spectrum.first(), spectrum.get(n)) {
            self.g[0] = first;
            self.g[half] = last;
        }
        if !self.fft.process(&self.g, &mut self.spec) {
            return false;
        }
        let scale = 1.0 / n as f32;
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        // SAFETY: spec holds 2 half + 2 floats and out 2 half (checked above); half % 4 == 0.
        unsafe {
            simd::inv_unpack(self.spec.as_ptr(), out.as_mut_ptr(), half, scale);
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            let (out_lo, out_hi) = out.split_at_mut(half + 1);
            for (o, z) in out_lo.iter_mut().zip(self.spec.chunks_exact(2)) {
                *o = (z[0] + z[1]) * scale;
            }
            // out_hi[i] = y(half + 1 + i) = y(N - n) with n = half - 1 - i.
            let mids = self.spec.get(2..n).unwrap_or(&[]);
            for (o, z) in out_hi.iter_mut().zip(mids.chunks_exact(2).rev()) {
                *o = (z[0] - z[1]) * scale;
            }
        }
        if let Some(z) = self.spec.get(n..n + 2) {
            out[half] = (z[0] + z[1]) * scale;
        }
        true
    }
}

// ---------------------------------------------------------------------------------------------
// The stage
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Portable kernels
// ---------------------------------------------------------------------------------------------

/// The portable scalar kernels (the same operations in the same order as the SIMD ones). Each
/// checks the lengths it relies on and returns early if they do not hold.
mod scalar {
    use super::{FOLD_ENTRIES, FOLD_STRIDE, HALF_BLOCK, PHAT_FLOOR, PLANE};

    /// `X conj(R)`, PHAT-weighted if asked.
    #[inline(always)]
    #[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
    pub(super) fn cross_bin(xr: f32, xi: f32, rr: f32, ri: f32, phat: bool) -> (f32, f32) {
        let cr = xr * rr + xi * ri;
        let ci = xi * rr - xr * ri;
        if phat {
            let w = 1.0 / (cr * cr + ci * ci).sqrt().max(PHAT_FLOOR);
            (cr * w, ci * w)
        } else {
            (cr, ci)
        }
    }

    /// Cross-spectrum of the bins `out` covers (interleaved).
    #[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
    pub(super) fn cross(x: &[f32], r: &[f32], out: &mut [f32], phat: bool) {
        for ((x, r), o) in x.chunks_exact(2).zip(r.chunks_exact(2)).zip(out.chunks_exact_mut(2)) {
            let (cr, ci) = cross_bin(x[0], x[1], r[0], r[1], phat);
            o[0] = cr;
            o[1] = ci;
        }
    }

    /// One block of 64 bins: `q = C (A t_j)`.
    #[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
    pub(super) fn centre_block(c: &[f32], ctab: &[f32], ar: f32, ai: f32, qr: &mut [f32], qi: &mut [f32]) {
        let (ct, st) = ctab.split_at(ctab.len() / 2);
        for ((((c, &tc), &ts), qr), qi) in c.chunks_exact(2).zip(ct).zip(st).zip(qr.iter_mut()).zip(qi.iter_mut()) {
            let pr = ar * tc - ai * ts;
            let pi = ar * ts + ai * tc;
            *qr = c[0] * pr - c[1] * pi;
            *qi = c[0] * pi + c[1] * pr;
        }
    }

    /// Folds every block: planes `qr(K+j) + qr(K-j)`, `qr(K+j) - qr(K-j)`, and the same for
    /// `qi`, `j = 0 ..= 32`, with `q(K+32)` taken as 0 and `q(K-0)` counted once.
    #[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
    pub(super) fn fold(qr: &[f32], qi: &[f32], fold: &mut [f32], blocks: usize) {
        for (m, f) in fold.chunks_exact_mut(FOLD_STRIDE).take(blocks).enumerate() {
            let k = 64 * m + HALF_BLOCK;
            let (lo, hi) = (k - HALF_BLOCK, k + HALF_BLOCK);
            let (r, i) = match (qr.get(lo..=hi), qi.get(lo..=hi)) {
                (Some(r), Some(i)) => (r, i),
                _ => return,
            };
            let (p0, rest) = f.split_at_mut(PLANE);
            let (p1, rest) = rest.split_at_mut(PLANE);
            let (p2, p3) = rest.split_at_mut(PLANE);
            // r[HALF_BLOCK + j] = q(K + j), r[HALF_BLOCK - j] = q(K - j).
            for j in 0..FOLD_ENTRIES {
                let (a, b) = (r[HALF_BLOCK + j], r[HALF_BLOCK - j]);
                let (c, d) = (i[HALF_BLOCK + j], i[HALF_BLOCK - j]);
                p0[j] = a + b;
                p1[j] = a - b;
                p2[j] = c + d;
                p3[j] = c - d;
            }
            fix_ends(r[HALF_BLOCK], r[0], i[HALF_BLOCK], i[0], p0, p1, p2, p3);
        }
    }

    /// Entry 0 (`q(K)` once) and entry 32 (`q(K-32)` alone).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fix_ends(r0: f32, r32: f32, i0: f32, i32_: f32, p0: &mut [f32], p1: &mut [f32], p2: &mut [f32], p3: &mut [f32]) {
        let e = HALF_BLOCK;
        if p0.len() > e && p1.len() > e && p2.len() > e && p3.len() > e {
            p0[0] = r0;
            p1[0] = 0.0;
            p2[0] = i0;
            p3[0] = 0.0;
            p0[e] = r32;
            p1[e] = -r32;
            p2[e] = i32_;
            p3[e] = -i32_;
        }
    }

    /// The kernel, four pairs (one lane group) at a time; writes `[plus x4, minus x4]` per group.
    #[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
    pub(super) fn kernel(fold: &[f32], table: &[f32], anchors: &[f32], out: &mut [f32], groups: usize, blocks: usize) {
        let row = groups * 8;
        if groups == 0
            || fold.len() < blocks * FOLD_STRIDE
            || table.len() < FOLD_ENTRIES * row
            || anchors.len() < blocks * row
            || out.len() < row
        {
            return;
        }
        for (g, o) in out.chunks_exact_mut(8).take(groups).enumerate() {
            let mut plus = [0.0f32; 4];
            let mut minus = [0.0f32; 4];
            for (f, a) in fold.chunks_exact(FOLD_STRIDE).zip(anchors.chunks_exact(row)).take(blocks) {
                let (mut ur, mut ui, mut vr, mut vi) = ([0.0f32; 4], [0.0f32; 4], [0.0f32; 4], [0.0f32; 4]);
                let (p0, rest) = f.split_at(PLANE);
                let (p1, rest) = rest.split_at(PLANE);
                let (p2, p3) = rest.split_at(PLANE);
                let entries = p0.iter().zip(p1).zip(p2).zip(p3).zip(table.chunks_exact(row)).take(FOLD_ENTRIES);
                for ((((&a0, &a1), &a2), &a3), t) in entries {
                    let t = &t[8 * g..8 * g + 8];
                    for l in 0..4 {
                        ur[l] += a0 * t[l];
                        ui[l] += a1 * t[4 + l];
                        vr[l] += a2 * t[l];
                        vi[l] += a3 * t[4 + l];
                    }
                }
                let a = &a[8 * g..8 * g + 8];
                for l in 0..4 {
                    let (ar, ai) = (a[l], a[4 + l]);
                    plus[l] += ar * (ur[l] - vi[l]) - ai * (ui[l] + vr[l]);
                    minus[l] += ar * (ur[l] + vi[l]) - ai * (ui[l] - vr[l]);
                }
            }
            o[..4].copy_from_slice(&plus);
            o[4..].copy_from_slice(&minus);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// SIMD128 kernels
// ---------------------------------------------------------------------------------------------

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{FOLD_ENTRIES, FOLD_STRIDE, HALF_BLOCK, PHAT_FLOOR, PLANE};
    use crate::simd4::{add, ld, mul, reverse, splat, st, sub};
    use core::arch::wasm32::*;

    #[inline(always)]
    unsafe fn ld_deinterleave(p: *const f32) -> (v128, v128) {
        let v0 = ld(p);
        let v1 = ld(p.add(4));
        (i32x4_shuffle::<0, 2, 4, 6>(v0, v1), i32x4_shuffle::<1, 3, 5, 7>(v0, v1))
    }

    #[inline(always)]
    unsafe fn st_interleave(p: *mut f32, re: v128, im: v128) {
        st(p, i32x4_shuffle::<0, 4, 1, 5>(re, im));
        st(p.add(4), i32x4_shuffle::<2, 6, 3, 7>(re, im));
    }

    /// The inverse real FFT's packing, as the scalar loops: `g(k) = re + im` for bins
    /// `0 .. half`, `g(N - k) = re - im` for bins `1 ..= half` (the caller then sets `g(0)` and
    /// `g(half)`).
    ///
    /// # Safety
    /// `spec` readable for `2 half + 2` floats, `g` writable for `2 half`; `half % 4 == 0`.
    pub(super) unsafe fn inv_pack(spec: *const f32, g: *mut f32, half: usize) {
        let n = 2 * half;
        let mut k = 0;
        while k < half {
            let (re, im) = ld_deinterleave(spec.add(2 * k));
            st(g.add(k), add(re, im));
            // Bins k + 1 ..= k + 4 go to g(N - k - 1) down to g(N - k - 4).
            let (re, im) = ld_deinterleave(spec.add(2 * k + 2));
            st(g.add(n - k - 4), reverse(sub(re, im)));
            k += 4;
        }
    }

    /// The inverse real FFT's unpacking, as the scalar loops: `out(m) = (re + im) s` for
    /// `m = 0 .. half`, `out(N - m) = (re - im) s` for `m = 1 ..= half` (the caller then sets
    /// `out(half)`).
    ///
    /// # Safety
    /// `spec` readable for `2 half + 2` floats, `out` writable for `2 half`; `half % 4 == 0`.
    pub(super) unsafe fn inv_unpack(spec: *const f32, out: *mut f32, half: usize, scale: f32) {
        let n = 2 * half;
        let s = f32x4_splat(scale);
        let mut k = 0;
        while k < half {
            let (re, im) = ld_deinterleave(spec.add(2 * k));
            st(out.add(k), mul(add(re, im), s));
            let (re, im) = ld_deinterleave(spec.add(2 * k + 2));
            st(out.add(n - k - 4), reverse(mul(sub(re, im), s)));
            k += 4;
        }
    }

    /// Cross-spectrum of bins `0 .. half` (interleaved), same operations as `scalar::cross_bin`.
    ///
    /// # Safety
    /// `x`, `r` readable and `out` writable for `2 half` floats; `half` a multiple of 4.
    pub(super) unsafe fn cross(x: *const f32, r: *const f32, out: *mut f32, half: usize, phat: bool) {
        let one = f32x4_splat(1.0);
        let floor = f32x4_splat(PHAT_FLOOR);
        let mut k = 0;
        while k < half {
            let (xr, xi) = ld_deinterleave(x.add(2 * k));
            let (rr, ri) = ld_deinterleave(r.add(2 * k));
            let mut cr = add(mul(xr, rr), mul(xi, ri));
            let mut ci = sub(mul(xi, rr), mul(xr, ri));
            if phat {
                let m = f32x4_sqrt(add(mul(cr, cr), mul(ci, ci)));
                let w = f32x4_div(one, f32x4_max(m, floor));
                cr = mul(cr, w);
                ci = mul(ci, w);
            }
            st_interleave(out.add(2 * k), cr, ci);
            k += 4;
        }
    }

    /// One block of 64 bins: `q = C (A t_j)`, as `scalar::centre_block`.
    ///
    /// # Safety
    /// `c` readable for 128 floats, `ctab` for 128, `qr` and `qi` writable for 64.
    pub(super) unsafe fn centre_block(c: *const f32, ctab: *const f32, ar: f32, ai: f32, qr: *mut f32, qi: *mut f32) {
        let (ar, ai) = (f32x4_splat(ar), f32x4_splat(ai));
        let mut j = 0;
        while j < 64 {
            let (tc, ts) = (ld(ctab.add(j)), ld(ctab.add(64 + j)));
            let pr = sub(mul(ar, tc), mul(ai, ts));
            let pi = add(mul(ar, ts), mul(ai, tc));
            let (cr, ci) = ld_deinterleave(c.add(2 * j));
            st(qr.add(j), sub(mul(cr, pr), mul(ci, pi)));
            st(qi.add(j), add(mul(cr, pi), mul(ci, pr)));
            j += 4;
        }
    }

    /// Folds every block, as `scalar::fold`.
    ///
    /// # Safety
    /// `qr`, `qi` readable for `64 blocks + 4` floats; `fold` writable for
    /// `blocks * FOLD_STRIDE`.
    pub(super) unsafe fn fold(qr: *const f32, qi: *const f32, fold: *mut f32, blocks: usize) {
        for m in 0..blocks {
            let k = 64 * m + HALF_BLOCK;
            let f = fold.add(m * FOLD_STRIDE);
            // Entries j = 1 ..= 32 in vectors of four: lanes q(K + j ..), and q(K - j ..)
            // loaded from K - j - 3 and reversed. (Entry 32's plus side is fixed below.)
            let mut j = 1;
            while j <= HALF_BLOCK {
                let (a, b) = (ld(qr.add(k + j)), reverse(ld(qr.add(k - j - 3))));
                let (c, d) = (ld(qi.add(k + j)), reverse(ld(qi.add(k - j - 3))));
                st(f.add(j), add(a, b));
                st(f.add(PLANE + j), sub(a, b));
                st(f.add(2 * PLANE + j), add(c, d));
                st(f.add(3 * PLANE + j), sub(c, d));
                j += 4;
            }
            let (r0, r32, i0, i32_) = (*qr.add(k), *qr.add(k - HALF_BLOCK), *qi.add(k), *qi.add(k - HALF_BLOCK));
            *f = r0;
            *f.add(PLANE) = 0.0;
            *f.add(2 * PLANE) = i0;
            *f.add(3 * PLANE) = 0.0;
            *f.add(HALF_BLOCK) = r32;
            *f.add(PLANE + HALF_BLOCK) = -r32;
            *f.add(2 * PLANE + HALF_BLOCK) = i32_;
            *f.add(3 * PLANE + HALF_BLOCK) = -i32_;
        }
    }

    /// `T` lane groups from `g0` over every block; writes `[plus x4, minus x4]` per group.
    ///
    /// # Safety
    /// As [`kernel`], and `g0 + T <= groups`.
    #[inline(always)]
    unsafe fn tile<const T: usize>(
        fold: *const f32,
        table: *const f32,
        anchors: *const f32,
        out: *mut f32,
        g0: usize,
        groups: usize,
        blocks: usize,
    ) {
        let z = f32x4_splat(0.0);
        let mut plus = [z; T];
        let mut minus = [z; T];
        let row = 8 * groups;
        for m in 0..blocks {
            let f = fold.add(m * FOLD_STRIDE);
            let mut ur = [z; T];
            let mut ui = [z; T];
            let mut vr = [z; T];
            let mut vi = [z; T];
            let mut tp = table.add(8 * g0);
            for e in 0..FOLD_ENTRIES {
                let a0 = splat(f.add(e));
                let a1 = splat(f.add(PLANE + e));
                let a2 = splat(f.add(2 * PLANE + e));
                let a3 = splat(f.add(3 * PLANE + e));
                for t in 0..T {
                    let c = ld(tp.add(8 * t));
                    let s = ld(tp.add(8 * t + 4));
                    ur[t] = add(ur[t], mul(a0, c));
                    ui[t] = add(ui[t], mul(a1, s));
                    vr[t] = add(vr[t], mul(a2, c));
                    vi[t] = add(vi[t], mul(a3, s));
                }
                tp = tp.add(row);
            }
            let ap = anchors.add(m * row + 8 * g0);
            for t in 0..T {
                let (ar, ai) = (ld(ap.add(8 * t)), ld(ap.add(8 * t + 4)));
                plus[t] = add(plus[t], sub(mul(ar, sub(ur[t], vi[t])), mul(ai, add(ui[t], vr[t]))));
                minus[t] = add(minus[t], sub(mul(ar, add(ur[t], vi[t])), mul(ai, sub(ui[t], vr[t]))));
            }
        }
        for t in 0..T {
            st(out.add(8 * (g0 + t)), plus[t]);
            st(out.add(8 * (g0 + t) + 4), minus[t]);
        }
    }

    /// The kernel over all lane groups, two at a time (sharing the folded loads).
    ///
    /// # Safety
    /// `fold` readable for `blocks * FOLD_STRIDE` floats, `table` for `33 * 8 groups`,
    /// `anchors` for `blocks * 8 groups`, `out` writable for `8 groups`.
    pub(super) unsafe fn kernel(fold: *const f32, table: *const f32, anchors: *const f32, out: *mut f32, groups: usize, blocks: usize) {
        let mut g = 0;
        while g + 2 <= groups {
            tile::<2>(fold, table, anchors, out, g, groups, blocks);
            g += 2;
        }
        if g < groups {
            tile::<1>(fold, table, anchors, out, g, groups, blocks);
        }
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
