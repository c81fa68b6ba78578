//! The `fast` precision's kernel: the same sections in f32, four sections per SIMD128 vector.
//!
//! # Arithmetic
//!
//! Each section runs in a delta form of the transposed direct form: with `s1`, `s2` the
//! transposed form's state, the kernel keeps `w1 = s1` and `w2 = s1 + s2`, and the coefficients
//! `alpha2 = 1 + a1 + a2`, `r1 = -1 - a1` (= `1 - alpha1`, `alpha1 = 2 + a1`),
//! `e1 = b1 - b0 a1`, `e2 = (b0 + b1 + b2) - b0 alpha2` (derived from the biquad in f64, then
//! rounded to f32):
//!
//! ```text
//! y  = b0 x + w1
//! w1 = r1 w1 + (w2 + e1 x)
//! w2 = (w2 + e2 x) - alpha2 w1        (the w1 before this step)
//! ```
//!
//! every product and sum rounded to f32 (no fused multiply-add), so the wasm SIMD build and the
//! portable four-lane arrays of native builds give the same bits. The transfer function is the
//! biquad's: `H = b0 + (e1 (z - 1) + e2) / ((z - 1)^2 + alpha1 (z - 1) + alpha2)`. Why: in the
//! plain f32 direct form a pole pair near z = 1 (a 20 Hz band: `1 + a1 + a2 ~ w0^2 ~ 7e-6`) is
//! held by `a1 ~ -2` and `a2 ~ 1`, whose f32 rounding moves it by about 1 %, and the state's
//! rounding noise reaches the output amplified by `1 / w0^2`; here `alpha2` is stored with its own
//! 24 bits, `w2` holds a small difference (an integrator's increment), and the noise gain is about
//! `1 / w0`. The impulse response's spectrum stays within 0.001 dB of the design from 20 Hz to
//! 20 kHz at 44.1, 48 and 96 kHz with the host's, typical and low bands (0.0006 dB worst, a 20 Hz
//! highpass at 96 kHz; the plain f32 direct form: up to 0.24 dB at 48 kHz and 0.58 dB at 96 kHz,
//! and the exact arithmetic, Chromium's, up to 0.057 and 0.11 dB). Against the exact arithmetic
//! the output differs by up to ~1.3e-4 on ordinary settings (that arithmetic's own f32 feedback
//! rounding, mostly). See `rust/tests/eq_fast.rs`.
//!
//! The stage keeps every section's state in the transposed form ([`SecState`]: `y1`, `y2`, `p1`,
//! `q2`): a call converts it to `(w1, w2)` in f64 (then rounded to f32) and back at its end, so
//! switching precision continues the filters, and smoothing, crossfades and the saved state see
//! the same state in both precisions.
//!
//! # SIMD layout
//!
//! `m` sections (1..=8) in `V` f32x4 vectors (`V = 1` up to 4 sections, else 2); vector `v`
//! lane `l` holds section `v + V l` (missing sections are identity padding). Step `t` advances
//! every section by one sample, section `v + V l` working on sample `t - lag`, `lag = v + (V + 1) l`.
//! The output `y` is not on the state's recursion, so the step-to-step path is a multiply and an
//! add (`r1 w1 + ...`) or an add and a subtract (`w2`). The input of vector `v >= 1` is vector
//! `v - 1`'s output of the step before, lane for lane; vector 0 takes `[x(t+1), lanes 0..3 of
//! vector V-1's output two steps before]`: one shuffle, whose operand is ready a step early, so it
//! is off the critical path (three steps more latency: `4V + 2` in all). A call of more
//! than that many samples runs the first `4V + 2` steps (fill) and the last `4V + 3` (drain)
//! unrolled, the lanes that have not started or have finished keeping their state by constant
//! shuffles, and the steps between with every lane working; shorter calls run every step masked
//! by lane comparisons. Each call starts and ends on sample boundaries, exactly as
//! [`run_scalar`], section after section.
//!
//! # Cost (wasm SIMD128, Node 20, the bench machine)
//!
//! 8 sections over 1024 samples 3.16-3.45 us (medians of six runs; exact: 8.4-9.8 us; a plain
//! JS DF2T cascade 24.8-25.7 us in the same process: 8.1x, 7.2-8.1); over 128 samples 0.50-0.71
//! us, 6.0x (4.7-6.05), of which about 0.32 us in the 117 full steps (2.7 ns each: 10
//! coefficient and 7 state vectors, more than the 16 registers), 0.10 us in the 21 fill and
//! drain steps, and the rest in the call. The stage gives [`run_planned`] a [`Plan`] made when
//! its settings change, so a call does not convert the coefficients again.

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
        /// The first `k` lanes of `a`, the others of `b` (one shuffle for a constant `k`).
        #[inline(always)]
        pub fn first_of(k: usize, a: F4, b: F4) -> F4 {
            F4(match k {
                0 => b.0,
                1 => i32x4_shuffle::<0, 5, 6, 7>(a.0, b.0),
                2 => i32x4_shuffle::<0, 1, 6, 7>(a.0, b.0),
                3 => i32x4_shuffle::<0, 1, 2, 7>(a.0, b.0),
                _ => a.0,
            })
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
        /// The first `k` lanes of `a`, the others of `b`.
        #[inline(always)]
        pub fn first_of(k: usize, a: F4, b: F4) -> F4 {
            F4([0, 1, 2, 3].map(|i| if i < k { a.0[i] } else { b.0[i] }))
        }
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
    }
}

use lanes::{F4, U4};

/// A section's coefficients in the delta form, as f32: `b0`, `e1`, `e2`, `r1`, `alpha2` (see
/// the module docs), derived from the biquad in f64.
pub fn delta_coefs(c: &Coefs) -> [f32; 5] {
    let r1 = -1.0 - c.a1;
    let alpha2 = (1.0 + c.a1) + c.a2;
    let e1 = c.b1 - c.b0 * c.a1;
    let e2 = ((c.b0 + c.b1) + c.b2) - c.b0 * alpha2;
    [c.b0 as f32, e1 as f32, e2 as f32, r1 as f32, alpha2 as f32]
}

/// The delta-form state `(w1, w2)` of a section whose transposed-form state is `st` (in f64,
/// then rounded: `w1 = s1`, `w2 = s1 + s2`).
pub fn delta_state(c: &Coefs, st: &SecState) -> (f32, f32) {
    let y1 = st.y1 as f64;
    let s1 = st.p1 - c.a1 * y1;
    let s2 = st.q2 - c.a2 * y1;
    (s1 as f32, (s1 + s2) as f32)
}

/// The transposed-form state of a section in the delta-form state `(w1, w2)` after the outputs
/// `y1` (last) and `y2`.
pub fn transposed_state(c: &Coefs, w1: f32, w2: f32, y1: f32, y2: f32) -> SecState {
    let (s1, s2) = (w1 as f64, w2 as f64 - w1 as f64);
    SecState { y1, y2, p1: s1 + c.a1 * y1 as f64, q2: s2 + c.a2 * y1 as f64 }
}

/// The sections a call filters through: their coefficients and states, in chain order.
pub trait Sections {
    /// Section `j`'s coefficients and state (`None` past the last).
    fn get(&self, j: usize) -> Option<(&Coefs, &SecState)>;
    /// Stores section `j`'s state after a call.
    fn set(&mut self, j: usize, state: SecState);
}

/// Sections in two slices (cut to the shorter).
struct Slices<'a> {
    co: &'a [Coefs],
    st: &'a mut [SecState],
}

impl Sections for Slices<'_> {
    fn get(&self, j: usize) -> Option<(&Coefs, &SecState)> {
        self.co.get(j).zip(self.st.get(j))
    }

    fn set(&mut self, j: usize, state: SecState) {
        if let Some(s) = self.st.get_mut(j) {
            *s = state;
        }
    }
}

/// The f32 lane coefficients of up to 8 sections (see [`delta_coefs`] and the layout in the
/// module docs), computed once when the coefficients change rather than at every call.
#[derive(Clone, Copy)]
pub struct Plan {
    m: usize,
    /// b0, e1, e2, r1, alpha2 per vector (`V` of the 2 used).
    c: [[F4; 2]; 5],
}

impl Plan {
    /// The plan of the sections `co` (the first 8).
    pub fn new(co: &[Coefs]) -> Plan {
        let m = co.len().min(8);
        let vectors = if m <= 4 { 1 } else { 2 };
        let mut c = [[F4::splat(0.0); 2]; 5];
        for v in 0..vectors {
            let d = [0, 1, 2, 3].map(|lane| delta_coefs(co.get(v + vectors * lane).unwrap_or(&Coefs::IDENTITY)));
            for (k, ck) in c.iter_mut().enumerate() {
                ck[v] = F4::new(d.map(|d| d[k]));
            }
        }
        Plan { m, c }
    }

    /// How many sections it holds.
    pub fn sections(&self) -> usize {
        self.m
    }
}

/// Filters `input` through the sections `co` (states `st`, same length, at most 8) into `out`
/// in f32 (see the module docs). Lengths that disagree are cut to the shortest; no section (or
/// no sample) leaves `out` untouched. Never allocates.
pub fn run(co: &[Coefs], st: &mut [SecState], input: &[f32], out: &mut [f32]) {
    let m = co.len().min(st.len()).min(8);
    run_planned(&Plan::new(&co[..m]), &mut Slices { co: &co[..m], st: &mut st[..m] }, input, out);
}

/// [`run`] with the lane coefficients of `plan`, which must be [`Plan::new`] of the
/// coefficients `secs` holds (its first [`Plan::sections`] sections are filtered).
pub fn run_planned(plan: &Plan, secs: &mut impl Sections, input: &[f32], out: &mut [f32]) {
    // step counters are u32 (lane arithmetic): longer inputs go in pieces, which changes nothing
    const PIECE: usize = 1 << 30;
    for (input, out) in input.chunks(PIECE).zip(out.chunks_mut(PIECE)) {
        match plan.m {
            0 => {}
            1..=4 => pipeline::<1>(plan, secs, input, out),
            _ => pipeline::<2>(plan, secs, input, out),
        }
    }
}

/// The step at which section `v + V l` (vector `v`, lane `l`) takes its first sample: vector
/// `v >= 1` follows vector `v - 1` by one step, vector 0 lane `l` follows vector `V - 1` lane
/// `l - 1` by two.
const fn lag(vectors: usize, v: usize, lane: usize) -> usize {
    v + lane * (vectors + 1)
}

/// Vector coefficients and states: per lane the last output `y1`, the one before `y2` (kept by
/// the masked and drain steps only), the delta-form state `w1`, `w2`, and `xc`, the input of the
/// lane's next sample.
struct Lanes<const V: usize> {
    /// b0, e1, e2, r1, alpha2.
    c: [[F4; V]; 5],
    y1: [F4; V],
    y2: [F4; V],
    w1: [F4; V],
    w2: [F4; V],
    xc: [F4; V],
    /// The step at which each lane's section takes its first sample ([`lag`]).
    first: [U4; V],
}

/// One step: every section takes its next sample and the new outputs are returned; `last` is
/// vector `V - 1`'s output of the step before (vector 0's inputs but the first come from it, a
/// step later: off the critical path), `x_next` section 0's following input.
#[inline(always)]
fn step<const V: usize>(x_next: f32, last: F4, c: &[[F4; V]; 5], w1: &mut [F4; V], w2: &mut [F4; V], xc: &mut [F4; V]) -> [F4; V] {
    let mut y = *xc;
    for v in 0..V {
        y[v] = c[0][v].mul(xc[v]).add(w1[v]);
    }
    for v in 0..V {
        let (x, s1, s2) = (xc[v], w1[v], w2[v]);
        w2[v] = s2.add(c[2][v].mul(x)).sub(c[4][v].mul(s1));
        w1[v] = c[3][v].mul(s1).add(s2.add(c[1][v].mul(x)));
    }
    // vector v >= 1 takes vector v - 1's output at the next step, lane for lane
    for v in (1..V).rev() {
        xc[v] = y[v - 1];
    }
    xc[0] = F4::shift_in(x_next, last);
    y
}

/// A step in which only sections with a sample (`0 <= t - lag < n`) update their state, keeping
/// the output before the new one in `y2`.
#[inline(never)]
fn step_masked<const V: usize>(x_next: f32, t: u32, n: u32, l: &mut Lanes<V>) {
    let (old_y1, old_w1, old_w2) = (l.y1, l.w1, l.w2);
    let y = step::<V>(x_next, old_y1[V - 1], &l.c, &mut l.w1, &mut l.w2, &mut l.xc);
    for v in 0..V {
        let idle = l.first[v].idle(t, n);
        l.y2[v] = old_y1[v].keep(l.y2[v], idle);
        l.y1[v] = y[v].keep(old_y1[v], idle);
        l.w1[v] = l.w1[v].keep(old_w1[v], idle);
        l.w2[v] = l.w2[v].keep(old_w2[v], idle);
    }
}

/// Lanes of vector `v` that have taken their first sample by fill step `t`: the first `k`.
#[inline(always)]
const fn started<const V: usize>(v: usize, t: usize) -> usize {
    if t < v {
        0
    } else {
        let k = (t - v) / (V + 1) + 1;
        if k > 4 {
            4
        } else {
            k
        }
    }
}

/// Lanes of vector `v` that have taken their last sample before drain step `d` (step
/// `n - 1 + d`): the first `k`.
#[inline(always)]
const fn finished<const V: usize>(v: usize, d: usize) -> usize {
    if d <= v {
        0
    } else {
        let k = (d - v + V) / (V + 1);
        if k > 4 {
            4
        } else {
            k
        }
    }
}

/// Fill step `t` (`t` below the latency, the call longer than it): the sections that have not
/// started keep their state (lanes chosen by constants once `t` is inlined).
#[inline(always)]
fn fill_step<const V: usize>(t: usize, input: &[f32], y: &mut [F4; V], l: &mut Lanes<V>) {
    let (old_w1, old_w2) = (l.w1, l.w2);
    let x_next = input.get(t + 1).copied().unwrap_or(0.0);
    *y = step::<V>(x_next, y[V - 1], &l.c, &mut l.w1, &mut l.w2, &mut l.xc);
    for v in 0..V {
        let k = started::<V>(v, t);
        l.w1[v] = F4::first_of(k, l.w1[v], old_w1[v]);
        l.w2[v] = F4::first_of(k, l.w2[v], old_w2[v]);
    }
}

/// Drain step `d` (step `n - 1 + d`, the call longer than the latency): the sections that have
/// taken their last sample keep their state; the others record their previous output in `y2`.
#[inline(always)]
fn drain_step<const V: usize>(d: usize, n: usize, lat: usize, out: &mut [f32], l: &mut Lanes<V>) {
    let (old_y1, old_w1, old_w2) = (l.y1, l.w1, l.w2);
    let y = step::<V>(0.0, old_y1[V - 1], &l.c, &mut l.w1, &mut l.w2, &mut l.xc);
    for v in 0..V {
        let k = finished::<V>(v, d);
        l.y2[v] = F4::first_of(k, l.y2[v], old_y1[v]);
        l.y1[v] = F4::first_of(k, old_y1[v], y[v]);
        l.w1[v] = F4::first_of(k, old_w1[v], l.w1[v]);
        l.w2[v] = F4::first_of(k, old_w2[v], l.w2[v]);
    }
    if let Some(o) = (n - 1 + d).checked_sub(lat).and_then(|i| out.get_mut(i)) {
        *o = y[V - 1].last();
    }
}

fn pipeline<const V: usize>(plan: &Plan, secs: &mut impl Sections, input: &[f32], out: &mut [f32]) {
    let n = input.len().min(out.len());
    if n == 0 {
        return;
    }
    let m = plan.m;
    let zero = F4::splat(0.0);
    let first = U4::new([0; 4]);
    let mut l =
        Lanes::<V> { c: [[zero; V]; 5], y1: [zero; V], y2: [zero; V], w1: [zero; V], w2: [zero; V], xc: [zero; V], first: [first; V] };
    for (lc, pc) in l.c.iter_mut().zip(plan.c.iter()) {
        lc.copy_from_slice(&pc[..V]);
    }
    let pad = SecState::default();
    for v in 0..V {
        let s = [0, 1, 2, 3].map(|lane| match secs.get(v + V * lane) {
            Some((c, st)) if v + V * lane < m => (delta_state(c, st), st.y1, st.y2),
            _ => ((0.0, 0.0), pad.y1, pad.y2),
        });
        l.y1[v] = F4::new(s.map(|s| s.1));
        l.y2[v] = F4::new(s.map(|s| s.2));
        l.w1[v] = F4::new(s.map(|s| s.0 .0));
        l.w2[v] = F4::new(s.map(|s| s.0 .1));
        l.first[v] = U4::new([0, 1, 2, 3].map(|lane| lag(V, v, lane) as u32));
    }
    // section 0's first input; the other lanes get theirs before their first sample
    l.xc[0] = F4::shift_in(input[0], zero);
    // the last section takes sample t - lat at step t
    let lat = lag(V, V - 1, 3);
    if n <= lat {
        // Short calls: every step masked.
        for t in 0..n + lat {
            let x_next = input.get(t + 1).copied().unwrap_or(0.0);
            step_masked::<V>(x_next, t as u32, n as u32, &mut l);
            if let Some(o) = t.checked_sub(lat).and_then(|i| out.get_mut(i)) {
                *o = l.y1[V - 1].last();
            }
        }
    } else {
        // Fill: steps 0..lat, no section has taken its last sample yet.
        let mut y = l.y1;
        macro_rules! fill {
            ($($t:literal)*) => {$(
                if $t < lat {
                    fill_step::<V>($t, input, &mut y, &mut l);
                }
            )*};
        }
        fill!(0 1 2 3 4 5 6 7 8 9);
        // Main: steps lat..n - 1, every section has a sample and none takes its last one.
        {
            let (c, w1, w2, xc) = (&l.c, &mut l.w1, &mut l.w2, &mut l.xc);
            for (o, &x_next) in out[..n - 1 - lat].iter_mut().zip(input[lat + 1..n].iter()) {
                y = step::<V>(x_next, y[V - 1], c, w1, w2, xc);
                *o = y[V - 1].last();
            }
        }
        l.y1 = y;
        // Drain: steps n - 1 ..= n - 1 + lat, in which each section takes its last sample.
        macro_rules! drain {
            ($($d:literal)*) => {$(
                if $d < lat + 1 {
                    drain_step::<V>($d, n, lat, out, &mut l);
                }
            )*};
        }
        drain!(0 1 2 3 4 5 6 7 8 9 10);
    }
    for v in 0..V {
        let (y1, y2, w1, w2) = (l.y1[v].to_array(), l.y2[v].to_array(), l.w1[v].to_array(), l.w2[v].to_array());
        for lane in 0..4 {
            let j = v + V * lane;
            if j >= m {
                continue;
            }
            let state = match secs.get(j) {
                Some((c, _)) => transposed_state(c, w1[lane], w2[lane], y1[lane], y2[lane]),
                None => continue,
            };
            secs.set(j, state);
        }
    }
}

/// [`run`] section after section, one sample at a time (the scalar form of the pipeline: the
/// same results bit for bit).
pub fn run_scalar(co: &[Coefs], st: &mut [SecState], input: &[f32], out: &mut [f32]) {
    let n = input.len().min(out.len());
    let m = co.len().min(st.len()).min(8);
    if m == 0 || n == 0 {
        return;
    }
    out[..n].copy_from_slice(&input[..n]);
    for (c, s) in co[..m].iter().zip(st[..m].iter_mut()) {
        let [b0, e1, e2, r1, alpha2] = delta_coefs(c);
        let (mut w1, mut w2) = delta_state(c, s);
        let (mut y1, mut y2) = (s.y1, s.y2);
        for v in out[..n].iter_mut() {
            let x = *v;
            let y = b0 * x + w1;
            let nw1 = r1 * w1 + (w2 + e1 * x);
            w2 = (w2 + e2 * x) - alpha2 * w1;
            w1 = nw1;
            y2 = y1;
            y1 = y;
            *v = y;
        }
        *s = transposed_state(c, w1, w2, y1, y2);
    }
}
