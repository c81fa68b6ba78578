//! The `fast` precision's kernel: the same sections in f32, four sections per SIMD128 vector.
//!
//! # Arithmetic
//!
//! Each section runs the transposed direct form of `kernel` (the state update delayed by one
//! sample) entirely in f32, with the coefficients rounded to f32 and the sums associated so that
//! the previous output enters last:
//!
//! ```text
//! y  = (b0 x(t) + p1) - a1 y(t-1)
//! p1 = (b1 x(t) + q2) - a2 y(t-1)      q2 = b2 x(t)
//! ```
//!
//! every product and sum rounded to f32 (no fused multiply-add), so the wasm SIMD build and the
//! portable four-lane arrays of native builds give the same bits. The state is the exact
//! kernel's [`SecState`] (`p1`, `q2` rounded to f32 on entry), so switching precision continues
//! the filters. Against the exact arithmetic (Chromium's) the output differs by up to ~8e-4 on
//! ordinary settings (f32 feedback noise amplified by low-frequency or high-Q poles). The impulse
//! response's spectrum stays within 0.01 dB of the design from 100 Hz to 20 kHz with the host's
//! bands (0.003 dB); below 100 Hz, beside a 30 or 40 Hz highpass, it departs by up to 0.03 dB
//! (the exact arithmetic: up to 0.037 dB). See `rust/tests/eq_fast.rs`.
//!
//! # SIMD layout
//!
//! `m` sections (1..=8) in `V` f32x4 vectors (`V = 1` up to 4 sections, else 2); vector `v`
//! lane `l` holds section `v + V l` (missing sections are identity padding). Step `t` advances
//! every section by one sample, section `s` working on sample `t - 2s`: a section's input is
//! the output its predecessor made two steps before, known a whole step ahead, so only
//! `- a1 y(t-1)` (a multiply and a subtract) lies on the step-to-step path; with a skew of one
//! sample the input's `b0 x + p1` would be on it too (about 12 instead of 8 cycles a step). The
//! input of vector `v >= 1` is vector `v - 1`'s previous output lane for lane, and vector 0
//! takes `[x(t+1), lanes 0..3 of vector V-1]` (one shuffle). The first and last `2(4V - 1)`
//! steps of a call run masked (lanes without a sample keep their state), so each call starts and
//! ends on sample boundaries, exactly as a section-after-section scalar run.
//!
//! # Cost (wasm SIMD128, Node 20, the bench machine)
//!
//! 8 sections over 1024 samples 3.8-4.2 us (exact: 8.2-8.6 us; a plain JS DF2T cascade 24-25
//! us); over 128 samples ~0.85 us (28 of the 142 steps masked).

use super::coefs::Coefs;
use super::kernel::SecState;

/// Four f32 lanes: a `v128` in wasm builds with simd128, an array elsewhere (same results).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct F4(v128);

    /// Four lane indices.
    #[derive(Clone, Copy)]
    pub struct U4(v128);

    /// Four lane flags.
    #[derive(Clone, Copy)]
    pub struct M4(v128);

    impl U4 {
        pub fn new(a: [u32; 4]) -> U4 {
            U4(u32x4(a[0], a[1], a[2], a[3]))
        }

        /// Set where `t - self` (wrapping) is not below `n`.
        #[inline(always)]
        pub fn idle(self, t: u32, n: u32) -> M4 {
            let d = i32x4_sub(u32x4_splat(t), self.0);
            M4(v128_not(u32x4_lt(d, u32x4_splat(n))))
        }
    }

    impl F4 {
        #[inline(always)]
        pub fn new(a: [f32; 4]) -> F4 {
            F4(f32x4(a[0], a[1], a[2], a[3]))
        }
        #[inline(always)]
        pub fn splat(x: f32) -> F4 {
            F4(f32x4_splat(x))
        }
        #[inline(always)]
        pub fn add(self, o: F4) -> F4 {
            F4(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        pub fn sub(self, o: F4) -> F4 {
            F4(f32x4_sub(self.0, o.0))
        }
        #[inline(always)]
        pub fn mul(self, o: F4) -> F4 {
            F4(f32x4_mul(self.0, o.0))
        }
        /// `[x, y0, y1, y2]`.
        #[inline(always)]
        pub fn shift_in(x: f32, y: F4) -> F4 {
            F4(i32x4_shuffle::<0, 4, 5, 6>(f32x4_splat(x), y.0))
        }
        #[inline(always)]
        pub fn last(self) -> f32 {
            f32x4_extract_lane::<3>(self.0)
        }
        /// Lanes of `self` where `idle` is clear, of `old` where it is set.
        #[inline(always)]
        pub fn keep(self, old: F4, idle: M4) -> F4 {
            F4(v128_bitselect(old.0, self.0, idle.0))
        }
        pub fn to_array(self) -> [f32; 4] {
            [
                f32x4_extract_lane::<0>(self.0),
                f32x4_extract_lane::<1>(self.0),
                f32x4_extract_lane::<2>(self.0),
                f32x4_extract_lane::<3>(self.0),
            ]
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    #[derive(Clone, Copy)]
    pub struct F4([f32; 4]);

    /// Four lane indices.
    #[derive(Clone, Copy)]
    pub struct U4([u32; 4]);

    /// Four lane flags.
    #[derive(Clone, Copy)]
    pub struct M4([bool; 4]);

    impl U4 {
        pub fn new(a: [u32; 4]) -> U4 {
            U4(a)
        }

        /// Set where `t - self` (wrapping) is not below `n`.
        #[inline(always)]
        pub fn idle(self, t: u32, n: u32) -> M4 {
            M4(self.0.map(|s| t.wrapping_sub(s) >= n))
        }
    }

    impl F4 {
        #[inline(always)]
        pub fn new(a: [f32; 4]) -> F4 {
            F4(a)
        }
        #[inline(always)]
        pub fn splat(x: f32) -> F4 {
            F4([x; 4])
        }
        #[inline(always)]
        fn zip(self, o: F4, f: impl Fn(f32, f32) -> f32) -> F4 {
            let (a, b) = (self.0, o.0);
            F4([f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])])
        }
        #[inline(always)]
        pub fn add(self, o: F4) -> F4 {
            self.zip(o, |a, b| a + b)
        }
        #[inline(always)]
        pub fn sub(self, o: F4) -> F4 {
            self.zip(o, |a, b| a - b)
        }
        #[inline(always)]
        pub fn mul(self, o: F4) -> F4 {
            self.zip(o, |a, b| a * b)
        }
        /// `[x, y0, y1, y2]`.
        #[inline(always)]
        pub fn shift_in(x: f32, y: F4) -> F4 {
            F4([x, y.0[0], y.0[1], y.0[2]])
        }
        #[inline(always)]
        pub fn last(self) -> f32 {
            self.0[3]
        }
        /// Lanes of `self` where `idle` is clear, of `old` where it is set.
        #[inline(always)]
        pub fn keep(self, old: F4, idle: M4) -> F4 {
            let pick = |i: usize| if idle.0[i] { old.0[i] } else { self.0[i] };
            F4([pick(0), pick(1), pick(2), pick(3)])
        }
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
    }
}

use lanes::{F4, U4};

/// Filters `input` through the sections `co` (states `st`, same length, at most 8) into `out`
/// in f32 (see the module docs). Lengths that disagree are cut to the shortest; no section (or
/// no sample) leaves `out` untouched. Never allocates.
pub fn run(co: &[Coefs], st: &mut [SecState], input: &[f32], out: &mut [f32]) {
    let m = co.len().min(st.len()).min(8);
    // step counters are u32 (lane arithmetic): longer inputs go in pieces, which changes nothing
    const PIECE: usize = 1 << 30;
    for (input, out) in input.chunks(PIECE).zip(out.chunks_mut(PIECE)) {
        match m {
            0 => {}
            1..=4 => pipeline::<1>(&co[..m], &mut st[..m], input, out),
            _ => pipeline::<2>(&co[..m], &mut st[..m], input, out),
        }
    }
}

/// Vector coefficients and states: per lane the last output `y1`, the one before `y2` (kept by
/// masked steps only), the pending sums `p1`, `q2`, and `xc`, the input of the lane's next sample.
struct Lanes<const V: usize> {
    /// b0, b1, b2, a1, a2.
    c: [[F4; V]; 5],
    y1: [F4; V],
    y2: [F4; V],
    p1: [F4; V],
    q2: [F4; V],
    xc: [F4; V],
    /// The step at which each lane's section takes its first sample (`2s`).
    first: [U4; V],
}

/// One step: every section takes its next sample; `x_next` is section 0's following input.
#[inline(always)]
fn step<const V: usize>(x_next: f32, c: &[[F4; V]; 5], y1: &mut [F4; V], p1: &mut [F4; V], q2: &mut [F4; V], xc: &mut [F4; V]) {
    let prev = *y1;
    for v in 0..V {
        let x = xc[v];
        let u = c[0][v].mul(x).add(p1[v]);
        y1[v] = u.sub(c[3][v].mul(prev[v]));
        p1[v] = c[1][v].mul(x).add(q2[v]).sub(c[4][v].mul(prev[v]));
        q2[v] = c[2][v].mul(x);
        // section s takes sample t - 2s: its next input is section s - 1's output of the step before
        xc[v] = if v == 0 { F4::shift_in(x_next, prev[V - 1]) } else { prev[v - 1] };
    }
}

/// A step in which only sections with a sample (`0 <= t - 2s < n`) update their state, keeping
/// the output before the new one in `y2`.
#[inline(never)]
fn step_masked<const V: usize>(x_next: f32, t: u32, n: u32, l: &mut Lanes<V>) {
    let (old_y1, old_p1, old_q2) = (l.y1, l.p1, l.q2);
    step::<V>(x_next, &l.c, &mut l.y1, &mut l.p1, &mut l.q2, &mut l.xc);
    for v in 0..V {
        let idle = l.first[v].idle(t, n);
        l.y2[v] = old_y1[v].keep(l.y2[v], idle);
        l.y1[v] = l.y1[v].keep(old_y1[v], idle);
        l.p1[v] = l.p1[v].keep(old_p1[v], idle);
        l.q2[v] = l.q2[v].keep(old_q2[v], idle);
    }
}

fn pipeline<const V: usize>(co: &[Coefs], st: &mut [SecState], input: &[f32], out: &mut [f32]) {
    let n = input.len().min(out.len());
    if n == 0 {
        return;
    }
    let sec = |j: usize| match (co.get(j), st.get(j)) {
        (Some(c), Some(s)) => (*c, *s),
        _ => (Coefs::IDENTITY, SecState::default()),
    };
    let zero = F4::splat(0.0);
    let first = U4::new([0; 4]);
    let mut l =
        Lanes::<V> { c: [[zero; V]; 5], y1: [zero; V], y2: [zero; V], p1: [zero; V], q2: [zero; V], xc: [zero; V], first: [first; V] };
    for v in 0..V {
        let s = [0, 1, 2, 3].map(|lane| sec(v + V * lane));
        let coef = |f: fn(&Coefs) -> f64| F4::new(s.map(|(c, _)| f(&c) as f32));
        l.c[0][v] = coef(|c| c.b0);
        l.c[1][v] = coef(|c| c.b1);
        l.c[2][v] = coef(|c| c.b2);
        l.c[3][v] = coef(|c| c.a1);
        l.c[4][v] = coef(|c| c.a2);
        l.y1[v] = F4::new(s.map(|(_, st)| st.y1));
        l.y2[v] = F4::new(s.map(|(_, st)| st.y2));
        l.p1[v] = F4::new(s.map(|(_, st)| st.p1 as f32));
        l.q2[v] = F4::new(s.map(|(_, st)| st.q2 as f32));
        l.first[v] = U4::new([0, 1, 2, 3].map(|lane| 2 * (v + V * lane) as u32));
    }
    // section 0's first input; the other lanes get theirs before their first sample
    l.xc[0] = F4::shift_in(input[0], zero);
    // section s takes sample t - 2s at step t: the last section's output lags by `lat` steps
    let lat = 2 * (4 * V - 1);
    let total = n + lat;
    // Unmasked steps: every section has a sample, and none takes its last one (that step is
    // masked and records `y2`).
    let main_end = n - 1;
    let mut t = 0;
    while t < total {
        if t >= lat && t < main_end {
            let (c, y1, p1, q2, xc) = (&l.c, &mut l.y1, &mut l.p1, &mut l.q2, &mut l.xc);
            for (o, &x_next) in out[t - lat..main_end - lat].iter_mut().zip(input[t + 1..=main_end].iter()) {
                step::<V>(x_next, c, y1, p1, q2, xc);
                *o = y1[V - 1].last();
            }
            t = main_end;
            continue;
        }
        let x_next = input.get(t + 1).copied().unwrap_or(0.0);
        step_masked::<V>(x_next, t as u32, n as u32, &mut l);
        if t >= lat {
            if let Some(o) = out.get_mut(t - lat) {
                *o = l.y1[V - 1].last();
            }
        }
        t += 1;
    }
    for v in 0..V {
        let (y1, y2, p1, q2) = (l.y1[v].to_array(), l.y2[v].to_array(), l.p1[v].to_array(), l.q2[v].to_array());
        for lane in 0..4 {
            if let Some(s) = st.get_mut(v + V * lane) {
                *s = SecState { y1: y1[lane], y2: y2[lane], p1: p1[lane] as f64, q2: q2[lane] as f64 };
            }
        }
    }
}

/// One sample through one section in the `fast` arithmetic (the scalar form of a lane's step).
pub fn step_scalar(c: &Coefs, st: &mut SecState, x: f32) -> f32 {
    let (b0, b1, b2, a1, a2) = (c.b0 as f32, c.b1 as f32, c.b2 as f32, c.a1 as f32, c.a2 as f32);
    let y = (b0 * x + st.p1 as f32) - a1 * st.y1;
    st.p1 = ((b1 * x + st.q2 as f32) - a2 * st.y1) as f64;
    st.q2 = (b2 * x) as f64;
    st.y2 = st.y1;
    st.y1 = y;
    y
}
