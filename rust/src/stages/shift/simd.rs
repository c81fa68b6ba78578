//! The SIMD128 kernels: the same operations in the same order as [`super::scalar`], four
//! hypothesis pairs (one lane group) per vector.

use super::{FOLD_ENTRIES, FOLD_STRIDE, HALF_BLOCK, PHAT_FLOOR, PLANE};
use crate::simd4::{add, ld, ld_deinterleave, mul, reverse, splat, st, st_interleave, sub};
use core::arch::wasm32::*;

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
