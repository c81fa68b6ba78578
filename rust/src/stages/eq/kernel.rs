//! The biquad cascade kernel: a transposed direct form with Blink's rounding, scalar and SIMD128.
//!
//! # Arithmetic (what makes the output match Chromium's `BiquadFilterNode`)
//!
//! Blink filters in direct form I with f64 coefficients and f64 arithmetic, but stores every
//! output sample as `f32` and feeds that rounded value back (`y1 = y` after `float y = ...`).
//! Each section here computes exactly that recursion,
//!
//! ```text
//! y_r(t) = f32( b0 x(t) + b1 x(t-1) + b2 x(t-2) - a1 y_r(t-1) - a2 y_r(t-2) )
//! ```
//!
//! with the sum arranged as a transposed direct form whose state update is delayed by one sample
//! (so that the rounded output is only needed at the start of the next step):
//!
//! ```text
//! s1 = p1 - a1 y_r(t-1)        s2 = q2 - a2 y_r(t-1)
//! y  = b0 x(t) + s1            y_r(t) = f32(y)
//! p1 = b1 x(t) + s2            q2 = b2 x(t)
//! ```
//!
//! The f64 sum is associated differently from Blink's left-to-right sum, which changes the f64
//! value by an ulp or so and the f32 result only when the exact sum lies within ~1e-16 relative
//! of a rounding boundary: in tests against Chromium 156 every sample of 12 single-node and
//! several 8-node cascades over 48000 noise samples was bit-identical.
//!
//! # SIMD layout (wasm32 + simd128)
//!
//! `m` sections (1..=8) in `V = ceil(m/2)` f64x2 vectors; vector `v` holds sections `v` and
//! `v + V` (an odd count is padded with an identity section at the end). Step `t` advances every
//! section by one sample, section `s` working on sample `t - s`: a software pipeline of latency
//! `2V - 1` in which the input of vector `v >= 1` is vector `v - 1`'s last output (no shuffle)
//! and vector 0 takes `[x(t), output of section V-1]`. The rounded outputs are carried between
//! steps as demoted `f32x4` values (`f32x4.demote_f64x2_zero`, promoted again at the next
//! step), which also keeps LLVM from turning the f64 -> f32 -> f64 round trip into scalar code.
//! The first and last `2V - 1` steps of a call run masked (lanes with no sample keep their state),
//! so every call starts and ends on sample boundaries and the result equals the scalar kernel's
//! bit for bit (apart from the sign of an exact zero through a padding section).
//!
//! # Cost (wasm SIMD128, Node 20, this machine: AMD EPYC at ~3.4 GHz)
//!
//! 1024 samples: 1-2 sections 5.0 us, 3-4 sections 6.3 us, 5-6 sections 6.4 us, 7-8 sections
//! 8.5 us; a plain JS DF2T cascade of 8 sections takes 28-29 us in the same process (3.3-3.4x).
//! One step is bound by the latency of promote, multiply, subtract, add, demote (~16-20 cycles)
//! up to 3 vectors; with 4, V8 keeps the 12 loop-carried vectors in stack slots, ~27 cycles a
//! step. An f32x4 DF2T pipeline (no f64, no rounding) runs 8 x 1024 in 3.9 us but differs from
//! Chromium by up to 5e-4 on ordinary settings (see `mod.rs`).

use super::coefs::Coefs;

/// One section's state, carried between calls: `y1`, `y2` the last two rounded outputs
/// (`y_r(t-1)`, `y_r(t-2)`), `p1`, `q2` the pending transposed-form partial sums.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SecState {
    pub y1: f32,
    pub y2: f32,
    pub p1: f64,
    pub q2: f64,
}

impl SecState {
    /// The state of a section that has been passing its input through unchanged (an identity
    /// band) with the last two inputs `x1`, `x2`, expressed for coefficients `c`: switching such a
    /// band on continues smoothly from what it was doing.
    pub fn identity_history(c: &Coefs, x1: f32, x2: f32) -> SecState {
        let (x1d, x2d) = (x1 as f64, x2 as f64);
        SecState { y1: x1, y2: x2, p1: c.b1 * x1d + (c.b2 * x2d - c.a2 * x2d), q2: c.b2 * x1d }
    }

    /// Zeroes values below `limit` in magnitude (denormal protection between calls).
    pub fn flush(&mut self, limit: f64) {
        if (self.y1.abs() as f64) < limit {
            self.y1 = 0.0;
        }
        if (self.y2.abs() as f64) < limit {
            self.y2 = 0.0;
        }
        if self.p1.abs() < limit {
            self.p1 = 0.0;
        }
        if self.q2.abs() < limit {
            self.q2 = 0.0;
        }
    }
}

/// One sample through one section (the scalar form of the step described in the module docs).
#[inline(always)]
pub fn step(c: &Coefs, st: &mut SecState, x: f32) -> f32 {
    let yr = st.y1 as f64;
    let s1 = st.p1 - c.a1 * yr;
    let s2 = st.q2 - c.a2 * yr;
    let xd = x as f64;
    let y = (c.b0 * xd + s1) as f32;
    st.p1 = c.b1 * xd + s2;
    st.q2 = c.b2 * xd;
    st.y2 = st.y1;
    st.y1 = y;
    y
}

/// Filters `input` through the sections `co` (states `st`, same length, at most 8) into `out`,
/// one section after the other. Lengths that disagree are cut to the shortest; no section (or no
/// sample) leaves `out` untouched.
pub fn run_scalar(co: &[Coefs], st: &mut [SecState], input: &[f32], out: &mut [f32]) {
    let n = input.len().min(out.len());
    let (input, out) = (&input[..n], &mut out[..n]);
    for (i, (c, s)) in co.iter().zip(st.iter_mut()).enumerate() {
        if i == 0 {
            for (o, &x) in out.iter_mut().zip(input.iter()) {
                *o = step(c, s, x);
            }
        } else {
            for o in out.iter_mut() {
                *o = step(c, s, *o);
            }
        }
    }
}

/// [`run_scalar`], or the SIMD128 pipeline in wasm builds with simd128 (same results).
pub fn run(co: &[Coefs], st: &mut [SecState], input: &[f32], out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::run(co, st, input, out)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        run_scalar(co, st, input, out)
    }
}

/// Whether [`run`] uses SIMD128.
pub fn simd_enabled() -> bool {
    cfg!(all(target_arch = "wasm32", target_feature = "simd128"))
}

/// Runs [`run`] and [`run_scalar`] on the same pseudo-random noise (a 32-bit LCG) through
/// 1..=8 sections of every type (random settings), over several calls of odd lengths (so fill,
/// drain and carried state are exercised): true if every output sample and state value is the
/// same bit for bit (a zero may differ in sign, as the module's notes say). Native builds compare
/// the scalar path with itself. Allocates.
pub fn simd_matches_scalar() -> bool {
    use super::coefs::{coefficients, Kind};
    let mut seed: u32 = 0x0e9b_a2d5;
    let mut rnd = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f64 / 16_777_216.0
    };
    let fs = 48000.0;
    let lengths = [1usize, 2, 7, 31, 128, 333, 1024];
    for trial in 0..48 {
        let m = 1 + trial % 8;
        let mut co = [Coefs::IDENTITY; 8];
        for c in co.iter_mut().take(m) {
            let kind = Kind::from_id(1 + (rnd() * 7.0) as i32).unwrap_or(Kind::Peaking);
            let f = 20.0 * 1000f64.powf(rnd());
            let g = (rnd() - 0.5) * 30.0;
            let q = if kind.q_in_db() { (rnd() - 0.3) * 20.0 } else { 0.3 * 30f64.powf(rnd()) };
            *c = coefficients(kind, f.min(fs / 2.0), g, q, fs);
        }
        let mut sa = [SecState::default(); 8];
        let mut sb = [SecState::default(); 8];
        for &n in lengths.iter() {
            let input: Vec<f32> = (0..n).map(|_| (rnd() - 0.5) as f32).collect();
            let mut a = vec![0.0f32; n];
            let mut b = vec![0.0f32; n];
            run_scalar(&co[..m], &mut sa[..m], &input, &mut a);
            run(&co[..m], &mut sb[..m], &input, &mut b);
            // the same bits, or zeros of either sign (see the module's notes on padding sections)
            let same = |u: f64, v: f64| u.to_bits() == v.to_bits() || (u == 0.0 && v == 0.0);
            if a.iter().zip(b.iter()).any(|(&x, &y)| !same(x as f64, y as f64)) {
                return false;
            }
            for (x, y) in sa[..m].iter().zip(sb[..m].iter()) {
                let pairs = [(x.y1 as f64, y.y1 as f64), (x.y2 as f64, y.y2 as f64), (x.p1, y.p1), (x.q2, y.q2)];
                if pairs.iter().any(|&(u, v)| !same(u, v)) {
                    return false;
                }
            }
        }
    }
    true
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    //! The pipelined f64x2 kernel. No `unsafe`: samples are read and written through slices,
    //! and every SIMD operation used is a safe intrinsic.
    use super::{Coefs, SecState};
    use core::arch::wasm32::*;

    pub(super) fn run(co: &[Coefs], st: &mut [SecState], input: &[f32], out: &mut [f32]) {
        let m = co.len().min(st.len());
        let n = input.len().min(out.len());
        let (input, out) = (&input[..n], &mut out[..n]);
        match m {
            0 => {}
            1 | 2 => pipeline::<1>(&co[..m], &mut st[..m], input, out),
            3 | 4 => pipeline::<2>(&co[..m], &mut st[..m], input, out),
            5 | 6 => pipeline::<3>(&co[..m], &mut st[..m], input, out),
            7 | 8 => pipeline::<4>(&co[..m], &mut st[..m], input, out),
            _ => super::run_scalar(co, st, input, out),
        }
    }

    /// Vector states: rounded outputs (demoted, lanes 0..2), the outputs before them (for the
    /// history the stage keeps), and the two partial sums.
    struct Lanes<const V: usize> {
        c: [[v128; V]; 5],
        yd: [v128; V],
        ydp: [v128; V],
        p1: [v128; V],
        q2: [v128; V],
    }

    /// One unmasked step: every section takes its next sample.
    #[inline(always)]
    fn step<const V: usize>(x: f32, c: &[[v128; V]; 5], yd: &mut [v128; V], p1: &mut [v128; V], q2: &mut [v128; V]) {
        let xin = f64x2_splat(x as f64);
        let mut yr = [xin; V];
        for v in 0..V {
            yr[v] = f64x2_promote_low_f32x4(yd[v]);
        }
        for v in (0..V).rev() {
            let xv = if v == 0 { i64x2_shuffle::<0, 2>(xin, yr[V - 1]) } else { yr[v - 1] };
            let s1 = f64x2_sub(p1[v], f64x2_mul(c[3][v], yr[v]));
            let s2 = f64x2_sub(q2[v], f64x2_mul(c[4][v], yr[v]));
            let y = f64x2_add(f64x2_mul(c[0][v], xv), s1);
            yd[v] = f32x4_demote_f64x2_zero(y);
            p1[v] = f64x2_add(f64x2_mul(c[1][v], xv), s2);
            q2[v] = f64x2_mul(c[2][v], xv);
        }
    }

    /// A step in which only sections with a sample (`0 <= t - s < n`) update their state.
    #[inline(never)]
    fn step_masked<const V: usize>(x: f32, t: usize, n: usize, l: &mut Lanes<V>) {
        let (old_yd, old_p1, old_q2) = (l.yd, l.p1, l.q2);
        step::<V>(x, &l.c, &mut l.yd, &mut l.p1, &mut l.q2);
        let active = |s: usize| t >= s && t - s < n;
        for v in 0..V {
            let (a, b) = (active(v), active(v + V));
            let m64 = i64x2(-(a as i64), -(b as i64));
            let m32 = i32x4(-(a as i32), -(b as i32), 0, 0);
            l.ydp[v] = v128_bitselect(old_yd[v], l.ydp[v], m32);
            l.yd[v] = v128_bitselect(l.yd[v], old_yd[v], m32);
            l.p1[v] = v128_bitselect(l.p1[v], old_p1[v], m64);
            l.q2[v] = v128_bitselect(l.q2[v], old_q2[v], m64);
        }
    }

    fn pipeline<const V: usize>(co: &[Coefs], st: &mut [SecState], input: &[f32], out: &mut [f32]) {
        let n = input.len().min(out.len());
        if n == 0 {
            return;
        }
        let zero = f64x2_splat(0.0);
        let mut l = Lanes::<V> { c: [[zero; V]; 5], yd: [zero; V], ydp: [zero; V], p1: [zero; V], q2: [zero; V] };
        let pad = SecState::default();
        let sec = |j: usize| match (co.get(j), st.get(j)) {
            (Some(c), Some(s)) => (*c, *s),
            _ => (Coefs::IDENTITY, pad),
        };
        for v in 0..V {
            let ((ca, sa), (cb, sb)) = (sec(v), sec(v + V));
            l.c[0][v] = f64x2(ca.b0, cb.b0);
            l.c[1][v] = f64x2(ca.b1, cb.b1);
            l.c[2][v] = f64x2(ca.b2, cb.b2);
            l.c[3][v] = f64x2(ca.a1, cb.a1);
            l.c[4][v] = f64x2(ca.a2, cb.a2);
            l.yd[v] = f32x4(sa.y1, sb.y1, 0.0, 0.0);
            l.ydp[v] = f32x4(sa.y2, sb.y2, 0.0, 0.0);
            l.p1[v] = f64x2(sa.p1, sb.p1);
            l.q2[v] = f64x2(sa.q2, sb.q2);
        }
        let lat = 2 * V - 1;
        let total = n + lat;
        // Unmasked steps: every section has a sample (t - s in 0..n for all s <= lat), and no
        // section takes its last sample (that happens at t = n - 1 + s, masked, which records
        // the history `ydp`).
        let main_end = n - 1;
        let mut t = 0;
        while t < total {
            if t >= lat && t < main_end {
                let (c, yd, p1, q2) = (&l.c, &mut l.yd, &mut l.p1, &mut l.q2);
                for (o, &x) in out[t - lat..main_end - lat].iter_mut().zip(input[t..main_end].iter()) {
                    step::<V>(x, c, yd, p1, q2);
                    *o = f32x4_extract_lane::<1>(yd[V - 1]);
                }
                t = main_end;
                continue;
            }
            let x = input.get(t).copied().unwrap_or(0.0);
            step_masked::<V>(x, t, n, &mut l);
            if t >= lat {
                if let Some(o) = out.get_mut(t - lat) {
                    *o = f32x4_extract_lane::<1>(l.yd[V - 1]);
                }
            }
            t += 1;
        }
        for v in 0..V {
            for (lane, j) in [(0usize, v), (1, v + V)] {
                if let Some(s) = st.get_mut(j) {
                    let (y1, y2, p1, q2) = if lane == 0 {
                        (
                            f32x4_extract_lane::<0>(l.yd[v]),
                            f32x4_extract_lane::<0>(l.ydp[v]),
                            f64x2_extract_lane::<0>(l.p1[v]),
                            f64x2_extract_lane::<0>(l.q2[v]),
                        )
                    } else {
                        (
                            f32x4_extract_lane::<1>(l.yd[v]),
                            f32x4_extract_lane::<1>(l.ydp[v]),
                            f64x2_extract_lane::<1>(l.p1[v]),
                            f64x2_extract_lane::<1>(l.q2[v]),
                        )
                    };
                    *s = SecState { y1, y2, p1, q2 };
                }
            }
        }
    }
}
