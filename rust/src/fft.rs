//! A planned real FFT for power-of-two sizes 512 ..= 32768.
//!
//! `X(k) = sum_n x(n) e^{-2 pi i k n / N}` for `k = 0 ..= N/2`, unnormalised, written as
//! interleaved `re, im` (`N + 2` floats).
//!
//! # Algorithm
//!
//! The `N` real samples are read as `M = N/2` complex samples `z(m) = x(2m) + i x(2m+1)`, and a
//! complex `M`-point FFT runs over them; a final pass splits `Z` into the spectra of the even and
//! odd samples and combines them with the twiddles `W_N^k` (the usual "real FFT from a half-size
//! complex FFT" post-processing).
//!
//! The complex FFT is a radix-4 **Stockham autosort** decimation in frequency (no bit reversal),
//! ping-ponging between two work buffers. In a pass of sub-length `n` with stride `s`
//! (`n * s = M`, `m = n/4`), butterfly `(p, q)` reads `x[q + s(p + j m)]`, `j = 0..4`, and
//! writes `y[q + s(4p + k)]`, `k = 0..4`, multiplied by `W_n^{kp}`. Real and imaginary parts
//! are kept apart (in the SIMD path as blocks of four reals then four imaginaries, see [`blk`]),
//! so a SIMD lane is one butterfly and the body needs no shuffles:
//!
//! * the **first** pass (`s = 1`) runs four consecutive `p` per vector: it reads the interleaved
//!   real input directly (deinterleaving `re`/`im` with two shuffles per load, so packing costs
//!   no pass of its own), uses per-lane twiddles stored four-wide, and transposes its 4 x 4
//!   outputs before storing;
//! * the **middle** passes (`s >= 4`) run four consecutive `q` per vector with broadcast twiddles;
//! * the **last** pass (`n = 4`, all twiddles 1) has no multiplies; when `log2 M` is odd the last
//!   pass is radix-2 instead;
//! * the **post** pass handles bins `k` and `M - k` together (four `k` per vector, the mirrored
//!   vector gathered from two blocks with one shuffle) and writes the interleaved output.
//!
//! For `N >= 8192` the SIMD work buffers carry a cache line of padding every 1024 elements, so
//! that the power-of-two-spaced streams of a pass do not all land in one L1 set; all buffers are
//! 64-byte aligned ([`AlignedBuf`]). Twiddles are computed in `f64` (exact at multiples of a
//! quarter turn) and rounded once.
//!
//! The SIMD path (wasm32 with `simd128`) and the scalar path perform the same floating-point
//! operations in the same order, so they agree to the bit; `crate::ffi::fft_selftest` checks that
//! inside wasm, and the native tests check the scalar path against an `f64` DFT.
//!
//! [`RealFft::new`] allocates everything; [`RealFft::process`] never allocates and never panics.

/// Smallest supported transform size.
pub const MIN_SIZE: usize = 512;
/// Largest supported transform size.
pub const MAX_SIZE: usize = 32768;

#[derive(Clone, Copy, Debug)]
enum PassKind {
    /// Radix-4, `s = 1`, reads the interleaved real input; four-wide per-lane twiddles.
    First,
    /// Radix-4, `s >= 4`, twiddles `[w1r, w1i, w2r, w2i, w3r, w3i]` per `p`.
    Middle,
    /// Radix-4 with `m = 1`: no twiddles.
    Last4,
    /// Radix-2 with `m = 1`: no twiddles.
    Last2,
}

#[derive(Clone, Copy, Debug)]
struct Pass {
    kind: PassKind,
    /// Butterflies per stride group (`n / radix`).
    m: usize,
    /// Stride `s`.
    s: usize,
    /// Offset of this pass's twiddles in `RealFft::tw`.
    tw: usize,
}

/// The SIMD path's work-buffer layout is **blocked split**: complex element `e = 4b + l` has its
/// real part at float `8b + l` and its imaginary part four floats later, so one pointer serves a
/// vector of four real parts and (at a constant offset) their four imaginary parts.
///
/// For `M >= 4 * BLOCK` a cache line of padding follows every `BLOCK` elements: the radix-4
/// passes read and write streams `M/4`, `s`, ... elements apart, and without padding those
/// power-of-two distances map all the streams to the same L1 set (and trip 4K aliasing), which
/// made the wide-stride passes of N = 32768 three times slower.
const BLOCK_SHIFT: u32 = 10;
/// Elements per padding block.
const BLOCK: usize = 1 << BLOCK_SHIFT;
/// A shift so large that `e >> NO_PAD_SHIFT` is 0 for every element: no padding.
const NO_PAD_SHIFT: u32 = 24;
/// Floats of padding after each block (one 64-byte cache line).
const PAD: usize = 16;
/// Extra floats between the two work buffers, so that equal indices fall in different sets.
const STAGGER: usize = 80;

/// Float offset of element `e` (a multiple of 4) in a blocked buffer with padding shift `sh`.
#[inline(always)]
fn blk(e: usize, sh: u32) -> usize {
    2 * e + (e >> sh) * PAD
}

/// Floats reserved per work buffer of `half` elements (padded, plus the stagger); at least the
/// `4 * half` floats that the scalar path's split layout needs over both buffers.
fn region_len(half: usize, sh: u32) -> usize {
    blk(half, sh) + STAGGER
}

/// Upper bound on the number of passes: `log2 M <= 14`, two per radix-4 pass, at most one
/// radix-2 pass (so at most 7).
const MAX_PASSES: usize = 8;

/// A planned real FFT of one size. All storage is allocated by [`RealFft::new`].
pub struct RealFft {
    n: usize,
    passes: [Pass; MAX_PASSES],
    n_passes: usize,
    /// Twiddles of every radix-4 pass, contiguous, in pass order.
    tw: AlignedBuf,
    /// log2 of the padding block of the SIMD layout (see [`BLOCK_SHIFT`]), or
    /// [`NO_PAD_SHIFT`] when the buffers are small enough to need no padding.
    #[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
    pad_shift: u32,
    /// Post-processing twiddles `0.5 W_N^k`, `k = 0 .. M/2`: `M/2` real parts then `M/2`
    /// imaginary parts.
    post: AlignedBuf,
    /// Two complex buffers of `M` points. The scalar path uses them split,
    /// `[a_re | a_im | b_re | b_im]`; the SIMD path uses the blocked layout of [`blk`].
    work: AlignedBuf,
}

/// A zero-initialised `f32` buffer whose first element is 64-byte aligned (wasm32's allocator
/// only guarantees 8), so that the kernels' vector loads and stores never straddle cache lines.
/// Dereferences to a slice of exactly the requested length.
pub struct AlignedBuf {
    storage: Vec<f32>,
    offset: usize,
    len: usize,
}

impl AlignedBuf {
    /// `len` zeros, 64-byte aligned. Allocates.
    pub fn zeroed(len: usize) -> AlignedBuf {
        let storage = vec![0.0f32; len + 15];
        let misalign = storage.as_ptr() as usize % 64; // a multiple of 4
        let offset = ((64 - misalign) % 64) / 4; // at most 15
        AlignedBuf { storage, offset, len }
    }

    /// A 64-byte aligned copy of `data`. Allocates.
    pub fn from_slice(data: &[f32]) -> AlignedBuf {
        let mut buf = AlignedBuf::zeroed(data.len());
        buf.copy_from_slice(data);
        buf
    }
}

impl core::ops::Deref for AlignedBuf {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        // offset + len <= storage.len() by construction; `get` keeps this panic-free anyway.
        self.storage.get(self.offset..self.offset + self.len).unwrap_or(&[])
    }
}

impl core::ops::DerefMut for AlignedBuf {
    fn deref_mut(&mut self) -> &mut [f32] {
        self.storage.get_mut(self.offset..self.offset + self.len).unwrap_or(&mut [])
    }
}

/// `e^{-2 pi i k / n}` in `f64`, exact (`0`, `+-1`) at multiples of a quarter turn and symmetric
/// about the eighth turn.
pub(crate) fn twiddle(k: usize, n: usize) -> (f64, f64) {
    let k = k % n;
    let quadrant = (4 * k) / n;
    let r = 4 * k - quadrant * n; // angle within the quadrant, in units of (pi/2)/n
    let half_pi = core::f64::consts::FRAC_PI_2;
    let (c, s) = if r == 0 {
        (1.0, 0.0)
    } else if 2 * r <= n {
        let a = half_pi * r as f64 / n as f64;
        (a.cos(), a.sin())
    } else {
        let a = half_pi * (n - r) as f64 / n as f64;
        (a.sin(), a.cos())
    };
    // (c, s) = (cos, sin) of the angle within the quadrant; rotate by the quadrant.
    let (cos, sin) = match quadrant {
        0 => (c, s),
        1 => (-s, c),
        2 => (-c, -s),
        _ => (s, -c),
    };
    (cos, -sin)
}

impl RealFft {
    /// Plans a transform of `n` real samples. `None` unless `n` is a power of two in
    /// `MIN_SIZE ..= MAX_SIZE`.
    pub fn new(n: usize) -> Option<RealFft> {
        if !n.is_power_of_two() || !(MIN_SIZE..=MAX_SIZE).contains(&n) {
            return None;
        }
        let half = n / 2;
        let mut passes = [Pass { kind: PassKind::Last2, m: 1, s: 1, tw: 0 }; MAX_PASSES];
        let mut n_passes = 0;
        let mut tw: Vec<f32> = Vec::with_capacity(2 * half);
        let mut sub = half; // current sub-length n
        let mut s = 1;
        while sub >= 4 {
            let m = sub / 4;
            let kind = if sub == 4 {
                PassKind::Last4
            } else if s == 1 {
                PassKind::First
            } else {
                PassKind::Middle
            };
            let offset = tw.len();
            match kind {
                PassKind::First => {
                    // Four-wide groups: [w1r x4, w1i x4, w2r x4, w2i x4, w3r x4, w3i x4].
                    for g in 0..m / 4 {
                        for k in 1..4 {
                            let ws: [(f64, f64); 4] = [
                                twiddle(k * (4 * g), sub),
                                twiddle(k * (4 * g + 1), sub),
                                twiddle(k * (4 * g + 2), sub),
                                twiddle(k * (4 * g + 3), sub),
                            ];
                            tw.extend(ws.iter().map(|w| w.0 as f32));
                            tw.extend(ws.iter().map(|w| w.1 as f32));
                        }
                    }
                }
                PassKind::Middle => {
                    for p in 0..m {
                        for k in 1..4 {
                            let w = twiddle(k * p, sub);
                            tw.push(w.0 as f32);
                            tw.push(w.1 as f32);
                        }
                    }
                }
                PassKind::Last4 | PassKind::Last2 => {}
            }
            passes[n_passes] = Pass { kind, m, s, tw: offset };
            n_passes += 1;
            sub /= 4;
            s *= 4;
        }
        if sub == 2 {
            passes[n_passes] = Pass { kind: PassKind::Last2, m: 1, s, tw: tw.len() };
            n_passes += 1;
        }
        let mut post = vec![0.0f32; half];
        for k in 0..half / 2 {
            let w = twiddle(k, n);
            post[k] = (0.5 * w.0) as f32;
            post[half / 2 + k] = (0.5 * w.1) as f32;
        }
        let pad_shift = if half >= 4 * BLOCK { BLOCK_SHIFT } else { NO_PAD_SHIFT };
        Some(RealFft {
            n,
            passes,
            n_passes,
            pad_shift,
            tw: AlignedBuf::from_slice(&tw),
            post: AlignedBuf::from_slice(&post),
            work: AlignedBuf::zeroed(2 * region_len(half, pad_shift)),
        })
    }

    /// The transform size `N` (real samples in).
    pub fn size(&self) -> usize {
        self.n
    }

    /// Floats written by [`RealFft::process`]: `N + 2` (bins `0 ..= N/2`, interleaved).
    pub fn output_len(&self) -> usize {
        self.n + 2
    }

    /// Transforms `input` (`N` samples) into `out` (`N + 2` floats, interleaved `re, im` for bins
    /// `0 ..= N/2`). Uses the SIMD path when built for wasm32 with `simd128`, the scalar path
    /// otherwise. Returns `false`, touching nothing, if a length is wrong. Never allocates.
    pub fn process(&mut self, input: &[f32], out: &mut [f32]) -> bool {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            self.process_simd(input, out)
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            self.process_scalar(input, out)
        }
    }

    /// Steps of a stepped transform ([`RealFft::process_step`]): one per radix pass, plus the
    /// real-FFT post-processing. Eight at N = 32768.
    pub fn steps(&self) -> usize {
        self.n_passes + 1
    }

    /// Runs step `i` (`0 .. steps()`) of the transform of `input` into `out`; running every step
    /// in order is exactly [`RealFft::process`] (the work buffer carries the state between
    /// steps, so `input` must stay unchanged until the last one). Lets a host spread one
    /// transform over several audio quanta. Returns `false`, touching nothing, if a length or
    /// `i` is wrong. Never allocates.
    pub fn process_step(&mut self, i: usize, input: &[f32], out: &mut [f32]) -> bool {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            self.step_simd(i, input, out)
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            self.step_scalar(i, input, out)
        }
    }

    /// [`RealFft::process`] on the portable scalar path (bit-identical to the SIMD path).
    pub fn process_scalar(&mut self, input: &[f32], out: &mut [f32]) -> bool {
        (0..self.steps()).all(|i| self.step_scalar(i, input, out))
    }

    /// One step of the scalar path: pass `i`, or the post-processing when `i == n_passes`.
    fn step_scalar(&mut self, i: usize, input: &[f32], out: &mut [f32]) -> bool {
        let half = self.n / 2;
        if input.len() != self.n || out.len() != self.n + 2 || i > self.n_passes {
            return false;
        }
        // The scalar path uses the work buffer split and unpadded: [a_re | a_im | b_re | b_im].
        let work = match self.work.get_mut(..4 * half) {
            Some(work) => work,
            None => return false,
        };
        let (a, b) = work.split_at_mut(2 * half);
        let (ar, ai) = a.split_at_mut(half);
        let (br, bi) = b.split_at_mut(half);
        // Pass 0 writes `a`; pass j >= 1 reads where pass j - 1 wrote, so after pass j the data
        // is in `a` for even j and in `b` for odd j.
        let prev_in_a = i >= 1 && (i - 1) % 2 == 0;
        if i == self.n_passes {
            let (zr, zi) = if prev_in_a { (&*ar, &*ai) } else { (&*br, &*bi) };
            scalar::post(zr, zi, &self.post, out);
            return true;
        }
        let pass = self.passes[i];
        let tw = self.tw.get(pass.tw..).unwrap_or(&[]);
        if i == 0 {
            scalar::first(input, ar, ai, tw, pass.m);
            return true;
        }
        let (xr, xi, yr, yi) = if prev_in_a { (&*ar, &*ai, &mut *br, &mut *bi) } else { (&*br, &*bi, &mut *ar, &mut *ai) };
        match pass.kind {
            PassKind::Middle => scalar::middle(xr, xi, yr, yi, tw, pass.m, pass.s),
            PassKind::Last4 => scalar::last4(xr, xi, yr, yi),
            PassKind::Last2 => scalar::last2(xr, xi, yr, yi),
            PassKind::First => {}
        }
        true
    }

    /// [`RealFft::process`] on the SIMD128 path.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub fn process_simd(&mut self, input: &[f32], out: &mut [f32]) -> bool {
        (0..self.steps()).all(|i| self.step_simd(i, input, out))
    }

    /// One step of the SIMD128 path: pass `i`, or the post-processing when `i == n_passes`.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn step_simd(&mut self, i: usize, input: &[f32], out: &mut [f32]) -> bool {
        let half = self.n / 2;
        let sh = self.pad_shift;
        let region = region_len(half, sh);
        if input.len() != self.n || out.len() != self.n + 2 || self.work.len() < 2 * region || i > self.n_passes {
            return false;
        }
        if self.post.len() != half {
            return false;
        }
        let base = self.work.as_mut_ptr();
        let prev_in_a = i >= 1 && (i - 1) % 2 == 0;
        // SAFETY: `work` holds two regions of `region_len(half, sh)` floats (checked above): two
        // disjoint blocked buffers, each holding elements 0..half below `blk(half, sh)`. The
        // input holds 2 * half floats and the output 2 * half + 2. Each pass's twiddle range was
        // sized for it in `new` (checked by `tw_fits`); each kernel documents the ranges it
        // touches, all within these buffers.
        unsafe {
            let a = base;
            let b = base.add(region);
            if i == self.n_passes {
                let z = if prev_in_a { a } else { b };
                simd::post(z, self.post.as_ptr(), out.as_mut_ptr(), half, sh);
                return true;
            }
            let pass = self.passes[i];
            if !tw_fits(&pass, self.tw.len()) {
                return false;
            }
            let tw = self.tw.as_ptr().add(pass.tw);
            if i == 0 {
                simd::first(input.as_ptr(), a, tw, pass.m, sh);
                return true;
            }
            let (x, y) = if prev_in_a { (a, b) } else { (b, a) };
            match pass.kind {
                PassKind::Middle => simd::middle(x, y, tw, pass.m, pass.s, sh),
                PassKind::Last4 => simd::last4(x, y, pass.s, sh),
                PassKind::Last2 => simd::last2(x, y, pass.s, sh),
                PassKind::First => {}
            }
        }
        true
    }
}

/// Whether pass `p`'s twiddles lie inside a table of `len` floats.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn tw_fits(p: &Pass, len: usize) -> bool {
    let need = match p.kind {
        PassKind::First | PassKind::Middle => 6 * p.m,
        PassKind::Last4 | PassKind::Last2 => 0,
    };
    p.tw <= len && need <= len - p.tw
}

/// The portable scalar kernels. Every slice length is fixed by the plan; each kernel checks the
/// lengths it relies on up front and returns early if they do not hold, so no index can fail
/// (the checks never fire for a plan built by `RealFft::new`).
mod scalar {
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
}

/// The SIMD128 kernels: the same operations as [`scalar`], four butterflies per vector.
///
/// Every function here is `unsafe` and takes raw pointers; the `# Safety` section of each states
/// the ranges it reads and writes, which [`RealFft::process_simd`] guarantees from the plan.
/// Loads and stores are unaligned `v128` accesses (wasm has no alignment traps).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use crate::simd4::{add, ld, mul, reverse, splat, st, sub};
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
        [
            add(apcr, bpdr),
            add(apci, bpdi),
            add(amcr, bmdi),
            sub(amci, bmdr),
            sub(apcr, bpdr),
            sub(apci, bpdi),
            sub(amcr, bmdi),
            add(amci, bmdr),
        ]
    }

    /// Complex multiply, same order as `scalar::cmul`.
    #[inline(always)]
    fn cmul(xr: v128, xi: v128, wr: v128, wi: v128) -> (v128, v128) {
        (sub(mul(wr, xr), mul(wi, xi)), add(mul(wr, xi), mul(wi, xr)))
    }

    /// Loads four interleaved complex values (8 floats) as `(re, im)`.
    #[inline(always)]
    unsafe fn ld_deinterleave(p: *const f32) -> (v128, v128) {
        let v0 = ld(p);
        let v1 = ld(p.add(4));
        (i32x4_shuffle::<0, 2, 4, 6>(v0, v1), i32x4_shuffle::<1, 3, 5, 7>(v0, v1))
    }

    /// Stores `(re, im)` as four interleaved complex values (8 floats).
    #[inline(always)]
    unsafe fn st_interleave(p: *mut f32, re: v128, im: v128) {
        st(p, i32x4_shuffle::<0, 4, 1, 5>(re, im));
        st(p.add(4), i32x4_shuffle::<2, 6, 3, 7>(re, im));
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
    /// `x` is readable for `8 m` floats; `y` is a blocked buffer (shift `sh`) writable for
    /// elements `0 .. 4 m`; `tw` readable for `6 m` floats.
    pub(super) unsafe fn first(x: *const f32, y: *mut f32, tw: *const f32, m: usize, sh: u32) {
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
            let o = y.add(blk(4 * g, sh));
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
        let (w1r, w1i, w2r, w2i, w3r, w3i) =
            (splat(w), splat(w.add(1)), splat(w.add(2)), splat(w.add(3)), splat(w.add(4)), splat(w.add(5)));
        let (x1, x2, x3) = (x0.add(d.0), x0.add(d.1), x0.add(d.2));
        let (y1, y2, y3) = (y0.add(e.0), y0.add(e.1), y0.add(e.2));
        let mut q = 0;
        while q < len {
            let t = bfly4(
                ld(x0.add(q)),
                ld(x0.add(q + 4)),
                ld(x1.add(q)),
                ld(x1.add(q + 4)),
                ld(x2.add(q)),
                ld(x2.add(q + 4)),
                ld(x3.add(q)),
                ld(x3.add(q + 4)),
            );
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
    /// `x` readable and `y` writable blocked buffers (shift `sh`) of `4 m s` elements; `tw`
    /// readable for `6 m` floats. `s` is a power of 4 and `m s` a multiple of the padding block
    /// (so `blk` is additive over the quarter and output offsets) unless there is no padding.
    pub(super) unsafe fn middle(x: *const f32, y: *mut f32, tw: *const f32, m: usize, s: usize, sh: u32) {
        let q4 = m * s;
        // Float offsets of input quarters 1..3 and of outputs 1..3 from quarter / output 0.
        let d = (blk(q4, sh), blk(2 * q4, sh), blk(3 * q4, sh));
        let e = (blk(s, sh), blk(2 * s, sh), blk(3 * s, sh));
        let block = 1usize << sh;
        if 4 * s <= block {
            // The outputs of `chunk` consecutive butterflies fill whole padding blocks, and
            // their inputs lie in one: walk them with plain pointer increments.
            let chunk = (block / (4 * s)).min(m);
            let mut p0 = 0;
            while p0 < m {
                let mut xp = x.add(blk(p0 * s, sh));
                let mut yp = y.add(blk(4 * p0 * s, sh));
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
                    column(x.add(blk(p * s + c, sh)), d, y.add(blk(4 * p * s + c, sh)), e, w, 2 * block);
                    c += block;
                }
            }
        }
    }

    /// Last radix-4 pass on blocked buffers: `m = 1`, stride `s` (a multiple of 4), no twiddles.
    ///
    /// # Safety
    /// `x` readable and `y` writable blocked buffers (shift `sh`) of `4 s` elements. `s`
    /// divides the padding block or is a multiple of it.
    pub(super) unsafe fn last4(x: *const f32, y: *mut f32, s: usize, sh: u32) {
        let (e1, e2, e3) = (blk(s, sh), blk(2 * s, sh), blk(3 * s, sh));
        let run = s.min(1 << sh);
        let mut c = 0;
        while c < s {
            let o = blk(c, sh);
            let (x0, y0) = (x.add(o), y.add(o));
            let mut q = 0;
            while q < 2 * run {
                let t = bfly4(
                    ld(x0.add(q)),
                    ld(x0.add(q + 4)),
                    ld(x0.add(q + e1)),
                    ld(x0.add(q + e1 + 4)),
                    ld(x0.add(q + e2)),
                    ld(x0.add(q + e2 + 4)),
                    ld(x0.add(q + e3)),
                    ld(x0.add(q + e3 + 4)),
                );
                st(y0.add(q), t[0]);
                st(y0.add(q + 4), t[1]);
                st(y0.add(q + e1), t[2]);
                st(y0.add(q + e1 + 4), t[3]);
                st(y0.add(q + e2), t[4]);
                st(y0.add(q + e2 + 4), t[5]);
                st(y0.add(q + e3), t[6]);
                st(y0.add(q + e3 + 4), t[7]);
                q += 8;
            }
            c += run;
        }
    }

    /// Last radix-2 pass on blocked buffers: `m = 1`, stride `s` (a multiple of 4), no twiddles.
    ///
    /// # Safety
    /// `x` readable and `y` writable blocked buffers (shift `sh`) of `2 s` elements. `s`
    /// divides the padding block or is a multiple of it.
    pub(super) unsafe fn last2(x: *const f32, y: *mut f32, s: usize, sh: u32) {
        let e1 = blk(s, sh);
        let run = s.min(1 << sh);
        let mut c = 0;
        while c < s {
            let o = blk(c, sh);
            let (x0, y0) = (x.add(o), y.add(o));
            let mut q = 0;
            while q < 2 * run {
                let (ar, ai) = (ld(x0.add(q)), ld(x0.add(q + 4)));
                let (br, bi) = (ld(x0.add(q + e1)), ld(x0.add(q + e1 + 4)));
                st(y0.add(q), add(ar, br));
                st(y0.add(q + 4), add(ai, bi));
                st(y0.add(q + e1), sub(ar, br));
                st(y0.add(q + e1 + 4), sub(ai, bi));
                q += 8;
            }
            c += run;
        }
    }

    /// Post-processing from a blocked buffer, same operations as `scalar::post`.
    ///
    /// # Safety
    /// `z` a readable blocked buffer (shift `sh`) of `half` elements, `h` readable for `half`
    /// floats, `out` writable for `2 half + 2` floats; `half` is a multiple of 8, and `half / 2`
    /// a multiple of the padding block if there is padding.
    pub(super) unsafe fn post(z: *const f32, h: *const f32, out: *mut f32, half: usize, sh: u32) {
        let hr = h;
        let hi = h.add(half / 2);
        let one_half = f32x4_splat(0.5);
        // Bins k in chunks that stay inside one padding block; their mirrors M - k - 4 then
        // also stay inside one (half is a multiple of the block).
        let chunk = (1usize << sh).min(half / 2);
        let mut k0 = 0;
        while k0 < half / 2 {
            let mut a = z.add(blk(k0, sh));
            let mut lo = z.add(blk(half - k0 - 4, sh));
            // Lanes k .. k + 4 pair with, reversed, M - k .. M - k - 4: lane 0 of block M - k
            // (block 0 when k = 0, as Z[M] = Z[0]) and lanes 3, 2, 1 of block M - k - 4.
            // Block M - k0 may follow a padding gap; after the first group, block M - k is
            // the previous group's `lo`.
            let mut hi_blk = z.add(blk((half - k0) & (half - 1), sh));
            let mut k = k0;
            let mut o_lo = out.add(2 * k0);
            let mut o_hi = out.add(2 * (half - k0 - 3));
            while k < k0 + chunk {
                let (ar, ai) = (ld(a), ld(a.add(4)));
                let br = i32x4_shuffle::<4, 3, 2, 1>(ld(lo), ld(hi_blk));
                let bi = i32x4_shuffle::<4, 3, 2, 1>(ld(lo.add(4)), ld(hi_blk.add(4)));
                let wr = ld(hr.add(k));
                let wi = ld(hi.add(k));
                let er = mul(one_half, add(ar, br));
                let ei = mul(one_half, sub(ai, bi));
                let or = add(ai, bi);
                let oi = sub(br, ar);
                let tr = sub(mul(wr, or), mul(wi, oi));
                let ti = add(mul(wr, oi), mul(wi, or));
                st_interleave(o_lo, add(er, tr), add(ei, ti));
                // X[M - k - l] for lanes l = 0..3: reversed, they are X[M - k - 3 ..= M - k].
                st_interleave(o_hi, reverse(sub(er, tr)), reverse(sub(ti, ei)));
                hi_blk = lo;
                a = a.add(8);
                lo = lo.wrapping_sub(8);
                o_lo = o_lo.add(8);
                o_hi = o_hi.wrapping_sub(8);
                k += 4;
            }
            k0 += chunk;
        }
        // X[M/2] = conj(Z[M/2]); element M/2 is lane 0 of its block.
        let m2 = z.add(blk(half / 2, sh));
        *out.add(half) = *m2;
        *out.add(half + 1) = -*m2.add(4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twiddles_are_exact_at_quarter_turns() {
        assert_eq!(twiddle(0, 16), (1.0, 0.0));
        assert_eq!(twiddle(4, 16), (0.0, -1.0));
        assert_eq!(twiddle(8, 16), (-1.0, 0.0));
        assert_eq!(twiddle(12, 16), (0.0, 1.0));
        for k in 0..64 {
            let (c, s) = twiddle(k, 64);
            let a = 2.0 * core::f64::consts::PI * k as f64 / 64.0;
            assert!((c - a.cos()).abs() < 1e-15 && (s + a.sin()).abs() < 1e-15, "k {}", k);
        }
    }

    #[test]
    fn plans_only_supported_sizes() {
        for n in [0usize, 1, 100, 256, 511, 513, 65536] {
            assert!(RealFft::new(n).is_none(), "{}", n);
        }
        for n in [512usize, 1024, 2048, 4096, 8192, 16384, 32768] {
            let f = RealFft::new(n).unwrap();
            assert_eq!(f.size(), n);
            assert_eq!(f.output_len(), n + 2);
        }
    }

    #[test]
    fn impulse_and_wrong_lengths() {
        let mut f = RealFft::new(512).unwrap();
        let mut x = vec![0.0f32; 512];
        x[0] = 1.0;
        let mut out = vec![9.0f32; 514];
        assert!(f.process(&x, &mut out));
        for k in 0..=256 {
            assert_eq!((out[2 * k], out[2 * k + 1]), (1.0, 0.0), "bin {}", k);
        }
        assert!(!f.process(&x[..511], &mut out));
        assert!(!f.process(&x, &mut out[..513]));
    }
}
