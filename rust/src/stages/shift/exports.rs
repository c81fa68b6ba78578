//! The shift stage's C exports: create, grid, frames, analysis (whole or in parts), results.
//! Each acts on the active instance, if that is a shift stage; `NO_STAGE` (or null, 0, NaN, -1)
//! otherwise, `NOT_INITIALISED` before `init`.

use super::{ShiftInstance, ShiftStage, ID, PHAT_OFF, SHIFT_PARTS};
use crate::ffi;
use crate::status;

/// The active instance's analysis, if the active instance is a shift stage.
fn shift_stage() -> Option<&'static mut ShiftStage> {
    ffi::active::<ShiftInstance>().map(|s| &mut s.kernel)
}

/// The status of a kernel call that reports success as a boolean.
fn done(ok: bool) -> i32 {
    if ok {
        status::OK
    } else {
        status::BAD_ARGUMENT
    }
}

/// Creates the shift-hypotheses stage for frames of `n` samples (a power of two in
/// 512..=32768) and `hypotheses` scores (1..=256), and makes it the active stage (span 0,
/// automatic centre, no PHAT). `process_quantum` does nothing for it: the host fills the two
/// frames ([`shift_input_ptr`], [`shift_reference_ptr`]) and calls [`shift_process`].
/// Returns 0, `NOT_INITIALISED`, or `BAD_ARGUMENT` for an unsupported size or count. Allocates.
#[no_mangle]
pub extern "C" fn shift_create(n: usize, hypotheses: usize) -> i32 {
    // span 0, automatic centre (0 when fixed later), no PHAT
    ffi::legacy_create(ID, 0.0, 0, &[n as f32, hypotheses as f32, 0.0, 0.0, 0.0, PHAT_OFF])
}

/// Sets the hypothesis grid: `span` samples wide around `centre` (NaN: the centre comes from the
/// coarse correlation), PHAT weighting on when `phat != 0`. `BAD_PARAM` (nothing changes) for a
/// negative or non-finite span or an infinite centre. Never allocates.
#[no_mangle]
pub extern "C" fn shift_set_params(span: f64, centre: f64, phat: i32) -> i32 {
    let stage = match ffi::active::<ShiftInstance>() {
        Some(stage) => stage,
        None => return ffi::no_stage_status(),
    };
    if centre.is_infinite() {
        return status::BAD_PARAM;
    }
    let centre = if centre.is_nan() { None } else { Some(centre) };
    ffi::status_of(stage.set_params(span, centre, phat != 0))
}

/// The input frame (`n` floats; the signal that lags), written by the host before
/// [`shift_process`]. Null without the shift stage.
#[no_mangle]
pub extern "C" fn shift_input_ptr() -> *mut f32 {
    shift_stage().map(|s| s.input_frame_mut().as_mut_ptr()).unwrap_or(core::ptr::null_mut())
}

/// The reference frame (`n` floats). Null without the shift stage.
#[no_mangle]
pub extern "C" fn shift_reference_ptr() -> *mut f32 {
    shift_stage().map(|s| s.reference_frame_mut().as_mut_ptr()).unwrap_or(core::ptr::null_mut())
}

/// Transforms both frames, forms the (PHAT-weighted) cross-spectrum, finds the centre (coarse
/// inverse FFT) unless one is given, scores every hypothesis by phase ramps and refines the
/// shift. Never allocates. Returns 0, `NO_STAGE` or `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn shift_process() -> i32 {
    match shift_stage() {
        Some(stage) => done(stage.process_frames()),
        None => ffi::no_stage_status(),
    }
}

/// One part (0..=3) of [`shift_process`], in order: the input FFT, the reference FFT, the
/// cross-spectrum and centre, the scores and refined shift. A live host runs one part a quantum
/// so that no audio callback carries a whole analysis. Never allocates. Returns 0, `BAD_ARGUMENT`
/// (a part out of range), `NO_STAGE` or `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn shift_process_part(part: i32) -> i32 {
    if !(0..SHIFT_PARTS as i32).contains(&part) {
        return status::BAD_ARGUMENT;
    }
    match shift_stage() {
        Some(stage) => done(stage.process_part(part as usize)),
        None => ffi::no_stage_status(),
    }
}

/// Recomputes only the scores from the current cross-spectrum and centre (for timing the ramps).
#[no_mangle]
pub extern "C" fn shift_rescore() -> i32 {
    match shift_stage() {
        Some(stage) => done(stage.rescore()),
        None => ffi::no_stage_status(),
    }
}

/// Frame length `n` of the shift stage (0 without it).
#[no_mangle]
pub extern "C" fn shift_size() -> usize {
    shift_stage().map(|s| s.size()).unwrap_or(0)
}

/// Number of hypotheses `H` (0 without the shift stage).
#[no_mangle]
pub extern "C" fn shift_count() -> usize {
    shift_stage().map(|s| s.hypotheses()).unwrap_or(0)
}

/// The `H` scores of the last [`shift_process`], c(tau_h). Null without the shift stage.
#[no_mangle]
pub extern "C" fn shift_scores_ptr() -> *const f32 {
    shift_stage().map(|s| s.scores().as_ptr()).unwrap_or(core::ptr::null())
}

/// The cross-spectrum of the last [`shift_process`] (`n + 2` floats, interleaved re, im).
#[no_mangle]
pub extern "C" fn shift_cross_ptr() -> *const f32 {
    shift_stage().map(|s| s.cross_spectrum().as_ptr()).unwrap_or(core::ptr::null())
}

/// The coarse correlation of the last [`shift_process`] (`n` floats, lag 0 first, negative lags
/// wrapped to the end).
#[no_mangle]
pub extern "C" fn shift_correlation_ptr() -> *const f32 {
    shift_stage().map(|s| s.correlation().as_ptr()).unwrap_or(core::ptr::null())
}

/// Spectrum of the last input frame (`n + 2` floats, interleaved re, im; no window).
#[no_mangle]
pub extern "C" fn shift_input_spectrum_ptr() -> *const f32 {
    shift_stage().map(|s| s.input_spectrum().as_ptr()).unwrap_or(core::ptr::null())
}

/// Spectrum of the last reference frame (`n + 2` floats, interleaved re, im; no window).
#[no_mangle]
pub extern "C" fn shift_reference_spectrum_ptr() -> *const f32 {
    shift_stage().map(|s| s.reference_spectrum().as_ptr()).unwrap_or(core::ptr::null())
}

/// `|X(k)|^2` of the input frame then `|R(k)|^2` of the reference frame, `k = 0..=N/2` (`N + 2`
/// floats), as of the last completed analysis: what the visual frame shows, ready to copy. Null
/// without the shift stage.
#[no_mangle]
pub extern "C" fn shift_power_spectra_ptr() -> *const f32 {
    shift_stage().map(|s| s.power_spectra().as_ptr()).unwrap_or(core::ptr::null())
}

/// The centre of the hypothesis grid used last (NaN without the shift stage).
#[no_mangle]
pub extern "C" fn shift_centre() -> f64 {
    shift_stage().map(|s| s.centre()).unwrap_or(f64::NAN)
}

/// Index of the best hypothesis (-1 without the shift stage).
#[no_mangle]
pub extern "C" fn shift_best() -> i32 {
    shift_stage().map(|s| s.best() as i32).unwrap_or(-1)
}

/// Lag of the best hypothesis, samples (NaN without the shift stage).
#[no_mangle]
pub extern "C" fn shift_best_tau() -> f64 {
    shift_stage().map(|s| s.best_tau()).unwrap_or(f64::NAN)
}

/// The refined shift, samples: positive when the input lags the reference (NaN without the stage).
#[no_mangle]
pub extern "C" fn shift_value() -> f64 {
    shift_stage().map(|s| s.shift()).unwrap_or(f64::NAN)
}

/// Completed analyses since `shift_create` whose input or reference frame held NaN or an
/// infinity (their figures stay finite, so this count is what marks them); 0 without the stage.
#[no_mangle]
pub extern "C" fn shift_non_finite_frames() -> u32 {
    shift_stage().map(|s| s.non_finite_frames()).unwrap_or(0)
}

/// Writes the `H` scores computed the slow way (one inverse FFT per hypothesis) to `out`, for
/// tests and the benchmark. Never allocates.
///
/// # Safety
/// `out` must be valid for writing `H` doubles of this module's memory.
#[no_mangle]
pub unsafe extern "C" fn shift_reference_scores(out: *mut f64) -> i32 {
    let stage = match shift_stage() {
        Some(stage) => stage,
        None => return ffi::no_stage_status(),
    };
    if out.is_null() {
        return status::BAD_ARGUMENT;
    }
    let out = core::slice::from_raw_parts_mut(out, stage.hypotheses());
    if stage.reference_scores_by_inverse_fft(out) {
        status::OK
    } else {
        status::BAD_ARGUMENT
    }
}
