//! The EQ's C exports: create, bands, bypass, precision, run (from the ring or a buffer), response, reset.
//! Each acts on the active instance, if that is an EQ; `NO_STAGE` (or null, 0, NaN) otherwise,
//! `NOT_INITIALISED` before `init`.

use super::{simd_enabled, simd_matches_scalar, EqInstance, EqStage, Kind, FLAT, ID};
use crate::ffi;
use crate::stages::Stage;
use crate::status;

/// The active instance's filter, if the active instance is an EQ.
fn eq_stage() -> Option<&'static mut EqStage> {
    ffi::active::<EqInstance>().map(|s| &mut s.kernel)
}

/// Creates the 8-band EQ at `sample_rate` Hz for quanta of up to `max_frames` samples and makes
/// it the active stage (every band off, bypass off). Returns 0; `NOT_INITIALISED` before `init`;
/// `BAD_ARGUMENT` for a sample rate that is not finite and positive or `max_frames == 0` (the
/// previous stage then stays active). Allocates.
///
/// Once active, `process_quantum(n)` runs [`eq_process`]`(n)`: the newest `n` samples of the
/// input ring are filtered into [`eq_output_ptr`].
#[no_mangle]
pub extern "C" fn eq_create(sample_rate: f32, max_frames: usize) -> i32 {
    ffi::legacy_create(ID, sample_rate, max_frames, &FLAT)
}

/// Sets band `band` (0..=7). `kind`: 0 off, 1 peaking, 2 lowshelf, 3 highshelf, 4 lowpass,
/// 5 highpass, 6 bandpass, 7 notch. `freq_hz` is clamped to 10 ..= 24000 and to Nyquist,
/// `gain_db` to -40 ..= 40 (peaking and shelves use it), `q` to 0.0001 ..= 1000 (peaking,
/// bandpass, notch; the shelves ignore it, using the spec's slope S = 1) or, for lowpass and
/// highpass, to -40 ..= 40 dB (the spec's Q in dB). Coefficients follow the Web Audio spec
/// (Chromium's computation, bit for bit). Changes are smoothed (15 ms one-pole on log frequency,
/// dB gain and log Q); a type change crossfades over 20 ms. Never allocates.
///
/// Returns 0; `BAD_PARAM` for an unknown `kind` or a NaN value (nothing changes);
/// `BAD_ARGUMENT` for a band outside 0..=7; `NO_STAGE` / `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn eq_set_band(band: i32, kind: i32, freq_hz: f32, gain_db: f32, q: f32) -> i32 {
    let stage = match ffi::active::<EqInstance>() {
        Some(stage) => stage,
        None => return ffi::no_stage_status(),
    };
    let kind = match Kind::from_id(kind) {
        Some(kind) => kind,
        None => return status::BAD_PARAM,
    };
    if band < 0 {
        return status::BAD_ARGUMENT;
    }
    ffi::status_of(stage.set_band(band as usize, kind, freq_hz, gain_db, q))
}

/// Bypass on (`on != 0`) or off. The switch crossfades over 20 ms, after which a bypassed EQ
/// copies its input bit for bit (the filters keep running, so switching back is seamless);
/// [`eq_reset`] completes the fade at once. Returns 0, `NO_STAGE` or `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn eq_set_bypass(on: i32) -> i32 {
    match ffi::active::<EqInstance>() {
        Some(stage) => {
            stage.set_bypass(on != 0);
            status::OK
        }
        None => ffi::no_stage_status(),
    }
}

/// Precision `fast` (`fast != 0`: the f32 SIMD kernel, see [`EqStage::set_fast`]) or `exact`
/// (0, as after [`eq_create`]: Chromium's arithmetic). Takes effect at the next sample, the
/// filter states carried over. Never allocates. Returns 0, `NO_STAGE` or `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn eq_set_precision(fast: i32) -> i32 {
    match ffi::active::<EqInstance>() {
        Some(stage) => {
            stage.set_fast(fast != 0);
            status::OK
        }
        None => ffi::no_stage_status(),
    }
}

/// Filters the newest `n` samples of the input ring into [`eq_output_ptr`] (what
/// `process_quantum(n)` does while the EQ is active). A quantum holding a NaN or an infinity
/// outputs silence, resets the filters and increments [`eq_nan_quanta`]. Never allocates.
/// Returns 0; `BAD_ARGUMENT` if `n` exceeds `max_frames` or the ring; `NO_STAGE` /
/// `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn eq_process(n: usize) -> i32 {
    ffi::with_active(|ring, stage: &mut EqInstance| ffi::status_of(stage.process(ring, n)))
}

/// Pointer to the EQ output buffer (`max_frames` floats; the first `n` hold the last
/// [`eq_process`]), or null if the EQ is not active. Valid until the next `*_create` or `init`.
#[no_mangle]
pub extern "C" fn eq_output_ptr() -> *const f32 {
    eq_stage().map(|s| s.output().as_ptr()).unwrap_or(core::ptr::null())
}

/// Quanta replaced by silence since `eq_create` because their input held NaN or infinity (0 if
/// the EQ is not active).
#[no_mangle]
pub extern "C" fn eq_nan_quanta() -> u32 {
    eq_stage().map(|s| s.nan_quanta()).unwrap_or(0)
}

/// Filters `n` floats at `in_ptr` into `n` floats at `out_ptr` with the active EQ (state carried
/// on, as for the ring), in pieces of at most `max_frames` (each a quantum for the NaN check). For
/// benchmarks and the CLI. `in_ptr == out_ptr` filters in place. Never allocates. Returns 0
/// (also for `n == 0`); `BAD_ARGUMENT` for a null pointer, buffers that overlap without being
/// equal, or an output overlapping [`eq_output_ptr`]'s buffer; `NO_STAGE` / `NOT_INITIALISED`.
///
/// # Safety
/// `in_ptr` must be valid for reading and `out_ptr` for writing `n` floats of this module's
/// memory (for example from `scratch_alloc`, or the input ring for reading), and neither may
/// overlap a buffer of the stage other than as allowed above (the host only knows the output
/// buffer, which is checked).
#[no_mangle]
pub unsafe extern "C" fn eq_process_buffer(in_ptr: *const f32, out_ptr: *mut f32, n: usize) -> i32 {
    let stage = match eq_stage() {
        Some(stage) => stage,
        None => return ffi::no_stage_status(),
    };
    if in_ptr.is_null() || out_ptr.is_null() {
        return status::BAD_ARGUMENT;
    }
    if n == 0 {
        return status::OK;
    }
    let bytes = match n.checked_mul(4) {
        Some(b) => b,
        None => return status::BAD_ARGUMENT,
    };
    let input = match (in_ptr as usize).checked_add(bytes) {
        Some(end) => (in_ptr as usize, end),
        None => return status::BAD_ARGUMENT,
    };
    let output = match (out_ptr as usize).checked_add(bytes) {
        Some(end) => (out_ptr as usize, end),
        None => return status::BAD_ARGUMENT,
    };
    let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
    let own = ffi::span(stage.output());
    if overlaps(output, own) || (input != output && overlaps(input, output)) {
        return status::BAD_ARGUMENT;
    }
    if input == output {
        // SAFETY: the caller guarantees `n` readable and writable floats at `out_ptr`, which
        // overlap no stage buffer (the output buffer is checked above).
        stage.process_in_place(core::slice::from_raw_parts_mut(out_ptr, n));
    } else {
        // SAFETY: as above; the two ranges are disjoint (checked), and the input may alias the
        // stage's output buffer only for reading, which process_block does not write.
        let (i, o) = (core::slice::from_raw_parts(in_ptr, n), core::slice::from_raw_parts_mut(out_ptr, n));
        stage.process_block(i, o);
    }
    status::OK
}

/// `|H|` in dB at `freq_hz` of the EQ's designed (target, settled) cascade, computed from the
/// coefficients: the curve to plot. Bypass is ignored. NaN outside `0 ..= Nyquist` or when the
/// EQ is not active; floored at -300 dB.
#[no_mangle]
pub extern "C" fn eq_response_db(freq_hz: f64) -> f64 {
    eq_stage().map(|s| s.magnitude_response(freq_hz)).unwrap_or(f64::NAN)
}

/// Clears every filter state and finishes any crossfade or smoothing at once (the bands jump to
/// their targets, bypass to its setting). Never allocates. Returns 0, `NO_STAGE` or
/// `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn eq_reset() -> i32 {
    match eq_stage() {
        Some(stage) => {
            stage.reset();
            status::OK
        }
        None => ffi::no_stage_status(),
    }
}

/// 1 if the EQ kernel runs SIMD128 (a wasm build with simd128), 0 if scalar.
#[no_mangle]
pub extern "C" fn eq_simd_enabled() -> i32 {
    simd_enabled() as i32
}

/// The EQ kernel's SIMD/scalar self-test (`kernel.rs` `simd_matches_scalar`, which says what
/// runs and what must agree): 0 if they agree, 1 on a mismatch. Allocates: not for the audio
/// thread; works without `init`.
#[no_mangle]
pub extern "C" fn eq_selftest() -> i32 {
    if simd_matches_scalar() {
        status::OK
    } else {
        1
    }
}
