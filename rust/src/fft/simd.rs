//! The SIMD128 kernels: the same operations as `super::scalar`, four butterflies per vector.
//!
//! Every function here is `unsafe` and takes raw pointers; the `# Safety` section of each states
//! the ranges it reads and writes, which `RealFft::process_simd` guarantees from the plan.
//! Loads and stores are unaligned `v128` accesses (wasm has no alignment traps).

use crate::simd4::{add, ld, ld_deinterleave, mul, reverse, splat, st, st_interleave, sub};
use core::arch::wasm32::*;

/// Radix-4 DIF butterfly, same order as `scalar::bfly4`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn bfly4(ar: v128, ai: v128, br: v128, bi: v128, cr: v128, ci: v128, dr: v128, di: v128) -> [v128; 8] {
    let apcr = add(ar, cr);
    let apci = add(ai, ci);
    let amcr = sub(ar, cr);
    let amci = sub(ai, ci);
    let bpdr = add(br, dr);
    let bpdi = add(bi, di);
    let bmdr = sub(br, dr);
    let bmdi = sub(bi, di);
    [add(apcr, bpdr), add(apci, bpdi), add(amcr, bmdi), sub(amci, bmdr), sub(apcr, bpdr), sub(apci, bpdi), sub(amcr, bmdi), add(amci, bmdr)]
}

/// Complex multiply, same order as `scalar::cmul`.
#[inline(always)]
fn cmul(xr: v128, xi: v128, wr: v128, wi: v128) -> (v128, v128) {
    (sub(mul(wr, xr), mul(wi, xi)), add(mul(wr, xi), mul(wi, xr)))
}

/// [`bfly4`] of the blocked elements at `p0 .. p3` (each: four real parts, their imaginary parts
/// four floats on).
///
/// # Safety
/// Each pointer readable for 8 floats.
#[inline(always)]
unsafe fn bfly4_at(p0: *const f32, p1: *const f32, p2: *const f32, p3: *const f32) -> [v128; 8] {
    bfly4(ld(p0), ld(p0.add(4)), ld(p1), ld(p1.add(4)), ld(p2), ld(p2.add(4)), ld(p3), ld(p3.add(4)))
}

/// The radix-2 butterfly of the blocked elements at `p` and `p + e1`: `[a + b re, im, a - b re, im]`.
///
/// # Safety
/// `p` and `p + e1` readable for 8 floats.
#[inline(always)]
unsafe fn bfly2_at(p: *const f32, e1: usize) -> [v128; 4] {
    let (ar, ai, br, bi) = (ld(p), ld(p.add(4)), ld(p.add(e1)), ld(p.add(e1 + 4)));
    [add(ar, br), add(ai, bi), sub(ar, br), sub(ai, bi)]
}

/// Transposes rows `r0..r3` and stores the four resulting vectors 8 floats apart from `p`
/// (the real or imaginary halves of four consecutive blocks).
#[inline(always)]
unsafe fn st_transpose(p: *mut f32, r0: v128, r1: v128, r2: v128, r3: v128) {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
    let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
    let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    st(p, i32x4_shuffle::<0, 1, 4, 5>(t0, t2));
    st(p.add(8), i32x4_shuffle::<2, 3, 6, 7>(t0, t2));
    st(p.add(16), i32x4_shuffle::<0, 1, 4, 5>(t1, t3));
    st(p.add(24), i32x4_shuffle::<2, 3, 6, 7>(t1, t3));
}

use super::blk;

/// First pass: `s = 1`, `m = M/4` (a multiple of 4), input interleaved, output blocked.
///
/// # Safety
/// `x` is readable for `8 m` floats; `y` is a blocked buffer (shift `SH`) writable for
/// elements `0 .. 4 m`; `tw` readable for `6 m` floats.
pub(super) unsafe fn first<const SH: u32>(x: *const f32, y: *mut f32, tw: *const f32, m: usize) {
    let mut g = 0;
    while g < m {
        // Lanes are p = g .. g + 4; quarter j starts at complex index j m (float 2 j m).
        let (ar, ai) = ld_deinterleave(x.add(2 * g));
        let (br, bi) = ld_deinterleave(x.add(2 * (g + m)));
        let (cr, ci) = ld_deinterleave(x.add(2 * (g + 2 * m)));
        let (dr, di) = ld_deinterleave(x.add(2 * (g + 3 * m)));
        let t = bfly4(ar, ai, br, bi, cr, ci, dr, di);
        let w = tw.add(6 * g);
        let y1 = cmul(t[2], t[3], ld(w), ld(w.add(4)));
        let y2 = cmul(t[4], t[5], ld(w.add(8)), ld(w.add(12)));
        let y3 = cmul(t[6], t[7], ld(w.add(16)), ld(w.add(20)));
        // Elements 4g .. 4g + 16 (four blocks of four) lie in one padding block.
        let o = y.add(blk(4 * g, SH));
        st_transpose(o, t[0], y1.0, y2.0, y3.0);
        st_transpose(o.add(4), t[1], y1.1, y2.1, y3.1);
        g += 4;
    }
}

/// One radix-4 butterfly column: `len` floats (a multiple of 8: `len / 8` blocks) from the
/// four input streams `x0 + {0, d1, d2, d3}` to the four output streams
/// `y0 + {0, e1, e2, e3}`, times the broadcast twiddles `w[0..6]`.
///
/// # Safety
/// All eight streams are valid for `len` floats; `w` for 6 floats.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn column(x0: *const f32, d: (usize, usize, usize), y0: *mut f32, e: (usize, usize, usize), w: *const f32, len: usize) {
    let (w1r, w1i, w2r, w2i, w3r, w3i) = (splat(w), splat(w.add(1)), splat(w.add(2)), splat(w.add(3)), splat(w.add(4)), splat(w.add(5)));
    let (x1, x2, x3) = (x0.add(d.0), x0.add(d.1), x0.add(d.2));
    let (y1, y2, y3) = (y0.add(e.0), y0.add(e.1), y0.add(e.2));
    let mut q = 0;
    while q < len {
        let t = bfly4_at(x0.add(q), x1.add(q), x2.add(q), x3.add(q));
        let v1 = cmul(t[2], t[3], w1r, w1i);
        let v2 = cmul(t[4], t[5], w2r, w2i);
        let v3 = cmul(t[6], t[7], w3r, w3i);
        st(y0.add(q), t[0]);
        st(y0.add(q + 4), t[1]);
        st(y1.add(q), v1.0);
        st(y1.add(q + 4), v1.1);
        st(y2.add(q), v2.0);
        st(y2.add(q + 4), v2.1);
        st(y3.add(q), v3.0);
        st(y3.add(q + 4), v3.1);
        q += 8;
    }
}

/// A middle pass on blocked buffers: stride `s` (a multiple of 4), `m` butterflies per group.
///
/// # Safety
/// `x` readable and `y` writable blocked buffers (shift `SH`) of `4 m s` elements; `tw`
/// readable for `6 m` floats. `s` is a power of 4 and `m s` a multiple of the padding block
/// (so `blk` is additive over the quarter and output offsets) unless there is no padding.
pub(super) unsafe fn middle<const SH: u32>(x: *const f32, y: *mut f32, tw: *const f32, m: usize, s: usize) {
    let q4 = m * s;
    // Float offsets of input quarters 1..3 and of outputs 1..3 from quarter / output 0.
    let d = (blk(q4, SH), blk(2 * q4, SH), blk(3 * q4, SH));
    let e = (blk(s, SH), blk(2 * s, SH), blk(3 * s, SH));
    let block = 1usize << SH;
    if 4 * s <= block {
        // The outputs of `chunk` consecutive butterflies fill whole padding blocks, and
        // their inputs lie in one: walk them with plain pointer increments.
        let chunk = (block / (4 * s)).min(m);
        let mut p0 = 0;
        while p0 < m {
            let mut xp = x.add(blk(p0 * s, SH));
            let mut yp = y.add(blk(4 * p0 * s, SH));
            let mut w = tw.add(6 * p0);
            if s == 4 {
                // One block per butterfly: a straight-line body.
                for _ in 0..chunk {
                    column(xp, d, yp, e, w, 8);
                    xp = xp.add(8);
                    yp = yp.add(32);
                    w = w.add(6);
                }
            } else {
                for _ in 0..chunk {
                    column(xp, d, yp, e, w, 2 * s);
                    xp = xp.add(2 * s);
                    yp = yp.add(8 * s);
                    w = w.add(6);
                }
            }
            p0 += chunk;
        }
    } else {
        // s >= block: each butterfly's streams are runs of whole padding blocks.
        for p in 0..m {
            let w = tw.add(6 * p);
            let mut c = 0;
            while c < s {
                column(x.add(blk(p * s + c, SH)), d, y.add(blk(4 * p * s + c, SH)), e, w, 2 * block);
                c += block;
            }
        }
    }
}

/// Float offset of the imaginary parts in the post-processing's input (see [`last4`]): the real
/// parts are floats `0 ..= half`, the imaginary parts follow a cache line after them, so that the
/// two streams are not a multiple of 4 KiB apart.
#[inline(always)]
pub(super) fn split_im(half: usize) -> usize {
    half + super::SPLIT_GAP
}

/// Stores complex element `e` (`re`, `im` four lanes wide) in the split layout of [`split_im`].
///
/// # Safety
/// `y` writable for `split_im(half) + e + 4` floats.
#[inline(always)]
unsafe fn st_split(y: *mut f32, half: usize, e: usize, re: v128, im: v128) {
    st(y.add(e), re);
    st(y.add(split_im(half) + e), im);
}

/// Sets element `half` of a split buffer to element 0 (`Z[M] = Z[0]`): the mirror of bin 0 in
/// [`post`].
///
/// # Safety
/// `y` a split buffer of `half` elements, writable up to `split_im(half) + half + 1` floats.
#[inline(always)]
unsafe fn wrap_split(y: *mut f32, half: usize) {
    *y.add(half) = *y;
    *y.add(split_im(half) + half) = *y.add(split_im(half));
}

/// Last radix-4 pass: `m = 1`, stride `s` (a multiple of 4), no twiddles, from a blocked buffer
/// into the **split** layout the post-processing reads ([`split_im`]: all real parts, then all
/// imaginary parts, element `M` repeating element 0), so that [`post`] loads the mirrored bins
/// `M - k - 3 ..= M - k` with one load per part instead of gathering them from two blocks.
///
/// # Safety
/// `x` a readable blocked buffer (shift `SH`) of `4 s` elements; `y` writable for
/// `split_im(4 s) + 4 s + 1` floats. `s` divides the padding block or is a multiple of it.
pub(super) unsafe fn last4<const SH: u32>(x: *const f32, y: *mut f32, s: usize) {
    let half = 4 * s;
    let (e1, e2, e3) = (blk(s, SH), blk(2 * s, SH), blk(3 * s, SH));
    let run = s.min(1 << SH);
    let mut c = 0;
    while c < s {
        let x0 = x.add(blk(c, SH));
        let mut q = 0;
        while q < run {
            let xq = x0.add(2 * q);
            let t = bfly4_at(xq, xq.add(e1), xq.add(e2), xq.add(e3));
            let e = c + q;
            st_split(y, half, e, t[0], t[1]);
            st_split(y, half, e + s, t[2], t[3]);
            st_split(y, half, e + 2 * s, t[4], t[5]);
            st_split(y, half, e + 3 * s, t[6], t[7]);
            q += 4;
        }
        c += run;
    }
    wrap_split(y, half);
}

/// Last radix-2 pass (of a stepped transform, and of unpadded sizes; padded ones run
/// [`last2_post`]): `m = 1`, stride `s` (a multiple of 4), no twiddles, from a blocked buffer
/// into the split layout of [`last4`].
///
/// # Safety
/// `x` a readable blocked buffer (shift `SH`) of `2 s` elements; `y` writable for
/// `split_im(2 s) + 2 s + 1` floats. `s` divides the padding block or is a multiple of it.
pub(super) unsafe fn last2<const SH: u32>(x: *const f32, y: *mut f32, s: usize) {
    let half = 2 * s;
    let e1 = blk(s, SH);
    let run = s.min(1 << SH);
    let mut c = 0;
    while c < s {
        let x0 = x.add(blk(c, SH));
        let mut q = 0;
        while q < run {
            let t = bfly2_at(x0.add(2 * q), e1);
            st_split(y, half, c + q, t[0], t[1]);
            st_split(y, half, c + q + s, t[2], t[3]);
            q += 4;
        }
        c += run;
    }
    wrap_split(y, half);
}

/// Post-processing from the split layout [`last4`] and [`last2`] write, same operations as
/// `scalar::post`.
///
/// # Safety
/// `z` a readable split buffer of `half` elements (floats up to `split_im(half) + half + 1`,
/// element `half` equal to element 0), `h` readable for `half` floats, `out` writable for
/// `2 half + 2` floats; `half` is a multiple of 8.
pub(super) unsafe fn post(z: *const f32, h: *const f32, out: *mut f32, half: usize) {
    let (zr, zi) = (z, z.add(split_im(half)));
    let (hr, hi) = (h, h.add(half / 2));
    let one_half = f32x4_splat(0.5);
    let mut k = 0;
    while k < half / 2 {
        let (ar, ai) = (ld(zr.add(k)), ld(zi.add(k)));
        // Lanes k .. k + 4 pair with M - k .. M - k - 4: elements M - k - 3 ..= M - k reversed
        // (element M is element 0 again, for k = 0).
        let br = reverse(ld(zr.add(half - k - 3)));
        let bi = reverse(ld(zi.add(half - k - 3)));
        let wr = ld(hr.add(k));
        let wi = ld(hi.add(k));
        let er = mul(one_half, add(ar, br));
        let ei = mul(one_half, sub(ai, bi));
        let or = add(ai, bi);
        let oi = sub(br, ar);
        let tr = sub(mul(wr, or), mul(wi, oi));
        let ti = add(mul(wr, oi), mul(wi, or));
        st_interleave(out.add(2 * k), add(er, tr), add(ei, ti));
        // X[M - k - l] for lanes l = 0..3: reversed, they are X[M - k - 3 ..= M - k].
        st_interleave(out.add(2 * (half - k - 3)), reverse(sub(er, tr)), reverse(sub(ti, ei)));
        k += 4;
    }
    // X[M/2] = conj(Z[M/2]).
    *out.add(half) = *zr.add(half / 2);
    *out.add(half + 1) = -*zi.add(half / 2);
}

/// `scalar::post_pair` on four lanes: `[X(b) re, X(b) im, X(M - b) re, X(M - b) im]` from
/// `a = Z(b)`, `b = Z(M - b)` and the twiddles `w` of bins `b`.
#[inline(always)]
fn post4(ar: v128, ai: v128, br: v128, bi: v128, wr: v128, wi: v128) -> [v128; 4] {
    let one_half = f32x4_splat(0.5);
    let er = mul(one_half, add(ar, br));
    let ei = mul(one_half, sub(ai, bi));
    let or = add(ai, bi);
    let oi = sub(br, ar);
    let tr = sub(mul(wr, or), mul(wi, oi));
    let ti = add(mul(wr, oi), mul(wi, or));
    [add(er, tr), add(ei, ti), sub(er, tr), sub(ti, ei)]
}

/// Lanes `[hi[0], lo[3], lo[2], lo[1]]`: with `lo` the elements `q .. q + 4` and `hi` the
/// elements from `q + 4`, the elements `q + 4, q + 3, q + 2, q + 1`.
#[inline(always)]
fn down(lo: v128, hi: v128) -> v128 {
    i32x4_shuffle::<4, 3, 2, 1>(lo, hi)
}

/// Post-processes bins `b .. b + 4` (lanes ascending; `a` their `Z`, `m` the `Z` of bins
/// `M - b - l`) into `X(b + l)` and `X(M - b - l)`.
///
/// # Safety
/// Bins `b .. b + 4` readable in `hr` and `hi`; `out` writable for `2 M + 2` floats; `b + 3 <= M`.
#[inline(always)]
unsafe fn pair_up(out: *mut f32, hr: *const f32, hi: *const f32, b: usize, half: usize, a: (v128, v128), m: (v128, v128)) {
    let x = post4(a.0, a.1, m.0, m.1, ld(hr.add(b)), ld(hi.add(b)));
    st_interleave(out.add(2 * b), x[0], x[1]);
    st_interleave(out.add(2 * (half - b - 3)), reverse(x[2]), reverse(x[3]));
}

/// Post-processes bins `b - l` (lanes descending; `a` their `Z`, `m` the `Z` of bins
/// `M - b + l`) into `X(b - l)` and `X(M - b + l)`.
///
/// # Safety
/// `3 <= b <= M`, bins `b - 3 ..= b` readable in `hr` and `hi`; `out` writable for `2 M + 2`
/// floats.
#[inline(always)]
unsafe fn pair_down(out: *mut f32, hr: *const f32, hi: *const f32, b: usize, half: usize, a: (v128, v128), m: (v128, v128)) {
    let w = (reverse(ld(hr.add(b - 3))), reverse(ld(hi.add(b - 3))));
    let x = post4(a.0, a.1, m.0, m.1, w.0, w.1);
    st_interleave(out.add(2 * (b - 3)), reverse(x[0]), reverse(x[1]));
    st_interleave(out.add(2 * (half - b)), x[2], x[3]);
}

/// The last radix-2 pass (`last2` with `s = M/2`) and the post-processing (`post`) in one
/// sweep, without storing `Z`: the same operations, so the same bits as the two steps. Used with
/// padded buffers (N = 16384), where it is faster than the two steps.
///
/// The pass gives `Z(q) = x(q) + x(q + s)` (group 0) and `Z(s + q) = x(q) - x(q + s)` (group
/// 1), `q < s`; the mirror of `Z(g s + q)` is `Z(M - g s - q)`, group `1 - g` at `s - q` (`s - q
/// = s` meaning group `2 - g` at 0). Each iteration computes the butterflies at `q = 4j` (`L`)
/// and `q = s - 4 - 4j` (`H`); `H` and the previous `H` (`q = s - 4j`) give the mirrored lanes
/// `s - 4j - l` with one shuffle, as in `post`. Bins `4j + l` pair with `H` group 1, bins
/// `s - 4j - l` (from `H` group 0) with `L` group 1. `j` runs to `s/8` inclusive, so the bins
/// around `s/2` are written twice, with the same values. Bin `M/2 = s` comes out of the formula
/// with the twiddle past the table's end (the table's padding) and is then set to
/// `conj(Z(M/2))`.
///
/// (The same fusion of the radix-4 `last4` measured slower: its sweep keeps 24 vectors live.)
///
/// # Safety
/// `x` a readable blocked buffer (shift `SH`) of `half` elements; `h` readable for `half + 4`
/// floats (`post` twiddles and 4 of padding); `out` writable for `2 half + 2` floats; `half` a
/// multiple of 16, and `half / 2` a multiple of the padding block if there is padding.
pub(super) unsafe fn last2_post<const SH: u32>(x: *const f32, h: *const f32, out: *mut f32, half: usize) {
    let s = half / 2;
    let e1 = blk(s, SH);
    let (hr, hi) = (h, h.add(half / 2));
    let l = bfly2_at(x, e1);
    let mut ph = [(l[2], l[3]), (l[0], l[1])];
    let mid = (f32x4_extract_lane::<0>(l[2]), f32x4_extract_lane::<0>(l[3]));
    let mut q = 0;
    while q <= s / 2 {
        let l = bfly2_at(x.add(blk(q, SH)), e1);
        let v = bfly2_at(x.add(blk(s - 4 - q, SH)), e1);
        let hh = [(v[0], v[1]), (v[2], v[3])];
        let mirror = |g: usize| (down(hh[g].0, ph[g].0), down(hh[g].1, ph[g].1));
        pair_up(out, hr, hi, q, half, (l[0], l[1]), mirror(1));
        pair_down(out, hr, hi, s - q, half, mirror(0), (l[2], l[3]));
        ph = hh;
        q += 4;
    }
    *out.add(half) = mid.0;
    *out.add(half + 1) = -mid.1;
}

/// The inverse real FFT's packing, as `scalar::inv_pack`: `g(k) = re + im` for bins
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

/// The inverse real FFT's unpacking, as `scalar::inv_unpack`: `out(m) = (re + im) s` for
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
