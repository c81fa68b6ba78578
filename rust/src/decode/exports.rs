//! The decode C exports: WAV headers, PCM to f32, stateless resampling. Offline entry points for
//! the decode workers, the CLI and tests: they need no `init` and leave the stage instances
//! alone. Each wasm instance (one per worker) owns one set of buffers and one resampler.

use crate::ffi::{memory_range, ranges_overlap, span};
use crate::status;

/// The decode entry points' buffers and resampler.
struct DecodeState {
    input: Vec<u8>,
    pcm: Vec<f32>,
    out: Vec<f32>,
    /// A planar [`resample_span`]'s input, interleaved.
    interleaved: Vec<f32>,
    info: super::wav::Info,
    resampler: Option<super::resample::Resampler>,
}

static mut DECODE: DecodeState = DecodeState {
    input: Vec::new(),
    pcm: Vec::new(),
    out: Vec::new(),
    interleaved: Vec::new(),
    info: [f64::NAN; super::wav::field::COUNT],
    resampler: None,
};

fn decode_state() -> &'static mut DecodeState {
    // SAFETY: a wasm instance is single-threaded (see `crate::ffi`), and no reference returned
    // here is held across calls into the ABI.
    unsafe { &mut *core::ptr::addr_of_mut!(DECODE) }
}

/// Grows `v` to at least `n` elements (zeros; may move it) and returns its start, or null for
/// an empty buffer or a failed allocation (`v` is then unchanged).
fn grow<T: Copy + Default>(v: &mut Vec<T>, n: usize) -> *mut T {
    if n > v.len() {
        if v.try_reserve_exact(n - v.len()).is_err() {
            return core::ptr::null_mut();
        }
        v.resize(n, T::default());
    }
    if v.is_empty() {
        core::ptr::null_mut()
    } else {
        v.as_mut_ptr()
    }
}

/// A frame position from the host: an integer in `f64` with `|x| <= 2^53`.
fn position(x: f64) -> Option<i64> {
    if x.is_finite() && x == x.trunc() && x.abs() <= 9_007_199_254_740_992.0 {
        Some(x as i64)
    } else {
        None
    }
}

/// Makes sure the host-writable byte buffer for file bytes holds at least `bytes` and returns
/// it (null if it is empty or cannot grow). May move the buffer: call it when setting up a task,
/// then use the pointer it returned; its contents survive a move. Allocates.
#[no_mangle]
pub extern "C" fn decode_input_ptr(bytes: usize) -> *mut u8 {
    grow(&mut decode_state().input, bytes)
}

/// As [`decode_input_ptr`], for `floats` f32: the buffer for converted (or externally decoded)
/// interleaved samples, the resampler's usual input.
#[no_mangle]
pub extern "C" fn decode_pcm_ptr(floats: usize) -> *mut f32 {
    grow(&mut decode_state().pcm, floats)
}

/// As [`decode_input_ptr`], for `floats` f32: the buffer for the resampler's output.
#[no_mangle]
pub extern "C" fn decode_out_ptr(floats: usize) -> *mut f32 {
    grow(&mut decode_state().out, floats)
}

/// As [`decode_pcm_ptr`], for `frames` frames of the current resampler's channels, one plane
/// after another: a planar [`resample_span`]'s usual input. Also grows the buffer that call
/// interleaves its input into. Null without a resampler, for 0 frames, or if a buffer cannot
/// grow. Allocates.
#[no_mangle]
pub extern "C" fn resample_planar_input_ptr(frames: usize) -> *mut f32 {
    let st = decode_state();
    let n = match st.resampler.as_ref().and_then(|r| frames.checked_mul(r.channels())) {
        Some(n) => n,
        None => return core::ptr::null_mut(),
    };
    if grow(&mut st.interleaved, n).is_null() {
        return core::ptr::null_mut();
    }
    grow(&mut st.pcm, n)
}

/// Parses the RIFF/WAVE header in the first `len` bytes of the [`decode_input_ptr`] buffer, a
/// prefix of a file of `file_len` bytes, and fills [`wav_info_ptr`]. Returns a code of
/// `decode::wav::code`: 0 parsed; 1 (`NEED_MORE`) pass a prefix of `BYTES_NEEDED` bytes; a
/// negative code naming the problem (-101 ..= -114; `OVERSIZED` and `PARTIAL_FRAME` leave
/// `FRAMES_AVAILABLE` usable). `BAD_ARGUMENT` if `len` exceeds the buffer or the file, or
/// `file_len` is not an integer in `0 ..= 2^53`. Reads only inside the buffer; allocates nothing.
#[no_mangle]
pub extern "C" fn wav_probe(len: usize, file_len: f64) -> i32 {
    let st = decode_state();
    st.info = [f64::NAN; super::wav::field::COUNT];
    let file_len = match position(file_len) {
        Some(n) if n >= 0 => n as u64,
        _ => return status::BAD_ARGUMENT,
    };
    if len > st.input.len() {
        return status::BAD_ARGUMENT;
    }
    let (code, info) = super::wav::probe(&st.input[..len], file_len);
    st.info = info;
    code
}

/// The fields of the last [`wav_probe`]: `decode::wav::field::COUNT` (12) doubles in the order
/// FORMAT, CHANNELS, SAMPLE_RATE, BITS, BLOCK_ALIGN, DATA_OFFSET, FRAMES_CLAIMED,
/// FRAMES_AVAILABLE, BYTES_NEEDED, FORMAT_TAG, EXTENSIBLE, DATA_BYTES; NaN where unknown.
#[no_mangle]
pub extern "C" fn wav_info_ptr() -> *const f64 {
    decode_state().info.as_ptr()
}

/// Converts `frames` interleaved frames of `channels` (1..=8) samples at `in_ptr` (any byte
/// address: a chunk may start at any frame) into `frames * channels` f32 at `out_ptr` (4-byte
/// aligned), full scale ±1, bit for bit as cli/wav.ts `parseWav`. `format` 1 (PCM: `bits` 8
/// unsigned, 16, 24, 32) or 3 (IEEE float: 32 copied bit for bit, 64 rounded to nearest).
/// Returns 0; `UNSUPPORTED_SAMPLE_FORMAT` (-121) for another format / bits pair;
/// `BAD_ARGUMENT` for a bad channel count, a null or misaligned pointer, overlapping buffers or
/// a range outside the module's memory. Never allocates.
///
/// # Safety
/// Both ranges must be memory this module does not otherwise use during the call (the
/// [`decode_input_ptr`] and [`decode_pcm_ptr`] buffers, or `scratch_alloc` buffers).
#[no_mangle]
pub unsafe extern "C" fn pcm_to_f32(format: i32, bits: i32, channels: i32, in_ptr: *const u8, frames: usize, out_ptr: *mut f32) -> i32 {
    pcm_convert(format, bits, channels, in_ptr, frames, out_ptr, false)
}

/// As [`pcm_to_f32`], with the output in planes: channel `c` of frame `i` at
/// `out_ptr[c * frames + i]` (what a WAV chunk's planar output needs, without a pass to
/// deinterleave). Same arguments, statuses and safety contract.
///
/// # Safety
/// As [`pcm_to_f32`].
#[no_mangle]
pub unsafe extern "C" fn pcm_to_planar(format: i32, bits: i32, channels: i32, in_ptr: *const u8, frames: usize, out_ptr: *mut f32) -> i32 {
    pcm_convert(format, bits, channels, in_ptr, frames, out_ptr, true)
}

/// The checks and the conversion of [`pcm_to_f32`] and [`pcm_to_planar`].
///
/// # Safety
/// As [`pcm_to_f32`].
unsafe fn pcm_convert(format: i32, bits: i32, channels: i32, in_ptr: *const u8, frames: usize, out_ptr: *mut f32, planes: bool) -> i32 {
    use super::pcm::{convert_planar, SampleFormat};
    let fmt = match SampleFormat::from_wav(format, bits) {
        Some(fmt) => fmt,
        None => return super::code::UNSUPPORTED_SAMPLE_FORMAT,
    };
    if !(1..=8).contains(&channels) {
        return status::BAD_ARGUMENT;
    }
    let samples = match frames.checked_mul(channels as usize) {
        Some(n) => n,
        None => return status::BAD_ARGUMENT,
    };
    if samples == 0 {
        return status::OK;
    }
    if in_ptr.is_null() || out_ptr.is_null() || out_ptr as usize % 4 != 0 {
        return status::BAD_ARGUMENT;
    }
    let ranges = samples
        .checked_mul(fmt.bytes())
        .and_then(|b| memory_range(in_ptr as usize, b))
        .zip(samples.checked_mul(4).and_then(|b| memory_range(out_ptr as usize, b)));
    match ranges {
        Some((i, o)) if !ranges_overlap(i, o) => {
            // SAFETY: both ranges lie in this module's memory, are disjoint, and the caller
            // guarantees nothing else uses them during the call; `out_ptr` is aligned.
            let input = core::slice::from_raw_parts(in_ptr, i.1 - i.0);
            let out = core::slice::from_raw_parts_mut(out_ptr, samples);
            // interleaved output is the planar conversion of one channel of `samples` frames
            convert_planar(fmt, input, if planes { channels as usize } else { 1 }, out);
            status::OK
        }
        _ => status::BAD_ARGUMENT,
    }
}

/// Builds the resampler from `in_rate` to `out_rate` Hz (8000 ..= 192000 each) for `channels`
/// (1..=8) interleaved channels, replacing the previous one. Returns 0, or `BAD_ARGUMENT` (the
/// previous resampler stays). Allocates the tables (up to about 8 MB for 8 channels).
#[no_mangle]
pub extern "C" fn resampler_create(in_rate: u32, out_rate: u32, channels: u32) -> i32 {
    match super::resample::Resampler::new(in_rate, out_rate, channels as usize) {
        Some(r) => {
            decode_state().resampler = Some(r);
            status::OK
        }
        None => status::BAD_ARGUMENT,
    }
}

/// Input frames of context `C` on each side: output frame `k` reads input frames
/// [`resampler_tap_start`]`(k) ..` that `+ 2C` (one frame, `C = 0`, for equal rates). 0
/// without a resampler.
#[no_mangle]
pub extern "C" fn resampler_context() -> u32 {
    decode_state().resampler.as_ref().map(|r| r.context() as u32).unwrap_or(0)
}

/// Input frames one output frame reads: `2C`, or 1 for equal rates; 0 without a resampler.
#[no_mangle]
pub extern "C" fn resampler_taps() -> u32 {
    decode_state().resampler.as_ref().map(|r| r.taps() as u32).unwrap_or(0)
}

/// 1 if every phase has an exact table row (or the rates are equal), 0 if the table is
/// interpolated, `NO_STAGE` without a resampler.
#[no_mangle]
pub extern "C" fn resampler_exact() -> i32 {
    match decode_state().resampler.as_ref() {
        Some(r) => r.is_exact() as i32,
        None => status::NO_STAGE,
    }
}

/// `ceil(total_in * out / in)`: the output length of a file of `total_in` frames, and the first
/// output frame at or after input time `total_in`. NaN without a resampler or for a `total_in`
/// that is not an integer in `0 ..= 2^53`.
#[no_mangle]
pub extern "C" fn resampler_out_frames(total_in: f64) -> f64 {
    match (decode_state().resampler.as_ref(), position(total_in)) {
        (Some(r), Some(n)) if n >= 0 => r.out_frames(n as u64) as f64,
        _ => f64::NAN,
    }
}

/// The first input frame output frame `k` reads: `floor(k * in / out) - C + 1` (may be
/// negative). NaN without a resampler or for a `k` that is not an integer in `0 ..= 2^53`.
#[no_mangle]
pub extern "C" fn resampler_tap_start(k: f64) -> f64 {
    match (decode_state().resampler.as_ref(), position(k)) {
        (Some(r), Some(k)) if k >= 0 => r.tap_start(k as u64) as f64,
        _ => f64::NAN,
    }
}

/// Computes output frames `out_start .. out_start + out_count` (at `out_ptr`) of a file of
/// `total_in` input frames, from `in_frames` input frames at `in_ptr` holding absolute frames
/// `in_start ..` (`in_start` may be negative; frames outside `[0, total_in)` count as zero
/// whatever the buffer holds). Every output frame depends only on its index and the input, so
/// spans computed apart join bit for bit. Positions are integers in `f64` up to 2^53. Never
/// allocates.
///
/// `layout` 0: input and output interleaved. 1: planar, the channels one plane after another
/// (`in_frames`, `out_count` each; the input usually in the [`resample_planar_input_ptr`]
/// buffer), the same output bits; the input is interleaved into a buffer that
/// [`resample_planar_input_ptr`]`(in_frames)` (or a larger call) grew.
///
/// Returns 0; `MISSING_INPUT` (-120) if the buffer lacks frames inside the file that a tap
/// needs (nothing is written); `BAD_ARGUMENT` for a position that is not such an integer, an
/// output range past [`resampler_out_frames`]`(total_in)`, a null or misaligned pointer,
/// overlapping buffers, a range outside the module's memory, another `layout`, or a planar span
/// larger than the interleaving buffer; `NO_STAGE` without a resampler.
///
/// # Safety
/// Both ranges must be memory this module does not otherwise use during the call (the
/// [`decode_pcm_ptr`] and [`decode_out_ptr`] buffers, or `scratch_alloc` buffers).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn resample_span(
    in_ptr: *const f32,
    in_frames: usize,
    in_start: f64,
    total_in: f64,
    out_start: f64,
    out_count: usize,
    out_ptr: *mut f32,
    layout: i32,
) -> i32 {
    use super::resample::SpanError;
    let planar = match layout {
        0 => false,
        1 => true,
        _ => return status::BAD_ARGUMENT,
    };
    let st = decode_state();
    let rs = match st.resampler.as_mut() {
        Some(rs) => rs,
        None => return status::NO_STAGE,
    };
    let (in_start, total_in, out_start) = match (position(in_start), position(total_in), position(out_start)) {
        (Some(a), Some(t), Some(o)) if t >= 0 && o >= 0 => (a, t as u64, o as u64),
        _ => return status::BAD_ARGUMENT,
    };
    let ch = rs.channels();
    let (n_in, n_out) = match (in_frames.checked_mul(ch), out_count.checked_mul(ch)) {
        (Some(a), Some(b)) => (a, b),
        _ => return status::BAD_ARGUMENT,
    };
    let buffer = |ptr: usize, n: usize| -> Option<(usize, usize)> {
        if n == 0 {
            return Some((0, 0));
        }
        if ptr == 0 || ptr % 4 != 0 {
            return None;
        }
        memory_range(ptr, n.checked_mul(4)?)
    };
    let (i, o) = match (buffer(in_ptr as usize, n_in), buffer(out_ptr as usize, n_out)) {
        (Some(i), Some(o)) => (i, o),
        _ => return status::BAD_ARGUMENT,
    };
    let scratch = span(&st.interleaved);
    if ranges_overlap(i, o)
        || rs.storage().iter().chain(core::iter::once(&scratch)).any(|&s| ranges_overlap(s, i) || ranges_overlap(s, o))
        || (planar && st.interleaved.len() < n_in)
    {
        return status::BAD_ARGUMENT;
    }
    // SAFETY: each range is empty or lies in this module's memory, aligned, disjoint from the
    // other and from the resampler's and the interleaving buffers; the caller guarantees nothing
    // else uses them.
    let input: &[f32] = if n_in == 0 { &[] } else { core::slice::from_raw_parts(in_ptr, n_in) };
    let output: &mut [f32] = if n_out == 0 { &mut [] } else { core::slice::from_raw_parts_mut(out_ptr, n_out) };
    let done = if planar {
        rs.span_planar(input, in_start, total_in, out_start, &mut st.interleaved, output)
    } else {
        rs.span(input, in_start, total_in, out_start, output)
    };
    match done {
        Ok(()) => status::OK,
        Err(SpanError::MissingInput) => super::code::MISSING_INPUT,
        Err(SpanError::BadArgument) => status::BAD_ARGUMENT,
    }
}

/// Runs the resampler's SIMD and scalar dot products on the same pseudo-random data for every
/// lane layout (the lanes, and whole frames for each channel count); 0 if they agree bit for
/// bit, 1 if not. Natively both sides are scalar.
/// Allocates.
#[no_mangle]
pub extern "C" fn resample_selftest() -> i32 {
    if super::resample::simd_matches_scalar() {
        status::OK
    } else {
        1
    }
}
