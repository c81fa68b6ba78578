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
//! * the last pass writes `Z` **split** (all real parts, then all imaginary parts, `Z[M]`
//!   repeating `Z[0]`), so that the **post** pass, which handles bins `k` and `M - k` together
//!   (four `k` per vector), loads the mirrored bins with one load and one reversal per part, and
//!   writes the interleaved output; after a radix-2 last pass on padded buffers,
//!   [`RealFft::process`] runs the two fused in one sweep (the same operations, without storing
//!   `Z`).
//!
//! For `N >= 8192` the SIMD work buffers carry a cache line of padding every 1024 elements, so
//! that the power-of-two-spaced streams of a pass do not all land in one L1 set; all buffers are
//! 64-byte aligned ([`AlignedBuf`]). Twiddles are computed in `f64` (exact at multiples of a
//! quarter turn) and rounded once.
//!
//! The SIMD path (wasm32 with `simd128`) and the scalar path perform the same floating-point
//! operations in the same order, so they agree to the bit; `fft_selftest` (the spectrum stage's) checks that
//! inside wasm, and the native tests check the scalar path against an `f64` DFT.
//!
//! [`RealFft::new`] allocates everything; [`RealFft::process`] never allocates and never panics.
//!
//! [`InverseRealFft`] is the inverse real transform, built on the forward one. The scalar kernels
//! are in `scalar.rs`, the SIMD128 ones in `simd.rs`.

mod inverse;

pub use inverse::InverseRealFft;

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

/// Floats between the real and the imaginary parts of the SIMD path's split layout (the last
/// pass's output): one cache line, so that the two are not a multiple of 4 KiB apart.
#[cfg_attr(not(all(target_arch = "wasm32", target_feature = "simd128")), allow(dead_code))]
const SPLIT_GAP: usize = 16;

/// Floats reserved per work buffer of `half` elements (padded, plus the stagger); at least the
/// `4 * half` floats that the scalar path's split layout needs over both buffers, and the
/// `2 * half + SPLIT_GAP + 1` of the SIMD path's split layout.
fn region_len(half: usize, sh: u32) -> usize {
    blk(half, sh) + STAGGER
}

/// Zeros after the post-processing twiddles: the fused last pass of the SIMD path
/// (`simd::last2_post`) loads the twiddles of bins `M/2 - 3 ..= M/2`, and bin `M/2`'s result
/// is then overwritten.
const POST_PAD: usize = 4;

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
    /// Post-processing twiddles `0.5 W_N^k`, `k = 0 .. M/2`: `M/2` real parts, `M/2`
    /// imaginary parts, then [`POST_PAD`] zeros.
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
        let mut post = vec![0.0f32; half + POST_PAD];
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
            scalar::post(zr, zi, self.post.get(..half).unwrap_or(&[]), out);
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

    /// [`RealFft::process`] on the SIMD128 path: the passes, then the post-processing, except
    /// that with padded buffers (`N >= 8192`) a radix-2 last pass and the post-processing run
    /// fused (`simd::last2_post`: the same operations without the store and reload of `Z`, so the
    /// same bits). Unpadded, the two steps measured faster (N = 4096: 0.96-1.00 of the fused
    /// time over ten processes, 0.98 typical; 1024: even), as the post-processing loads its
    /// mirrored bins from the split layout directly; padded, the fused sweep is faster (16384:
    /// 4 %). The lengths are checked once, not per pass.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    pub fn process_simd(&mut self, input: &[f32], out: &mut [f32]) -> bool {
        self.steps_simd(0..self.steps(), self.pad_shift == BLOCK_SHIFT, input, out)
    }

    /// One step of the SIMD128 path: pass `i`, or the post-processing when `i == n_passes`.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn step_simd(&mut self, i: usize, input: &[f32], out: &mut [f32]) -> bool {
        i < self.steps() && self.steps_simd(i..i + 1, false, input, out)
    }

    /// Steps `steps` (each `< steps()`) in order, the lengths checked once; with `fuse`, a
    /// radix-2 last pass runs fused with the post-processing (the range must then reach the end).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn steps_simd(&mut self, steps: core::ops::Range<usize>, fuse: bool, input: &[f32], out: &mut [f32]) -> bool {
        let half = self.n / 2;
        let region = region_len(half, self.pad_shift);
        let ok = input.len() == self.n
            && out.len() == self.n + 2
            && self.work.len() >= 2 * region
            && region > 2 * half + SPLIT_GAP
            && self.post.len() == half + POST_PAD
            && self.n_passes >= 2;
        if !ok {
            return false;
        }
        let a = self.work.as_mut_ptr();
        let b = a.wrapping_add(region);
        // SAFETY: the lengths the kernels rely on are checked above; `pad_shift` is one of the
        // two shifts `new` chooses.
        unsafe {
            match self.pad_shift {
                BLOCK_SHIFT => self.run_simd::<BLOCK_SHIFT>(steps, fuse, input.as_ptr(), a, b, out.as_mut_ptr()),
                _ => self.run_simd::<NO_PAD_SHIFT>(steps, fuse, input.as_ptr(), a, b, out.as_mut_ptr()),
            }
        }
    }

    /// [`RealFft::steps_simd`] with the padding shift as a constant.
    ///
    /// # Safety
    /// As [`RealFft::kernel_simd`] for each step.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[allow(clippy::too_many_arguments)]
    unsafe fn run_simd<const SH: u32>(
        &self,
        steps: core::ops::Range<usize>,
        fuse: bool,
        input: *const f32,
        a: *mut f32,
        b: *mut f32,
        out: *mut f32,
    ) -> bool {
        // The plan has at least two passes (N >= 512): a first pass, then a last one.
        let last = self.n_passes - 1;
        let fused = fuse && matches!(self.passes[last].kind, PassKind::Last2);
        for i in steps {
            let (x, y) = pass_buffers(i, a, b);
            if fused && i == last {
                // The plan makes a radix-2 last pass `s = half / 2`; `half >= 256`, and with
                // padding `s` is a multiple of the padding block (`half >= 4 BLOCK`).
                simd::last2_post::<SH>(x, self.post.as_ptr(), out, self.n / 2);
                return true;
            }
            if !self.kernel_simd::<SH>(i, input, x, y, out) {
                return false;
            }
        }
        true
    }

    /// Pass `i` from `x` into `y` (the first pass: from `input` into `y`), or the
    /// post-processing from `x` into `out` when `i == n_passes`, with the padding shift as a
    /// constant (one build of each kernel per layout). `false` if the pass's twiddles do not fit.
    ///
    /// # Safety
    /// `x` and `y` are the two work buffers in the order [`pass_buffers`] gives for `i`, and
    /// [`RealFft::steps_simd`] accepted this plan with `input` (`N` floats) and `out`
    /// (`N + 2`): the work buffer holds two regions of `region_len(half, SH)` floats, two
    /// disjoint blocked buffers each holding elements `0..half` below `blk(half, SH)`, or (the
    /// last pass's output) the split layout in its first `2 half + SPLIT_GAP + 1`. Each pass's
    /// twiddle range was sized for it in `new` (checked by `tw_fits`); each kernel documents the
    /// ranges it touches, all within these buffers.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    unsafe fn kernel_simd<const SH: u32>(&self, i: usize, input: *const f32, x: *mut f32, y: *mut f32, out: *mut f32) -> bool {
        let half = self.n / 2;
        if i == self.n_passes {
            simd::post(x, self.post.as_ptr(), out, half);
            return true;
        }
        let pass = self.passes[i];
        if !tw_fits(&pass, self.tw.len()) {
            return false;
        }
        let tw = self.tw.as_ptr().add(pass.tw);
        match pass.kind {
            PassKind::First => simd::first::<SH>(input, y, tw, pass.m),
            PassKind::Middle => simd::middle::<SH>(x, y, tw, pass.m, pass.s),
            PassKind::Last4 => simd::last4::<SH>(x, y, pass.s),
            PassKind::Last2 => simd::last2::<SH>(x, y, pass.s),
        }
        true
    }
}

/// The buffers step `i` reads and writes, `(x, y)`: pass 0 writes `a`, and pass `j >= 1` reads
/// where pass `j - 1` wrote (`a` for even `j - 1`), so the post-processing (`i = n_passes`)
/// reads `x` too.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn pass_buffers(i: usize, a: *mut f32, b: *mut f32) -> (*mut f32, *mut f32) {
    if i >= 1 && (i - 1) % 2 == 0 {
        (a, b)
    } else {
        (b, a)
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

mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd;

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
