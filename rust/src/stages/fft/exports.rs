//! The spectrum stage's C exports: create, run (at once or in slices), window, results, and a
//! plain transform for benchmarks. Each acts on the active instance, if that is a spectrum stage;
//! `NO_STAGE` (or null, 0, NaN) otherwise, `NOT_INITIALISED` before `init`.

use super::{FftInstance, FftStage, ID};
use crate::ffi;
use crate::status;
use crate::window::WindowKind;

/// The active instance's analysis, if the active instance is a spectrum stage.
fn fft_stage() -> Option<&'static mut FftStage> {
    ffi::active::<FftInstance>().map(|s| &mut s.kernel)
}

/// The status of a kernel call that reports success as a boolean.
fn done(ok: bool) -> i32 {
    if ok {
        status::OK
    } else {
        status::BAD_ARGUMENT
    }
}

/// Creates the spectrum stage (window, `size`-point real FFT, dB spectrum, peak) and makes it the
/// active stage. `window`: 0 rectangular, 1 Hann, 2 Kaiser (all periodic); `beta` is the Kaiser
/// shape, clamped to 0..=20 (ignored by the others). `size` must be a power of two in
/// 512..=32768 and at most the input ring's capacity.
///
/// Returns 0; `NOT_INITIALISED` before `init`; `BAD_PARAM` for an unknown window or a NaN or
/// infinite beta; `BAD_ARGUMENT` for an unsupported size or one larger than the ring. On error
/// the previous stage stays active.
///
/// Once active, `process_quantum` does nothing for this stage (it returns 0): the host calls
/// [`fft_process`] every hop.
#[no_mangle]
pub extern "C" fn fft_create(size: usize, window: i32, beta: f32) -> i32 {
    if !ffi::initialised() {
        return status::NOT_INITIALISED;
    }
    if WindowKind::from_id(window).is_none() || !beta.is_finite() {
        return status::BAD_PARAM;
    }
    ffi::legacy_create(ID, 0.0, 0, &[size as f32, window as f32, beta])
}

/// Analyses the newest `size` samples of the input ring: window, FFT, dB spectrum, peak.
/// Never allocates. Returns 0, `NO_STAGE` if the FFT stage is not active, or `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn fft_process() -> i32 {
    ffi::with_active(|ring, s: &mut FftInstance| done(s.kernel.process(ring)))
}

/// Starts a stepped analysis of the newest `size` samples of the input ring (snapshot and
/// window; an analysis in progress is abandoned): the work of [`fft_process`] spread over
/// [`fft_step`] calls, so a host can give each audio quantum a slice. Returns 0, `NO_STAGE`,
/// `NOT_INITIALISED`, or `BAD_ARGUMENT` if the ring is shorter than `size`. Never allocates.
#[no_mangle]
pub extern "C" fn fft_begin() -> i32 {
    ffi::with_active(|ring, s: &mut FftInstance| done(s.kernel.begin(ring)))
}

/// Runs the next slice of the analysis started by [`fft_begin`] (one FFT pass, the dB
/// conversion, or a chunk of a Newton step). Returns how many slices at most remain: 0 once the
/// spectrum, dB and peak are complete (or when no analysis is in progress); negative status
/// codes as for [`fft_begin`]. Never allocates.
#[no_mangle]
pub extern "C" fn fft_step() -> i32 {
    match fft_stage() {
        Some(stage) => stage.step() as i32,
        None => ffi::no_stage_status(),
    }
}

/// Recomputes the active FFT stage's window (allocates nothing). `window` and `beta` as in
/// [`fft_create`]: `BAD_PARAM` for an unknown window or a NaN or infinite beta (nothing
/// changes); finite betas are clamped to 0..=20.
#[no_mangle]
pub extern "C" fn fft_set_window(window: i32, beta: f32) -> i32 {
    let stage = match ffi::active::<FftInstance>() {
        Some(stage) => stage,
        None => return ffi::no_stage_status(),
    };
    match WindowKind::from_id(window) {
        Some(kind) => ffi::status_of(stage.set_window(kind, beta)),
        None => status::BAD_PARAM,
    }
}

/// The active FFT stage's size `N`, or 0.
#[no_mangle]
pub extern "C" fn fft_size() -> usize {
    fft_stage().map(|s| s.size()).unwrap_or(0)
}

/// Pointer to the spectrum of the last [`fft_process`] (or [`fft_transform`] into it):
/// `N + 2` floats, interleaved `re, im` for bins `0..=N/2`, unnormalised. Null if the FFT stage
/// is not active. Valid until the next `fft_create` or `init`.
#[no_mangle]
pub extern "C" fn fft_spectrum_ptr() -> *const f32 {
    fft_stage().map(|s| s.spectrum().as_ptr()).unwrap_or(core::ptr::null())
}

/// Pointer to the dB magnitudes of the last [`fft_process`]: `N/2 + 1` floats,
/// `20 log10(|X| / (N cg / 2))` (a full-scale sine reads about 0 dBFS), floored at -300. Null if
/// the FFT stage is not active.
#[no_mangle]
pub extern "C" fn fft_db_ptr() -> *const f32 {
    fft_stage().map(|s| s.db().as_ptr()).unwrap_or(core::ptr::null())
}

/// Fractional bin of the strongest component (DC excluded) found by the last [`fft_process`]
/// (Hz = bin * fs / N). NaN if the FFT stage is not active.
#[no_mangle]
pub extern "C" fn fft_peak_bin() -> f64 {
    fft_stage().map(|s| s.peak_bin()).unwrap_or(f64::NAN)
}

/// Interpolated level of that peak in dBFS. NaN if the FFT stage is not active.
#[no_mangle]
pub extern "C" fn fft_peak_db() -> f32 {
    fft_stage().map(|s| s.peak_db()).unwrap_or(f32::NAN)
}

/// Completed analyses since `fft_create` whose frame held NaN or an infinity (their spectrum
/// and peak level read as the floor, like silence); 0 if the FFT stage is not active.
#[no_mangle]
pub extern "C" fn fft_non_finite_frames() -> u32 {
    fft_stage().map(|s| s.non_finite_frames()).unwrap_or(0)
}

/// Plain real FFT (no window, no dB, no peak) of `size` floats at `in_ptr` into `size + 2`
/// floats at `out_ptr` (interleaved `re, im`, bins `0..=N/2`, unnormalised), with the active FFT
/// stage's plan. For benchmarks and offline use. Never allocates. Returns 0; `BAD_ARGUMENT` for a
/// null pointer or overlapping buffers; `NO_STAGE` / `NOT_INITIALISED` as usual.
///
/// `out_ptr` may be [`fft_spectrum_ptr`] (the stage's own spectrum buffer); `in_ptr` may point
/// into the input ring.
///
/// # Safety
/// `in_ptr` must be valid for reading `size` floats and `out_ptr` for writing `size + 2` floats
/// of this module's memory, and neither may overlap the other nor any stage buffer other than
/// the spectrum as above (the host only has pointers to the ring, the spectrum and the dB array,
/// and the last two are checked).
#[no_mangle]
pub unsafe extern "C" fn fft_transform(in_ptr: *const f32, out_ptr: *mut f32) -> i32 {
    let stage = match fft_stage() {
        Some(stage) => stage,
        None => return ffi::no_stage_status(),
    };
    if in_ptr.is_null() || out_ptr.is_null() {
        return status::BAD_ARGUMENT;
    }
    let n = stage.size();
    let input = match (in_ptr as usize).checked_add(4 * n) {
        Some(end) => (in_ptr as usize, end),
        None => return status::BAD_ARGUMENT,
    };
    let output = match (out_ptr as usize).checked_add(4 * (n + 2)) {
        Some(end) => (out_ptr as usize, end),
        None => return status::BAD_ARGUMENT,
    };
    let spectrum = ffi::span(stage.spectrum());
    let db = ffi::span(stage.db());
    let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
    if overlaps(input, output) || overlaps(input, spectrum) || overlaps(input, db) || overlaps(output, db) {
        return status::BAD_ARGUMENT;
    }
    let ok = if output == spectrum {
        // SAFETY: the caller guarantees `n` readable floats at `in_ptr`, which overlap none of
        // the stage's buffers (checked above for the two the host can see).
        stage.transform_to_spectrum(core::slice::from_raw_parts(in_ptr, n))
    } else if overlaps(output, spectrum) {
        false
    } else {
        // SAFETY: as above, plus `n + 2` writable floats at `out_ptr`, disjoint from the input
        // and from every stage buffer.
        let input = core::slice::from_raw_parts(in_ptr, n);
        let out = core::slice::from_raw_parts_mut(out_ptr, n + 2);
        stage.transform(input, out)
    };
    if ok {
        status::OK
    } else {
        status::BAD_ARGUMENT
    }
}

/// 1 if this module runs the SIMD128 FFT kernels, 0 if the scalar ones.
#[no_mangle]
pub extern "C" fn fft_simd_enabled() -> i32 {
    if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        1
    } else {
        0
    }
}

/// The SIMD/scalar self-test of the FFT, the dB conversion and the DTFT sums behind the peak
/// refinement (`selftest.rs`, which says what must agree and how closely): 0 if they agree, 1 for
/// an FFT mismatch, 2 for dB, 3 for the DTFT, `BAD_ARGUMENT` if a plan could not be made.
/// Allocates (plans and buffers): not for the audio thread.
#[no_mangle]
pub extern "C" fn fft_selftest() -> i32 {
    super::selftest::simd_matches_scalar()
}
