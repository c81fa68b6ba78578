//! The portable scalar kernels (the same operations in the same order as the SIMD ones). Each
//! checks the lengths it relies on and returns early if they do not hold.

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
