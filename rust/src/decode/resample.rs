//! Stateless windowed-sinc sample-rate conversion (see the module docs of [`crate::decode`]
//! for the stated quality).
//!
//! Output frame `k` sits at input time `t_k = k * in_rate / out_rate`. With `g = gcd(in, out)`,
//! `L = out / g` and `M = in / g`, `t_k = q + r / L` where `q = floor(k M / L)` and
//! `r = k M mod L`, computed with integers, so the phase of every output frame is exact however
//! long the file. Output frame `k` reads the `2C` input frames `q - C + 1 ..= q + C` (`C` =
//! [`Resampler::context`]), weighted by a Kaiser-windowed sinc whose cutoff sits between the
//! passband edge (0.9 of the lower Nyquist) and the stopband edge (the lower Nyquist). Input
//! frames outside `[0, total_in)` count as zero.
//!
//! Every output frame is computed from its own `k` and the input alone, in the same order of
//! operations wherever it is computed: a file cut into spans resampled separately (on
//! different workers) joins bit for bit into the whole file resampled at once.
//!
//! Tables: with `L` phases of `2C` taps when `L * 2C <= EXACT_TABLE_LIMIT` (every pair of
//! common rates: 44.1k <-> 48k has 160 or 147 phases); otherwise `P + 1` finer phases
//! (`P = FINE_PHASES`, divided by the decimation ratio when downsampling) and linear
//! interpolation between the two dot products around the exact phase. Each phase is normalised
//! to a DC gain of exactly 1 (in `f64`, before rounding the taps to `f32`).
//!
//! The taps of a phase are stored once per channel (`tap j` repeated for the `channels`
//! interleaved samples of a frame), so a dot product runs straight over the interleaved input:
//! `W` lanes accumulate (16 for 1, 2, 4 and 8 channels, `lcm(4, channels)` otherwise) and
//! channel `c` is the sum of lanes `c, c + channels, ...` (in the order [`combine`] gives). On
//! wasm32 with simd128 the lanes are `W / 4` `f32x4` accumulators, and with 16 lanes they are
//! also summed per channel in vector registers; the scalar path does the very same additions in
//! the same order, so both give identical bits ([`simd_matches_scalar`] checks it).

use crate::window::bessel_i0;

/// Lowest sample rate accepted (input and output), Hz.
pub const MIN_RATE: u32 = 8000;
/// Highest sample rate accepted (input and output), Hz.
pub const MAX_RATE: u32 = 192_000;
/// Most channels.
pub const MAX_CHANNELS: usize = 8;
/// Passband edge, fraction of the lower Nyquist.
pub const PASS_EDGE: f64 = 0.9;
/// Stopband edge, fraction of the lower Nyquist.
pub const STOP_EDGE: f64 = 1.0;
/// Stopband attenuation the Kaiser window is designed for, dB (its `beta` and length).
pub const DESIGN_ATTENUATION_DB: f64 = 98.0;
/// Exact rational phases when `phases * taps` is at most this many (per channel).
pub const EXACT_TABLE_LIMIT: usize = 1 << 18;
/// Fine phases per input frame of the interpolated table when upsampling.
pub const FINE_PHASES: usize = 512;
/// Fewest fine phases (heavy downsampling divides `FINE_PHASES` by the ratio).
const MIN_FINE_PHASES: usize = 32;
/// Taps are a multiple of this (so every lane layout divides a row).
const TAP_MULTIPLE: usize = 16;
/// Most accumulator lanes (`lcm(4, 7)`).
const MAX_LANES: usize = 28;

/// The kernel: a Kaiser-windowed sinc in units of input frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Design {
    /// Context `C`: output frame at `q + phase` reads input frames `q - C + 1 ..= q + C`.
    pub half: usize,
    /// `2C`.
    pub taps: usize,
    /// Cutoff, cycles per input frame: `0.95 * 0.5 * min(1, out / in)`.
    pub cutoff: f64,
    /// Kaiser `beta`.
    pub beta: f64,
}

impl Design {
    /// The kernel for converting `in_rate` to `out_rate` (both non-zero).
    pub fn new(in_rate: u32, out_rate: u32) -> Design {
        // Input frames per lower-rate frame (1 when upsampling).
        let ratio = (in_rate as f64 / out_rate as f64).max(1.0);
        let a = DESIGN_ATTENUATION_DB;
        let beta = 0.1102 * (a - 8.7);
        // Kaiser's length for the transition band, in lower-rate frames.
        let transition = (STOP_EDGE - PASS_EDGE) * 0.5; // cycles per lower-rate frame
        let order = (a - 7.95) / (2.285 * 2.0 * core::f64::consts::PI * transition);
        let width = (order * ratio).ceil() as usize;
        let taps = (width + TAP_MULTIPLE - 1) / TAP_MULTIPLE * TAP_MULTIPLE;
        Design { half: taps / 2, taps, cutoff: 0.25 * (PASS_EDGE + STOP_EDGE) / ratio, beta }
    }

    /// The kernel at `t` input frames from the output instant (unnormalised; 0 for `|t| >= C`).
    pub fn kernel(&self, t: f64) -> f64 {
        let x = t / self.half as f64;
        if !(x.abs() < 1.0) {
            return 0.0;
        }
        let w = bessel_i0(self.beta * (1.0 - x * x).sqrt()) / bessel_i0(self.beta);
        let arg = core::f64::consts::PI * 2.0 * self.cutoff * t;
        let sinc = if arg == 0.0 { 1.0 } else { arg.sin() / arg };
        2.0 * self.cutoff * sinc * w
    }

    /// The `taps` weights of an output instant `phase` (0..=1) past input frame `q`, for input
    /// frames `q - C + 1 + j`, normalised to sum to 1 (in `f64`).
    pub fn phase_taps(&self, phase: f64, out: &mut [f64]) {
        let mut sum = 0.0;
        for (j, o) in out.iter_mut().enumerate().take(self.taps) {
            *o = self.kernel(phase + (self.half as f64 - 1.0 - j as f64));
            sum += *o;
        }
        for o in out.iter_mut().take(self.taps) {
            *o /= sum;
        }
    }
}

/// Why a span could not be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanError {
    /// Lengths that are not whole frames, an output range past `out_frames(total_in)`, or
    /// positions beyond 2^53.
    BadArgument,
    /// The input buffer lacks frames inside `[0, total_in)` that a tap needs.
    MissingInput,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Equal rates: a copy.
    Copy,
    /// One table row per exact phase `r / L`.
    Exact,
    /// `fine + 1` rows at phases `p / fine`, interpolated.
    Interpolated { fine: u64 },
}

/// Positions are exact integers in `f64` on the host side: at most 2^53.
const MAX_POSITION: u64 = 1 << 53;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// A stateless resampler: tables built by `new`; [`Resampler::span`] allocates nothing.
pub struct Resampler {
    in_rate: u32,
    out_rate: u32,
    channels: usize,
    /// `out / g`.
    l: u64,
    /// `in / g`.
    m: u64,
    design: Design,
    mode: Mode,
    /// Floats per table row: `taps * channels`.
    row: usize,
    table: Vec<f32>,
    lanes: usize,
    /// One row of input frames, for windows that cross the file's ends.
    scratch: Vec<f32>,
}

impl Resampler {
    /// A resampler from `in_rate` to `out_rate` Hz (each in `MIN_RATE..=MAX_RATE`) for
    /// `channels` (1..=8) interleaved channels, or `None` for arguments out of range.
    /// Allocates the tables.
    pub fn new(in_rate: u32, out_rate: u32, channels: usize) -> Option<Resampler> {
        Resampler::build(in_rate, out_rate, channels, false)
    }

    /// As [`Resampler::new`], but with the interpolated table even where exact phases fit (to
    /// compare the two); equal rates still copy.
    pub fn new_interpolated(in_rate: u32, out_rate: u32, channels: usize) -> Option<Resampler> {
        Resampler::build(in_rate, out_rate, channels, true)
    }

    fn build(in_rate: u32, out_rate: u32, channels: usize, force_interpolated: bool) -> Option<Resampler> {
        let rates = MIN_RATE..=MAX_RATE;
        if !rates.contains(&in_rate) || !rates.contains(&out_rate) || channels == 0 || channels > MAX_CHANNELS {
            return None;
        }
        let g = gcd(in_rate as u64, out_rate as u64);
        let (l, m) = (out_rate as u64 / g, in_rate as u64 / g);
        let design = Design::new(in_rate, out_rate);
        let lanes = lanes_for(channels);
        let row = design.taps * channels;
        let mut r =
            Resampler { in_rate, out_rate, channels, l, m, design, mode: Mode::Copy, row, table: Vec::new(), lanes, scratch: Vec::new() };
        if in_rate == out_rate {
            return Some(r);
        }
        let (mode, rows) = if !force_interpolated && (l as usize) * design.taps <= EXACT_TABLE_LIMIT {
            (Mode::Exact, l as usize)
        } else {
            let ratio = (in_rate as f64 / out_rate as f64).max(1.0);
            let fine = ((FINE_PHASES as f64 / ratio).ceil() as usize).max(MIN_FINE_PHASES);
            (Mode::Interpolated { fine: fine as u64 }, fine + 1)
        };
        r.mode = mode;
        r.table = vec![0.0f32; rows * row];
        r.scratch = vec![0.0f32; row];
        let mut taps = vec![0.0f64; design.taps];
        for (i, out) in r.table.chunks_exact_mut(row).enumerate() {
            let phase = match mode {
                Mode::Exact => i as f64 / l as f64,
                _ => i as f64 / (rows - 1) as f64,
            };
            design.phase_taps(phase, &mut taps);
            for (frame, &h) in out.chunks_exact_mut(channels).zip(taps.iter()) {
                for v in frame.iter_mut() {
                    *v = h as f32;
                }
            }
        }
        Some(r)
    }

    pub fn in_rate(&self) -> u32 {
        self.in_rate
    }

    pub fn out_rate(&self) -> u32 {
        self.out_rate
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The kernel in use.
    pub fn design(&self) -> Design {
        self.design
    }

    /// Input frames of context on each side: output frame `k` reads input frames
    /// `tap_start(k) .. tap_start(k) + 2 * context()`, where `tap_start(k) = floor(t_k) - C + 1`.
    /// 0 for equal rates (output frame `k` is input frame `k`).
    pub fn context(&self) -> usize {
        if self.mode == Mode::Copy {
            0
        } else {
            self.design.half
        }
    }

    /// Input frames one output frame reads: `2 * context()`, or 1 for equal rates.
    pub fn taps(&self) -> usize {
        if self.mode == Mode::Copy {
            1
        } else {
            self.design.taps
        }
    }

    /// True when every phase has its own exact table row (no interpolation).
    pub fn is_exact(&self) -> bool {
        !matches!(self.mode, Mode::Interpolated { .. })
    }

    /// Table rows (phases); 0 for equal rates.
    pub fn phases(&self) -> usize {
        self.table.len().checked_div(self.row).unwrap_or(0)
    }

    /// Table row `i` (`taps * channels` floats: tap `j` of the phase repeated for each channel),
    /// `None` past the last row. Rows are the exact phases `i / L`, or the fine phases `i / P`.
    pub fn table_row(&self, i: usize) -> Option<&[f32]> {
        self.table.get(i * self.row..(i + 1) * self.row)
    }

    /// Address ranges (start, end) of the resampler's own buffers (table, scratch), so the C
    /// ABI can refuse host buffers that overlap them.
    pub fn storage(&self) -> [(usize, usize); 2] {
        [crate::ffi::span(&self.table), crate::ffi::span(&self.scratch)]
    }

    /// Output frames for `total_in` input frames: `ceil(total_in * out / in)`, which is also the
    /// first output frame at or after input time `total_in`.
    pub fn out_frames(&self, total_in: u64) -> u64 {
        let (o, i) = (self.out_rate as u128, self.in_rate as u128);
        ((total_in as u128 * o + i - 1) / i) as u64
    }

    /// First input frame output frame `k` reads (may be negative).
    pub fn tap_start(&self, k: u64) -> i64 {
        let q = (k as u128 * self.m as u128 / self.l as u128) as i64;
        if self.mode == Mode::Copy {
            q
        } else {
            q - self.design.half as i64 + 1
        }
    }

    /// Computes output frames `out_start .. out_start + output.len() / channels` into `output`
    /// (interleaved) from `input` (interleaved), which holds input frames
    /// `in_start .. in_start + input.len() / channels` of a file of `total_in` frames. Frames
    /// outside `[0, total_in)` count as zero whatever the buffer holds there. Writes nothing on
    /// error. Never allocates.
    pub fn span(&mut self, input: &[f32], in_start: i64, total_in: u64, out_start: u64, output: &mut [f32]) -> Result<(), SpanError> {
        let ch = self.channels;
        if output.len() % ch != 0 {
            return Err(SpanError::BadArgument);
        }
        let count = output.len() / ch;
        self.check(input.len(), in_start, total_in, out_start, count)?;
        if self.mode == Mode::Copy {
            let from = ((out_start as i64 - in_start) as usize) * ch;
            output.copy_from_slice(&input[from..from + output.len()]);
            return Ok(());
        }
        self.frames(input, in_start, total_in, out_start, count, |k, f| output[k * ch..(k + 1) * ch].copy_from_slice(f));
        Ok(())
    }

    /// [`Resampler::span`] on planar buffers: `planes` holds the channels' input frames one
    /// plane after another (`in_frames` each), and `output` receives the `count` output frames
    /// the same way (`count = output.len() / channels`). `scratch` (at least `in_frames *
    /// channels` floats) takes the input interleaved. The same output bits as `span` on the
    /// interleaved buffers. Writes nothing to `output` on error. Never allocates.
    pub fn span_planar(
        &mut self,
        planes: &[f32],
        in_start: i64,
        total_in: u64,
        out_start: u64,
        scratch: &mut [f32],
        output: &mut [f32],
    ) -> Result<(), SpanError> {
        let ch = self.channels;
        if planes.len() % ch != 0 || output.len() % ch != 0 || scratch.len() < planes.len() {
            return Err(SpanError::BadArgument);
        }
        let (in_frames, count) = (planes.len() / ch, output.len() / ch);
        self.check(planes.len(), in_start, total_in, out_start, count)?;
        if count == 0 || in_frames == 0 {
            // (with output to compute, `check` has refused an empty input)
            return Ok(());
        }
        if self.mode == Mode::Copy {
            let from = (out_start as i64 - in_start) as usize;
            for (plane, out) in planes.chunks_exact(in_frames).zip(output.chunks_exact_mut(count)) {
                out.copy_from_slice(&plane[from..from + count]);
            }
            return Ok(());
        }
        let input = &mut scratch[..planes.len()];
        for (c, plane) in planes.chunks_exact(in_frames).enumerate() {
            for (frame, &v) in input.chunks_exact_mut(ch).zip(plane) {
                frame[c] = v;
            }
        }
        // frame k's channels go to output[k], output[count + k], ...
        self.frames(input, in_start, total_in, out_start, count, |k, f| {
            for (c, &v) in f.iter().enumerate() {
                output[c * count + k] = v;
            }
        });
        Ok(())
    }

    /// The argument checks shared by the spans: `input_len` floats of input from frame
    /// `in_start`, `count` output frames from `out_start`.
    fn check(&self, input_len: usize, in_start: i64, total_in: u64, out_start: u64, count: usize) -> Result<(), SpanError> {
        let ch = self.channels;
        if input_len % ch != 0 || total_in > MAX_POSITION || in_start.unsigned_abs() > MAX_POSITION {
            return Err(SpanError::BadArgument);
        }
        let in_frames = (input_len / ch) as i64;
        let out_end = match out_start.checked_add(count as u64) {
            Some(e) if e <= self.out_frames(total_in) => e,
            _ => return Err(SpanError::BadArgument),
        };
        if count == 0 {
            return Ok(());
        }
        let taps = self.taps() as i64;
        let total = total_in as i64;
        // The frames inside the file that the span reads must all be in the buffer.
        let first = self.tap_start(out_start).max(0);
        let last = (self.tap_start(out_end - 1) + taps).min(total);
        if first < last && (first < in_start || last > in_start + in_frames) {
            return Err(SpanError::MissingInput);
        }
        Ok(())
    }

    /// Computes `count` output frames from `out_start` on from the interleaved `input` (checked
    /// by [`Resampler::check`]; not `Copy` mode) and hands frame `k`'s channels to `store`.
    fn frames(&mut self, input: &[f32], in_start: i64, total_in: u64, out_start: u64, count: usize, mut store: impl FnMut(usize, &[f32])) {
        let ch = self.channels;
        let taps = self.taps() as i64;
        let total = total_in as i64;
        let (l, m) = (self.l, self.m);
        let prod = out_start as u128 * m as u128;
        let mut q = (prod / l as u128) as u64;
        let mut r = (prod % l as u128) as u64;
        let (dq, dr) = (m / l, m % l);
        let half = self.design.half as i64;
        let row = self.row;
        let mut acc = [0.0f32; MAX_LANES];
        let mut a = [0.0f32; MAX_CHANNELS];
        let mut b = [0.0f32; MAX_CHANNELS];
        let mut f = [0.0f32; MAX_CHANNELS];
        for k in 0..count {
            let n0 = q as i64 - half + 1;
            let x: &[f32] = if n0 >= 0 && n0 + taps <= total {
                let from = (n0 - in_start) as usize * ch;
                &input[from..from + row]
            } else {
                for (j, d) in self.scratch.chunks_exact_mut(ch).enumerate() {
                    let n = n0 + j as i64;
                    if n >= 0 && n < total {
                        let from = (n - in_start) as usize * ch;
                        d.copy_from_slice(&input[from..from + ch]);
                    } else {
                        d.iter_mut().for_each(|v| *v = 0.0);
                    }
                }
                &self.scratch
            };
            let frame = &mut f[..ch];
            match self.mode {
                Mode::Exact => {
                    let e = &self.table[r as usize * row..(r as usize + 1) * row];
                    dot_frame(x, e, self.lanes, &mut acc, frame);
                }
                Mode::Interpolated { fine } => {
                    let pos = r * fine;
                    let p = (pos / l) as usize;
                    let frac = (pos % l) as f32 / l as f32;
                    dot_frame(x, &self.table[p * row..(p + 1) * row], self.lanes, &mut acc, &mut a[..ch]);
                    dot_frame(x, &self.table[(p + 1) * row..(p + 2) * row], self.lanes, &mut acc, &mut b[..ch]);
                    for c in 0..ch {
                        frame[c] = a[c] + frac * (b[c] - a[c]);
                    }
                }
                Mode::Copy => {} // the spans copy instead
            }
            store(k, &f[..ch]);
            r += dr;
            q += dq;
            if r >= l {
                r -= l;
                q += 1;
            }
        }
    }
}

/// Accumulator lanes for `channels` interleaved channels: 16 for 1, 2, 4 and 8, else
/// `lcm(4, channels)`.
fn lanes_for(channels: usize) -> usize {
    match channels {
        1 | 2 | 4 | 8 => 16,
        3 | 6 => 12,
        5 => 20,
        _ => 28,
    }
}

/// Channel `c` = lanes `c, c + ch, ...` summed, for `ch = out.len()` channels. In that order,
/// except with 16 lanes and 1 or 2 channels: there the four vectors of lanes are summed first,
/// `t(j) = ((acc(j) + acc(4 + j)) + acc(8 + j)) + acc(12 + j)`, then `t(c) + t(c + 2)` (and for
/// one channel the two of those summed), as the SIMD path sums them in registers. (For 4 and 8
/// channels the vector order is the plain one.)
#[inline(always)]
fn combine(acc: &[f32; MAX_LANES], lanes: usize, out: &mut [f32]) {
    let ch = out.len();
    if lanes == 16 && (ch == 1 || ch == 2) {
        let t = |j: usize| ((acc[j] + acc[4 + j]) + acc[8 + j]) + acc[12 + j];
        let (u0, u1) = (t(0) + t(2), t(1) + t(3));
        if ch == 2 {
            out[0] = u0;
            out[1] = u1;
        } else {
            out[0] = u0 + u1;
        }
        return;
    }
    for (c, o) in out.iter_mut().enumerate() {
        let mut s = acc[c];
        let mut p = c + ch;
        while p < lanes {
            s += acc[p];
            p += ch;
        }
        *o = s;
    }
}

/// One output frame of `out.len()` channels: [`lane_sums`] then [`combine`]. The scalar
/// definition of [`dot_frame`].
pub fn dot_frame_scalar(x: &[f32], e: &[f32], lanes: usize, acc: &mut [f32; MAX_LANES], out: &mut [f32]) {
    lane_sums_scalar(x, e, lanes, acc);
    combine(acc, lanes, out);
}

/// [`dot_frame_scalar`], with 16 lanes (1, 2, 4 or 8 channels) on wasm32 with simd128 in
/// vector registers to the end (the same additions in the same order: identical bits; a fifth
/// of a 44.1 -> 48 kHz stereo span's time went into storing the lanes and summing them one by
/// one).
#[inline]
pub fn dot_frame(x: &[f32], e: &[f32], lanes: usize, acc: &mut [f32; MAX_LANES], out: &mut [f32]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if lanes == 16 && matches!(out.len(), 1 | 2 | 4 | 8) {
        let n = x.len().min(e.len()) / 16 * 16;
        // SAFETY: both slices hold at least `n` floats, a multiple of 16; `out` holds its length.
        unsafe { simd::dot16(x.as_ptr(), e.as_ptr(), n, out) };
        return;
    }
    lane_sums(x, e, lanes, acc);
    combine(acc, lanes, out);
}

/// `acc[p] = sum over i of x[i W + p] * e[i W + p]`, `W = lanes`, in increasing `i`, starting
/// from +0. The scalar definition of [`lane_sums`]. `x.len() == e.len()`, a multiple of `lanes`.
pub fn lane_sums_scalar(x: &[f32], e: &[f32], lanes: usize, acc: &mut [f32; MAX_LANES]) {
    acc.iter_mut().for_each(|v| *v = 0.0);
    for (xs, es) in x.chunks_exact(lanes).zip(e.chunks_exact(lanes)) {
        for p in 0..lanes {
            acc[p] += xs[p] * es[p];
        }
    }
}

/// [`lane_sums_scalar`] with `f32x4` accumulators on wasm32 with simd128 (the same additions
/// in the same order: identical bits).
#[inline]
pub fn lane_sums(x: &[f32], e: &[f32], lanes: usize, acc: &mut [f32; MAX_LANES]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let n = x.len().min(e.len()) / lanes * lanes;
        // SAFETY: both slices hold at least `n` floats and `n` is a multiple of `lanes`.
        unsafe {
            match lanes {
                12 => simd::lane_sums::<3>(x.as_ptr(), e.as_ptr(), n, acc),
                16 => simd::lane_sums::<4>(x.as_ptr(), e.as_ptr(), n, acc),
                20 => simd::lane_sums::<5>(x.as_ptr(), e.as_ptr(), n, acc),
                28 => simd::lane_sums::<7>(x.as_ptr(), e.as_ptr(), n, acc),
                _ => lane_sums_scalar(x, e, lanes, acc),
            }
        }
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    lane_sums_scalar(x, e, lanes, acc)
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::MAX_LANES;
    use crate::simd4::{add, ld, mul, st};
    use core::arch::wasm32::*;

    /// `super::dot_frame` with 16 lanes: `lane_sums::<4>`, then [`super::combine`]'s sums in
    /// registers for `out.len()` = 1, 2, 4 or 8 channels.
    ///
    /// # Safety
    /// `x` and `e` readable for `n` floats (a multiple of 16).
    #[inline(always)]
    pub(super) unsafe fn dot16(x: *const f32, e: *const f32, n: usize, out: &mut [f32]) {
        let v = accumulate::<4>(x, e, n);
        match out.len() {
            8 => {
                st(out.as_mut_ptr(), add(v[0], v[2]));
                st(out.as_mut_ptr().add(4), add(v[1], v[3]));
            }
            4 => st(out.as_mut_ptr(), add(add(add(v[0], v[1]), v[2]), v[3])),
            ch => {
                let t = add(add(add(v[0], v[1]), v[2]), v[3]);
                // lanes 0 and 1: t(0) + t(2), t(1) + t(3)
                let u = add(t, i32x4_shuffle::<2, 3, 0, 1>(t, t));
                let (u0, u1) = (f32x4_extract_lane::<0>(u), f32x4_extract_lane::<1>(u));
                if ch == 2 {
                    out[0] = u0;
                    out[1] = u1;
                } else if let Some(o) = out.first_mut() {
                    *o = u0 + u1;
                }
            }
        }
    }

    /// `A` accumulators of four lanes over `n` floats (a multiple of `4 A`): accumulator `a`
    /// holds lanes `4 a .. 4 a + 4` of `super::lane_sums_scalar`.
    ///
    /// # Safety
    /// `x` and `e` readable for `n` floats.
    #[inline(always)]
    unsafe fn accumulate<const A: usize>(x: *const f32, e: *const f32, n: usize) -> [v128; A] {
        let mut v = [f32x4_splat(0.0); A];
        let mut i = 0;
        while i < n {
            for (a, va) in v.iter_mut().enumerate() {
                *va = add(*va, mul(ld(x.add(i + 4 * a)), ld(e.add(i + 4 * a))));
            }
            i += 4 * A;
        }
        v
    }

    /// [`accumulate`], stored as lanes.
    ///
    /// # Safety
    /// `x` and `e` readable for `n` floats; `4 A <= MAX_LANES`.
    #[inline(always)]
    pub(super) unsafe fn lane_sums<const A: usize>(x: *const f32, e: *const f32, n: usize, acc: &mut [f32; MAX_LANES]) {
        let v = accumulate::<A>(x, e, n);
        for (a, va) in v.iter().enumerate() {
            st(acc.as_mut_ptr().add(4 * a), *va);
        }
    }
}

/// Runs [`lane_sums`] and [`lane_sums_scalar`] on pseudo-random data for every lane layout and
/// several lengths; true if every lane agrees bit for bit. Native builds compare the scalar
/// path with itself. Allocates.
pub fn simd_matches_scalar() -> bool {
    let mut seed: u32 = 0x5eed_0dd5;
    let mut next = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        f32::from_bits((seed >> 9) | 0x4000_0000) - 3.0
    };
    for &lanes in &[12usize, 16, 20, 28] {
        for &blocks in &[1usize, 2, 7, 40, 333] {
            let n = lanes * blocks;
            let x: Vec<f32> = (0..n).map(|_| next()).collect();
            let e: Vec<f32> = (0..n).map(|_| next() * 1e-3).collect();
            let mut a = [0.0f32; MAX_LANES];
            let mut b = [0.0f32; MAX_LANES];
            lane_sums(&x, &e, lanes, &mut a);
            lane_sums_scalar(&x, &e, lanes, &mut b);
            if a[..lanes].iter().zip(&b[..lanes]).any(|(u, v)| u.to_bits() != v.to_bits()) {
                return false;
            }
            // whole frames, for every channel count this lane layout serves
            for ch in (1..=MAX_CHANNELS).filter(|&c| lanes_for(c) == lanes) {
                let mut fa = [0.0f32; MAX_CHANNELS];
                let mut fb = [0.0f32; MAX_CHANNELS];
                dot_frame(&x, &e, lanes, &mut a, &mut fa[..ch]);
                dot_frame_scalar(&x, &e, lanes, &mut b, &mut fb[..ch]);
                if fa[..ch].iter().zip(&fb[..ch]).any(|(u, v)| u.to_bits() != v.to_bits()) {
                    return false;
                }
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_lengths() {
        let up = Design::new(44100, 48000);
        assert_eq!(up.taps % TAP_MULTIPLE, 0);
        assert!(up.taps >= 120 && up.taps <= 144, "{}", up.taps);
        let down = Design::new(192000, 8000);
        assert!(down.taps >= 24 * 120, "{}", down.taps);
        assert!((up.cutoff - 0.475).abs() < 1e-12);
    }

    #[test]
    fn table_modes() {
        assert!(Resampler::new(44100, 48000, 2).unwrap().is_exact());
        assert_eq!(Resampler::new(44100, 48000, 2).unwrap().phases(), 160);
        assert!(!Resampler::new(44100, 47999, 2).unwrap().is_exact());
        assert!(!Resampler::new_interpolated(44100, 48000, 1).unwrap().is_exact());
        assert!(Resampler::new(7999, 48000, 1).is_none());
        assert!(Resampler::new(48000, 192001, 1).is_none());
        assert!(Resampler::new(48000, 44100, 0).is_none());
        assert!(Resampler::new(48000, 44100, 9).is_none());
    }

    #[test]
    fn simd_and_scalar_agree() {
        assert!(simd_matches_scalar());
    }
}
