//! The portable scalar kernels. Every slice length is fixed by the plan; each kernel checks the
//! lengths it relies on up front and returns early if they do not hold, so no index can fail
//! (the checks never fire for a plan built by `RealFft::new`).

/// One radix-4 DIF butterfly on split complex values, in the operation order the SIMD
/// kernels use. Returns `(y0, t1, t2, t3)` before twiddling.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn bfly4(ar: f32, ai: f32, br: f32, bi: f32, cr: f32, ci: f32, dr: f32, di: f32) -> [f32; 8] {
    let apcr = ar + cr;
    let apci = ai + ci;
    let amcr = ar - cr;
    let amci = ai - ci;
    let bpdr = br + dr;
    let bpdi = bi + di;
    let bmdr = br - dr;
    let bmdi = bi - di;
    [
        apcr + bpdr,
        apci + bpdi,
        amcr + bmdi, // (a - c) - i (b - d)
        amci - bmdr,
        apcr - bpdr,
        apci - bpdi,
        amcr - bmdi, // (a - c) + i (b - d)
        amci + bmdr,
    ]
}

/// `(xr + i xi)(wr + i wi)` in the SIMD kernels' order.
#[inline(always)]
pub(super) fn cmul(xr: f32, xi: f32, wr: f32, wi: f32) -> (f32, f32) {
    (wr * xr - wi * xi, wr * xi + wi * xr)
}

/// First pass (`n = M`, `s = 1`, `m = M/4`), reading the interleaved real input as complex.
pub(super) fn first(x: &[f32], yr: &mut [f32], yi: &mut [f32], tw: &[f32], m: usize) {
    let half = 4 * m;
    if x.len() != 2 * half || yr.len() != half || yi.len() != half || tw.len() < 6 * m {
        return;
    }
    let (x01, x23) = x.split_at(4 * m);
    let (x0, x1) = x01.split_at(2 * m);
    let (x2, x3) = x23.split_at(2 * m);
    let groups = x0
        .chunks_exact(8)
        .zip(x1.chunks_exact(8))
        .zip(x2.chunks_exact(8))
        .zip(x3.chunks_exact(8))
        .zip(tw.chunks_exact(24))
        .zip(yr.chunks_exact_mut(16).zip(yi.chunks_exact_mut(16)));
    for (((((a, b), c), d), w), (yr, yi)) in groups {
        // Chunk lengths are 8, 8, 8, 8, 24, 16, 16: every index below (l < 4) is in range.
        for l in 0..4 {
            let t = bfly4(a[2 * l], a[2 * l + 1], b[2 * l], b[2 * l + 1], c[2 * l], c[2 * l + 1], d[2 * l], d[2 * l + 1]);
            let y1 = cmul(t[2], t[3], w[l], w[4 + l]);
            let y2 = cmul(t[4], t[5], w[8 + l], w[12 + l]);
            let y3 = cmul(t[6], t[7], w[16 + l], w[20 + l]);
            yr[4 * l] = t[0];
            yi[4 * l] = t[1];
            yr[4 * l + 1] = y1.0;
            yi[4 * l + 1] = y1.1;
            yr[4 * l + 2] = y2.0;
            yi[4 * l + 2] = y2.1;
            yr[4 * l + 3] = y3.0;
            yi[4 * l + 3] = y3.1;
        }
    }
}

/// A middle radix-4 pass with stride `s` and `m` butterflies per group.
#[allow(clippy::too_many_arguments)]
pub(super) fn middle(xr: &[f32], xi: &[f32], yr: &mut [f32], yi: &mut [f32], tw: &[f32], m: usize, s: usize) {
    let q4 = m * s;
    let len = 4 * q4;
    if s == 0 || xr.len() != len || xi.len() != len || yr.len() != len || yi.len() != len {
        return;
    }
    if tw.len() < 6 * m {
        return;
    }
    let rows = xr
        .chunks_exact(s)
        .zip(xi.chunks_exact(s))
        .zip(yr.chunks_exact_mut(4 * s).zip(yi.chunks_exact_mut(4 * s)))
        .zip(tw.chunks_exact(6))
        .take(m);
    for (p, (((x0r, x0i), (yr, yi)), w)) in rows.enumerate() {
        // x0r/x0i are row p of quarter 0 (length s); rows p of quarters 1..3 start
        // q4, 2 q4, 3 q4 further on. p < m, so p s + 3 q4 + s <= 4 q4 = len.
        let o = p * s;
        let (x1r, x2r, x3r) = (&xr[o + q4..o + q4 + s], &xr[o + 2 * q4..o + 2 * q4 + s], &xr[o + 3 * q4..o + 3 * q4 + s]);
        let (x1i, x2i, x3i) = (&xi[o + q4..o + q4 + s], &xi[o + 2 * q4..o + 2 * q4 + s], &xi[o + 3 * q4..o + 3 * q4 + s]);
        let (y0r, rest) = yr.split_at_mut(s);
        let (y1r, rest) = rest.split_at_mut(s);
        let (y2r, y3r) = rest.split_at_mut(s);
        let (y0i, rest) = yi.split_at_mut(s);
        let (y1i, rest) = rest.split_at_mut(s);
        let (y2i, y3i) = rest.split_at_mut(s);
        // All sixteen slices have length s; q < s.
        for q in 0..s {
            let t = bfly4(x0r[q], x0i[q], x1r[q], x1i[q], x2r[q], x2i[q], x3r[q], x3i[q]);
            let y1 = cmul(t[2], t[3], w[0], w[1]);
            let y2 = cmul(t[4], t[5], w[2], w[3]);
            let y3 = cmul(t[6], t[7], w[4], w[5]);
            y0r[q] = t[0];
            y0i[q] = t[1];
            y1r[q] = y1.0;
            y1i[q] = y1.1;
            y2r[q] = y2.0;
            y2i[q] = y2.1;
            y3r[q] = y3.0;
            y3i[q] = y3.1;
        }
    }
}

/// The last radix-4 pass (`m = 1`, `s = M/4`): no twiddles.
pub(super) fn last4(xr: &[f32], xi: &[f32], yr: &mut [f32], yi: &mut [f32]) {
    let s = xr.len() / 4;
    if xr.len() != 4 * s || xi.len() != 4 * s || yr.len() != 4 * s || yi.len() != 4 * s {
        return;
    }
    let (x01r, x23r) = xr.split_at(2 * s);
    let (x0r, x1r) = x01r.split_at(s);
    let (x2r, x3r) = x23r.split_at(s);
    let (x01i, x23i) = xi.split_at(2 * s);
    let (x0i, x1i) = x01i.split_at(s);
    let (x2i, x3i) = x23i.split_at(s);
    let (y0r, rest) = yr.split_at_mut(s);
    let (y1r, rest) = rest.split_at_mut(s);
    let (y2r, y3r) = rest.split_at_mut(s);
    let (y0i, rest) = yi.split_at_mut(s);
    let (y1i, rest) = rest.split_at_mut(s);
    let (y2i, y3i) = rest.split_at_mut(s);
    // All sixteen slices have length s; q < s.
    for q in 0..s {
        let t = bfly4(x0r[q], x0i[q], x1r[q], x1i[q], x2r[q], x2i[q], x3r[q], x3i[q]);
        y0r[q] = t[0];
        y0i[q] = t[1];
        y1r[q] = t[2];
        y1i[q] = t[3];
        y2r[q] = t[4];
        y2i[q] = t[5];
        y3r[q] = t[6];
        y3i[q] = t[7];
    }
}

/// The last radix-2 pass (`m = 1`, `s = M/2`): no twiddles.
pub(super) fn last2(xr: &[f32], xi: &[f32], yr: &mut [f32], yi: &mut [f32]) {
    let s = xr.len() / 2;
    if xr.len() != 2 * s || xi.len() != 2 * s || yr.len() != 2 * s || yi.len() != 2 * s {
        return;
    }
    let (x0r, x1r) = xr.split_at(s);
    let (x0i, x1i) = xi.split_at(s);
    let (y0r, y1r) = yr.split_at_mut(s);
    let (y0i, y1i) = yi.split_at_mut(s);
    for q in 0..s {
        y0r[q] = x0r[q] + x1r[q];
        y0i[q] = x0i[q] + x1i[q];
        y1r[q] = x0r[q] - x1r[q];
        y1i[q] = x0i[q] - x1i[q];
    }
}

/// Post-processing for one pair of bins: `(a, b) = (Z[k], Z[M-k])`, `h = 0.5 W_N^k`.
/// Returns `(X[k], X[M-k])` as `[re, im, re, im]`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn post_pair(ar: f32, ai: f32, br: f32, bi: f32, hr: f32, hi: f32) -> [f32; 4] {
    let er = 0.5 * (ar + br);
    let ei = 0.5 * (ai - bi);
    let or = ai + bi;
    let oi = br - ar;
    let tr = hr * or - hi * oi;
    let ti = hr * oi + hi * or;
    [er + tr, ei + ti, er - tr, ti - ei]
}

/// Post-processing: from `Z` (split, `M` points) to `X[0 ..= M]` interleaved in `out`.
/// Bins `k` and `M - k` for `k = 0 .. M/2` (with `Z[M] = Z[0]`, which gives `X[0]` and
/// `X[M]` from the same formula), then `X[M/2] = conj(Z[M/2])`.
pub(super) fn post(zr: &[f32], zi: &[f32], h: &[f32], out: &mut [f32]) {
    let half = zr.len();
    if half < 8 || zi.len() != half || h.len() != half || out.len() != 2 * half + 2 {
        return;
    }
    let (hr, hi) = h.split_at(half / 2);
    // k < M/2, so M - k is in M/2 + 1 ..= M; (M - k) % M < M. Every index is in range.
    for k in 0..half / 2 {
        let j = (half - k) % half;
        let x = post_pair(zr[k], zi[k], zr[j], zi[j], hr[k], hi[k]);
        out[2 * k] = x[0];
        out[2 * k + 1] = x[1];
        out[2 * (half - k)] = x[2];
        out[2 * (half - k) + 1] = x[3];
    }
    out[half] = zr[half / 2];
    out[half + 1] = -zi[half / 2];
}

/// The inverse real FFT's packing (see `InverseRealFft::process`): `g(k) = a(k) + b(k)` for
/// `k = 0 ..= N/2`, `g(N - k) = a(k) - b(k)` for `k = 1 .. N/2`, from the half spectrum
/// `spectrum` (`N + 2` floats, interleaved `a, b`) into `g` (`N` floats). The caller then sets
/// `g(0)` and `g(N/2)`.
#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
pub(super) fn inv_pack(spectrum: &[f32], g: &mut [f32]) {
    let n = g.len();
    let half = n / 2;
    let (g_lo, g_hi) = g.split_at_mut(half + 1);
    for (g, y) in g_lo.iter_mut().zip(spectrum.chunks_exact(2)) {
        *g = y[0] + y[1];
    }
    // g_hi[i] = g(half + 1 + i) = a(k) - b(k) with k = half - 1 - i.
    let mids = spectrum.get(2..n).unwrap_or(&[]);
    for (g, y) in g_hi.iter_mut().zip(mids.chunks_exact(2).rev()) {
        *g = y[0] - y[1];
    }
}

/// The inverse real FFT's unpacking: `out(m) = (re + im) scale` for `m = 0 ..= N/2`,
/// `out(N - m) = (re - im) scale` for `m = 1 .. N/2`, from the forward transform `spec`
/// (`N + 2` floats) of the packed sequence into `out` (`N` floats). The caller then sets
/// `out(N/2)`.
#[cfg_attr(all(target_arch = "wasm32", target_feature = "simd128"), allow(dead_code))]
pub(super) fn inv_unpack(spec: &[f32], out: &mut [f32], scale: f32) {
    let n = out.len();
    let half = n / 2;
    let (out_lo, out_hi) = out.split_at_mut(half + 1);
    for (o, z) in out_lo.iter_mut().zip(spec.chunks_exact(2)) {
        *o = (z[0] + z[1]) * scale;
    }
    // out_hi[i] = y(half + 1 + i) = y(N - n) with n = half - 1 - i.
    let mids = spec.get(2..n).unwrap_or(&[]);
    for (o, z) in out_hi.iter_mut().zip(mids.chunks_exact(2).rev()) {
        *o = (z[0] - z[1]) * scale;
    }
}
