//! The C ABI: the only `unsafe` surface of the crate.
//!
//! One runtime per wasm instance (an instance lives on one thread: the audio thread, a worker or
//! Node), so the global state below is never touched from two threads at once.
//!
//! Seed ABI, kept exactly: `init`, `get_input_ptr`, `get_input_capacity`, `get_write_pos`,
//! `set_write_pos`, `process_quantum`. `process_quantum` runs the active stage, chosen by the
//! last `<stage>_create` call, and returns a status code (see [`crate::status`]).

use crate::fft::RealFft;
use crate::ring::Ring;
use crate::stages::eq::{EqStage, Kind, SetBandError};
use crate::stages::fft::FftStage;
use crate::stages::ring_copy::RingCopy;
use crate::stages::shift::ShiftStage;
use crate::status;
use crate::window::WindowKind;

/// Version of this ABI; the host refuses a module whose version it does not know.
pub const ABI_VERSION: u32 = 2;

enum Stage {
    None,
    RingCopy(RingCopy),
    /// The template stage: see the "Gain (template)" section at the end of this file.
    Gain(crate::stages::gain::Gain),
    Fft(FftStage),
    Eq(EqStage),
    Shift(ShiftStage),
}

struct Runtime {
    input: Ring,
    stage: Stage,
}

static mut RUNTIME: Option<Runtime> = None;

fn runtime() -> Option<&'static mut Runtime> {
    // SAFETY: a wasm instance is single-threaded (see the module docs), and no reference
    // returned here is held across calls into the ABI.
    unsafe { (*core::ptr::addr_of_mut!(RUNTIME)).as_mut() }
}

/// Status for a stage entry point called while that stage is not active: `NO_STAGE` after
/// `init`, `NOT_INITIALISED` before.
fn no_stage_status() -> i32 {
    if runtime().is_some() {
        status::NO_STAGE
    } else {
        status::NOT_INITIALISED
    }
}

/// Makes a newly created stage the active one (`OK`), or reports that it could not be created
/// (`BAD_ARGUMENT`; the previous stage stays active).
fn activate(rt: &mut Runtime, stage: Option<Stage>) -> i32 {
    match stage {
        Some(stage) => {
            rt.stage = stage;
            status::OK
        }
        None => status::BAD_ARGUMENT,
    }
}

/// The ABI version, so the host can check it loaded a module it understands.
#[no_mangle]
pub extern "C" fn abi_version() -> u32 {
    ABI_VERSION
}

/// Allocates the input ring of `capacity` samples (replacing any previous runtime and stage)
/// and returns a pointer to it, or null if `capacity` is 0.
///
/// # Safety
/// Must not be called while a pointer from a previous `init` or `<stage>_output_ptr` is in use:
/// those buffers are freed.
#[no_mangle]
pub unsafe extern "C" fn init(capacity: usize) -> *mut f32 {
    RUNTIME = None;
    match Ring::new(capacity) {
        Some(input) => {
            RUNTIME = Some(Runtime { input, stage: Stage::None });
            get_input_ptr()
        }
        None => core::ptr::null_mut(),
    }
}

/// Pointer to the input ring's first sample, or null before `init`.
///
/// # Safety
/// The pointer is valid until the next `init`.
#[no_mangle]
pub unsafe extern "C" fn get_input_ptr() -> *mut f32 {
    match runtime() {
        Some(rt) => rt.input.as_mut_ptr(),
        None => core::ptr::null_mut(),
    }
}

/// Input ring capacity in samples (0 before `init`).
///
/// # Safety
/// Always safe to call; `unsafe` only to keep the seed signature.
#[no_mangle]
pub unsafe extern "C" fn get_input_capacity() -> usize {
    runtime().map(|rt| rt.input.capacity()).unwrap_or(0)
}

/// Samples of writable storage past the end of the input ring (see `ring::RING_SLACK`): a host
/// may write up to this many samples at the write position in one copy, then move the part past
/// the end to the start. Not part of the seed ABI; an addition.
#[no_mangle]
pub extern "C" fn get_input_slack() -> usize {
    crate::ring::RING_SLACK
}

/// Current write position of the input ring (0 before `init`).
///
/// # Safety
/// Always safe to call; `unsafe` only to keep the seed signature.
#[no_mangle]
pub unsafe extern "C" fn get_write_pos() -> usize {
    runtime().map(|rt| rt.input.write_pos()).unwrap_or(0)
}

/// Publishes the write position after the host wrote samples into the ring (wraps at capacity).
///
/// # Safety
/// Always safe to call; `unsafe` only to keep the seed signature.
#[no_mangle]
pub unsafe extern "C" fn set_write_pos(pos: usize) {
    if let Some(rt) = runtime() {
        rt.input.set_write_pos(pos);
    }
}

/// Runs the active stage over the newest `n` samples of the input ring. The hot path: never
/// allocates. Returns 0 or a negative status code.
///
/// For the FFT stage this does nothing and returns 0: a transform per render quantum is not
/// wanted, so the host calls [`fft_process`] itself when a hop's worth of new samples is in the
/// ring.
///
/// # Safety
/// Always safe to call; `unsafe` only to keep the seed signature.
#[no_mangle]
pub unsafe extern "C" fn process_quantum(n: usize) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    match &mut rt.stage {
        Stage::None => status::NO_STAGE,
        Stage::RingCopy(stage) => {
            if stage.process(&rt.input, n) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        Stage::Gain(stage) => {
            if stage.process(&rt.input, n) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        Stage::Fft(_) | Stage::Shift(_) => status::OK,
        Stage::Eq(stage) => {
            if stage.process(&rt.input, n) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
    }
}

/// Creates the ring-copy stage with a read-back buffer of `max_frames` samples and makes it the
/// active stage. Returns 0 or a negative status code.
#[no_mangle]
pub extern "C" fn ring_copy_create(max_frames: usize) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    activate(rt, RingCopy::new(max_frames).map(Stage::RingCopy))
}

/// Reads the newest `n` samples of the input ring into the ring-copy output buffer.
#[no_mangle]
pub extern "C" fn ring_copy_process(n: usize) -> i32 {
    match runtime() {
        Some(Runtime { input, stage: Stage::RingCopy(stage) }) => {
            if stage.process(input, n) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        Some(_) => status::NO_STAGE,
        None => status::NOT_INITIALISED,
    }
}

/// Pointer to the ring-copy output buffer, or null if the stage is not active.
#[no_mangle]
pub extern "C" fn ring_copy_output_ptr() -> *const f32 {
    match runtime() {
        Some(Runtime { stage: Stage::RingCopy(stage), .. }) => stage.output().as_ptr(),
        _ => core::ptr::null(),
    }
}

/// The active FFT stage, if any.
fn fft_stage() -> Option<&'static mut FftStage> {
    match runtime() {
        Some(Runtime { stage: Stage::Fft(stage), .. }) => Some(stage),
        _ => None,
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
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    let kind = match WindowKind::from_id(window) {
        Some(kind) if beta.is_finite() => kind,
        _ => return status::BAD_PARAM,
    };
    if size > rt.input.capacity() {
        return status::BAD_ARGUMENT;
    }
    activate(rt, FftStage::new(size, kind, beta).map(Stage::Fft))
}

/// Analyses the newest `size` samples of the input ring: window, FFT, dB spectrum, peak.
/// Never allocates. Returns 0, `NO_STAGE` if the FFT stage is not active, or `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn fft_process() -> i32 {
    match runtime() {
        Some(Runtime { input, stage: Stage::Fft(stage) }) => {
            if stage.process(input) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        Some(_) => status::NO_STAGE,
        None => status::NOT_INITIALISED,
    }
}

/// Starts a stepped analysis of the newest `size` samples of the input ring (snapshot and
/// window; an analysis in progress is abandoned): the work of [`fft_process`] spread over
/// [`fft_step`] calls, so a host can give each audio quantum a slice. Returns 0, `NO_STAGE`,
/// `NOT_INITIALISED`, or `BAD_ARGUMENT` if the ring is shorter than `size`. Never allocates.
#[no_mangle]
pub extern "C" fn fft_begin() -> i32 {
    match runtime() {
        Some(Runtime { input, stage: Stage::Fft(stage) }) => {
            if stage.begin(input) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        Some(_) => status::NO_STAGE,
        None => status::NOT_INITIALISED,
    }
}

/// Runs the next slice of the analysis started by [`fft_begin`] (one FFT pass, the dB
/// conversion, or a chunk of a Newton step). Returns how many slices at most remain: 0 once the
/// spectrum, dB and peak are complete (or when no analysis is in progress); negative status
/// codes as for [`fft_begin`]. Never allocates.
#[no_mangle]
pub extern "C" fn fft_step() -> i32 {
    match fft_stage() {
        Some(stage) => stage.step() as i32,
        None => no_stage_status(),
    }
}

/// Recomputes the active FFT stage's window (allocates nothing). `window` and `beta` as in
/// [`fft_create`]: `BAD_PARAM` for an unknown window or a NaN or infinite beta (nothing
/// changes); finite betas are clamped to 0..=20.
#[no_mangle]
pub extern "C" fn fft_set_window(window: i32, beta: f32) -> i32 {
    let stage = match fft_stage() {
        Some(stage) => stage,
        None => return no_stage_status(),
    };
    match WindowKind::from_id(window) {
        Some(kind) if stage.set_window(kind, beta) => status::OK,
        _ => status::BAD_PARAM,
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
        None => return no_stage_status(),
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
    let spectrum = span(stage.spectrum());
    let db = span(stage.db());
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

/// Address range of a slice, for overlap checks.
fn span(s: &[f32]) -> (usize, usize) {
    let r = s.as_ptr_range();
    (r.start as usize, r.end as usize)
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

/// Runs the scalar and the SIMD paths of the FFT (every size 512..=32768), of the dB conversion
/// and of the DTFT sums behind the peak refinement on the same pseudo-random data, and returns
/// 0 if they agree: FFT within 1e-6 (largest difference over the spectrum's RMS), dB within
/// 1e-3 dB with the same strongest bin, DTFT sums within 1e-9 relative. Returns 1 for an FFT
/// mismatch, 2 for dB, 3 for the DTFT, `BAD_ARGUMENT` if a plan could not be made. Without SIMD
/// (native builds) both sides run the scalar code. Allocates (plans and buffers): not for the
/// audio thread.
#[no_mangle]
pub extern "C" fn fft_selftest() -> i32 {
    use crate::stages::fft::{dtft_sums, dtft_sums_scalar, spectrum_to_db, spectrum_to_db_scalar};
    let mut seed: u32 = 0x0ff7_5e1f;
    let mut n = crate::fft::MIN_SIZE;
    while n <= crate::fft::MAX_SIZE {
        let mut fft = match RealFft::new(n) {
            Some(fft) => fft,
            None => return status::BAD_ARGUMENT,
        };
        let input: Vec<f32> = (0..n)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                f32::from_bits((seed >> 9) | 0x4000_0000) - 3.0 // [-1, 1)
            })
            .collect();
        let mut a = vec![0.0f32; n + 2];
        let mut b = vec![0.0f32; n + 2];
        if !fft.process_scalar(&input, &mut a) || !fft.process(&input, &mut b) {
            return status::BAD_ARGUMENT;
        }
        let energy: f64 = a.iter().map(|&v| (v as f64) * (v as f64)).sum();
        let rms = (energy / (n + 2) as f64).sqrt();
        let worst = a.iter().zip(&b).map(|(&x, &y)| (x as f64 - y as f64).abs()).fold(0.0, f64::max);
        if !(worst <= 1e-6 * rms) {
            return 1;
        }

        // dB conversion and strongest bin (scale: the rectangular full-scale reference).
        let scale = 4.0 / (n as f32 * n as f32);
        let mut da = vec![0.0f32; n / 2 + 1];
        let mut db = vec![0.0f32; n / 2 + 1];
        let ka = spectrum_to_db_scalar(&a, scale, &mut da);
        let kb = spectrum_to_db(&a, scale, &mut db);
        if ka != kb || da.iter().zip(&db).any(|(&x, &y)| !((x - y).abs() <= 1e-3)) {
            return 2;
        }

        // DTFT sums at a fractional frequency.
        let omega = -2.0 * core::f64::consts::PI * (n as f64 / 7.0 + 0.37) / n as f64;
        let sa = dtft_sums_scalar(&input, omega, 4096.0);
        let sb = dtft_sums(&input, omega, 4096.0);
        for j in 0..3 {
            let mag = sa[2 * j].hypot(sa[2 * j + 1]).max(1e-300);
            let diff = (sa[2 * j] - sb[2 * j]).hypot(sa[2 * j + 1] - sb[2 * j + 1]);
            // The sums of n^j x e^{...} over noise are ~ sqrt(N) N^j; compare with that scale.
            let scale = (n as f64).sqrt() * (n as f64).powi(j as i32);
            if !(diff <= 1e-9 * mag.max(scale)) {
                return 3;
            }
        }
        n *= 2;
    }
    status::OK
}

/// Allocates `n` zeroed floats on the wasm heap for a host-owned buffer (benchmark inputs, CLI
/// frames) and returns the pointer, or null for `n == 0`. Free it with [`scratch_free`] and the
/// same `n`. Allocates: not for the audio thread.
#[no_mangle]
pub extern "C" fn scratch_alloc(n: usize) -> *mut f32 {
    if n == 0 {
        return core::ptr::null_mut();
    }
    let mut v = vec![0.0f32; n].into_boxed_slice();
    let ptr = v.as_mut_ptr();
    core::mem::forget(v);
    ptr
}

/// Frees a buffer from [`scratch_alloc`].
///
/// # Safety
/// `ptr` and `n` must come from one `scratch_alloc(n)` call, and be freed once.
#[no_mangle]
pub unsafe extern "C" fn scratch_free(ptr: *mut f32, n: usize) {
    if !ptr.is_null() && n > 0 {
        drop(Box::from_raw(core::ptr::slice_from_raw_parts_mut(ptr, n)));
    }
}

/// Heap allocations made by this module so far (wasm32 only; 0 natively). The host samples it
/// around `process` calls to show that the hot path allocates nothing.
#[no_mangle]
pub extern "C" fn alloc_count() -> u32 {
    #[cfg(target_arch = "wasm32")]
    {
        crate::alloc_counter::GLOBAL.allocations() as u32
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// Bytes currently allocated on this module's heap (wasm32 only; 0 natively).
#[no_mangle]
pub extern "C" fn alloc_live_bytes() -> u32 {
    #[cfg(target_arch = "wasm32")]
    {
        crate::alloc_counter::GLOBAL.live_bytes() as u32
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

// ---------------------------------------------------------------------------------------------
// 8-band EQ (rust/src/stages/eq/)

/// The active EQ stage, if any.
fn eq_stage() -> Option<&'static mut EqStage> {
    match runtime() {
        Some(Runtime { stage: Stage::Eq(stage), .. }) => Some(stage),
        _ => None,
    }
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
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    activate(rt, EqStage::new(sample_rate, max_frames).map(Stage::Eq))
}

/// Sets band `band` (0..=7). `kind`: 0 off, 1 peaking, 2 lowshelf, 3 highshelf, 4 lowpass,
/// 5 highpass, 6 bandpass, 7 notch. `freq_hz` is clamped to 10 ..= Nyquist, `gain_db` to
/// -40 ..= 40 (peaking and shelves use it), `q` to 0.0001 ..= 1000 (peaking, bandpass, notch;
/// the shelves ignore it, using the spec's slope S = 1) or, for lowpass and highpass, to
/// -40 ..= 40 dB (the spec's Q in dB). Coefficients follow the Web Audio spec (Chromium's
/// computation, bit for bit). Changes are smoothed (15 ms one-pole on log frequency, dB gain and
/// log Q); a type change crossfades over 20 ms. Never allocates.
///
/// Returns 0; `BAD_PARAM` for an unknown `kind` or a NaN value (nothing changes);
/// `BAD_ARGUMENT` for a band outside 0..=7; `NO_STAGE` / `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn eq_set_band(band: i32, kind: i32, freq_hz: f32, gain_db: f32, q: f32) -> i32 {
    let stage = match eq_stage() {
        Some(stage) => stage,
        None => return no_stage_status(),
    };
    let kind = match Kind::from_id(kind) {
        Some(kind) => kind,
        None => return status::BAD_PARAM,
    };
    if band < 0 {
        return status::BAD_ARGUMENT;
    }
    match stage.set_band(band as usize, kind, freq_hz, gain_db, q) {
        Ok(()) => status::OK,
        Err(SetBandError::BadBand) => status::BAD_ARGUMENT,
        Err(SetBandError::BadParam) => status::BAD_PARAM,
    }
}

/// Bypass on (`on != 0`) or off. The switch crossfades over 20 ms, after which a bypassed EQ
/// copies its input bit for bit (the filters keep running, so switching back is seamless);
/// [`eq_reset`] completes the fade at once. Returns 0, `NO_STAGE` or `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn eq_set_bypass(on: i32) -> i32 {
    match eq_stage() {
        Some(stage) => {
            stage.set_bypass(on != 0);
            status::OK
        }
        None => no_stage_status(),
    }
}

/// Filters the newest `n` samples of the input ring into [`eq_output_ptr`] (what
/// `process_quantum(n)` does while the EQ is active). A quantum holding a NaN or an infinity
/// outputs silence, resets the filters and increments [`eq_nan_quanta`]. Never allocates.
/// Returns 0; `BAD_ARGUMENT` if `n` exceeds `max_frames` or the ring; `NO_STAGE` /
/// `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn eq_process(n: usize) -> i32 {
    match runtime() {
        Some(Runtime { input, stage: Stage::Eq(stage) }) => {
            if stage.process(input, n) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        Some(_) => status::NO_STAGE,
        None => status::NOT_INITIALISED,
    }
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
        None => return no_stage_status(),
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
    let own = span(stage.output());
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
        None => no_stage_status(),
    }
}

/// 1 if the EQ kernel runs SIMD128 (a wasm build with simd128), 0 if scalar.
#[no_mangle]
pub extern "C" fn eq_simd_enabled() -> i32 {
    crate::stages::eq::simd_enabled() as i32
}

/// Runs the EQ kernel's SIMD and scalar paths on the same pseudo-random noise through 1..=8
/// sections of every type (random settings), over several calls of odd lengths (so fill, drain
/// and carried state are exercised), and returns 0 if every output sample and state value agrees
/// within 1e-6 relative (they are expected to be identical), 1 on a mismatch. Without SIMD
/// (native builds) both sides run the scalar code. Allocates: not for the audio thread; works
/// without `init`.
#[no_mangle]
pub extern "C" fn eq_selftest() -> i32 {
    use crate::stages::eq::{coefficients, run_kernel, run_kernel_scalar, Coefs, SecState};
    let mut seed: u32 = 0x0e9b_a2d5;
    let mut rnd = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f64 / 16_777_216.0
    };
    let fs = 48000.0;
    let lengths = [1usize, 2, 7, 31, 128, 333, 1024];
    for trial in 0..48 {
        let m = 1 + trial % 8;
        let mut co = [Coefs::IDENTITY; 8];
        for c in co.iter_mut().take(m) {
            let kind = Kind::from_id(1 + (rnd() * 7.0) as i32).unwrap_or(Kind::Peaking);
            let f = 20.0 * 1000f64.powf(rnd());
            let g = (rnd() - 0.5) * 30.0;
            let q = if kind.q_in_db() { (rnd() - 0.3) * 20.0 } else { 0.3 * 30f64.powf(rnd()) };
            *c = coefficients(kind, f.min(fs / 2.0), g, q, fs);
        }
        let mut sa = [SecState::default(); 8];
        let mut sb = [SecState::default(); 8];
        for &n in lengths.iter() {
            let input: Vec<f32> = (0..n).map(|_| (rnd() - 0.5) as f32).collect();
            let mut a = vec![0.0f32; n];
            let mut b = vec![0.0f32; n];
            run_kernel_scalar(&co[..m], &mut sa[..m], &input, &mut a);
            run_kernel(&co[..m], &mut sb[..m], &input, &mut b);
            let scale = a.iter().fold(1e-3f32, |s, v| s.max(v.abs())) as f64;
            if a.iter().zip(b.iter()).any(|(&x, &y)| !((x as f64 - y as f64).abs() <= 1e-6 * scale)) {
                return 1;
            }
            for (x, y) in sa[..m].iter().zip(sb[..m].iter()) {
                let pairs = [(x.y1 as f64, y.y1 as f64), (x.y2 as f64, y.y2 as f64), (x.p1, y.p1), (x.q2, y.q2)];
                if pairs.iter().any(|&(u, v)| !((u - v).abs() <= 1e-6 * scale.max(u.abs()))) {
                    return 1;
                }
            }
        }
    }
    status::OK
}

fn shift_stage() -> Option<&'static mut ShiftStage> {
    match runtime() {
        Some(Runtime { stage: Stage::Shift(stage), .. }) => Some(stage),
        _ => None,
    }
}

/// Creates the shift-hypotheses stage for frames of `n` samples (a power of two in
/// 512..=32768) and `hypotheses` scores (1..=256), and makes it the active stage (span 0,
/// automatic centre, no PHAT). `process_quantum` does nothing for it: the host fills the two
/// frames ([`shift_input_ptr`], [`shift_reference_ptr`]) and calls [`shift_process`].
/// Returns 0, `NOT_INITIALISED`, or `BAD_ARGUMENT` for an unsupported size or count. Allocates.
#[no_mangle]
pub extern "C" fn shift_create(n: usize, hypotheses: usize) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    activate(rt, ShiftStage::new(n, hypotheses).map(Stage::Shift))
}

/// Sets the hypothesis grid: `span` samples wide around `centre` (NaN: the centre comes from the
/// coarse correlation), PHAT weighting on when `phat != 0`. `BAD_PARAM` (nothing changes) for a
/// negative or non-finite span or an infinite centre. Never allocates.
#[no_mangle]
pub extern "C" fn shift_set_params(span: f64, centre: f64, phat: i32) -> i32 {
    let stage = match shift_stage() {
        Some(stage) => stage,
        None => return no_stage_status(),
    };
    if centre.is_infinite() {
        return status::BAD_PARAM;
    }
    let centre = if centre.is_nan() { None } else { Some(centre) };
    if stage.set_params(span, centre, phat != 0) {
        status::OK
    } else {
        status::BAD_PARAM
    }
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
        Some(stage) => {
            if stage.process_frames() {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        None => no_stage_status(),
    }
}

/// One part (0..=3) of [`shift_process`], in order: the input FFT, the reference FFT, the
/// cross-spectrum and centre, the scores and refined shift. A live host runs one part a quantum
/// so that no audio callback carries a whole analysis. Never allocates. Returns 0, `BAD_ARGUMENT`
/// (a part out of range), `NO_STAGE` or `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn shift_process_part(part: i32) -> i32 {
    if !(0..crate::stages::shift::SHIFT_PARTS as i32).contains(&part) {
        return status::BAD_ARGUMENT;
    }
    match shift_stage() {
        Some(stage) => {
            if stage.process_part(part as usize) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        None => no_stage_status(),
    }
}

/// Recomputes only the scores from the current cross-spectrum and centre (for timing the ramps).
#[no_mangle]
pub extern "C" fn shift_rescore() -> i32 {
    match shift_stage() {
        Some(stage) => {
            if stage.rescore() {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        None => no_stage_status(),
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
        None => return no_stage_status(),
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

// ---------------------------------------------------------------------------------------------
// Decode (rust/src/decode/): WAV headers, PCM to f32, stateless resampling. Offline entry
// points for the decode workers, the CLI and tests: they need no `init` and leave the active
// stage alone. Each instance (one per worker) owns one set of buffers and one resampler.

/// The decode entry points' buffers and resampler.
struct DecodeState {
    input: Vec<u8>,
    pcm: Vec<f32>,
    out: Vec<f32>,
    info: crate::decode::wav::Info,
    resampler: Option<crate::decode::resample::Resampler>,
}

static mut DECODE: DecodeState = DecodeState {
    input: Vec::new(),
    pcm: Vec::new(),
    out: Vec::new(),
    info: [f64::NAN; crate::decode::wav::field::COUNT],
    resampler: None,
};

fn decode_state() -> &'static mut DecodeState {
    // SAFETY: a wasm instance is single-threaded (see the module docs), and no reference
    // returned here is held across calls into the ABI.
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

/// `[ptr, ptr + bytes)` as an address range, if it does not wrap and (on wasm32) lies inside
/// this module's linear memory. Natively there is nothing to check it against.
fn memory_range(ptr: usize, bytes: usize) -> Option<(usize, usize)> {
    let end = ptr.checked_add(bytes)?;
    #[cfg(target_arch = "wasm32")]
    {
        if end as u64 > core::arch::wasm32::memory_size(0) as u64 * 65536 {
            return None;
        }
    }
    Some((ptr, end))
}

fn ranges_overlap(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
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

/// Parses the RIFF/WAVE header in the first `len` bytes of the [`decode_input_ptr`] buffer, a
/// prefix of a file of `file_len` bytes, and fills [`wav_info_ptr`]. Returns a code of
/// `decode::wav::code`: 0 parsed; 1 (`NEED_MORE`) pass a prefix of `BYTES_NEEDED` bytes; a
/// negative code naming the problem (-101 ..= -114; `OVERSIZED` and `PARTIAL_FRAME` leave
/// `FRAMES_AVAILABLE` usable). `BAD_ARGUMENT` if `len` exceeds the buffer or the file, or
/// `file_len` is not an integer in `0 ..= 2^53`. Reads only inside the buffer; allocates nothing.
#[no_mangle]
pub extern "C" fn wav_probe(len: usize, file_len: f64) -> i32 {
    let st = decode_state();
    st.info = [f64::NAN; crate::decode::wav::field::COUNT];
    let file_len = match position(file_len) {
        Some(n) if n >= 0 => n as u64,
        _ => return status::BAD_ARGUMENT,
    };
    if len > st.input.len() {
        return status::BAD_ARGUMENT;
    }
    let (code, info) = crate::decode::wav::probe(&st.input[..len], file_len);
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
    use crate::decode::pcm::{convert, SampleFormat};
    let fmt = match SampleFormat::from_wav(format, bits) {
        Some(fmt) => fmt,
        None => return crate::decode::code::UNSUPPORTED_SAMPLE_FORMAT,
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
            convert(fmt, input, out);
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
    match crate::decode::resample::Resampler::new(in_rate, out_rate, channels as usize) {
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

/// Computes output frames `out_start .. out_start + out_count` (interleaved, at `out_ptr`) of
/// a file of `total_in` input frames, from `in_frames` interleaved input frames at `in_ptr`
/// holding absolute frames `in_start ..` (`in_start` may be negative; frames outside
/// `[0, total_in)` count as zero whatever the buffer holds). Every output frame depends only on
/// its index and the input, so spans computed apart join bit for bit. Positions are integers in
/// `f64` up to 2^53. Never allocates.
///
/// Returns 0; `MISSING_INPUT` (-120) if the buffer lacks frames inside the file that a tap
/// needs (nothing is written); `BAD_ARGUMENT` for a position that is not such an integer, an
/// output range past [`resampler_out_frames`]`(total_in)`, a null or misaligned pointer,
/// overlapping buffers or a range outside the module's memory; `NO_STAGE` without a resampler.
///
/// # Safety
/// Both ranges must be memory this module does not otherwise use during the call (the
/// [`decode_pcm_ptr`] and [`decode_out_ptr`] buffers, or `scratch_alloc` buffers).
#[no_mangle]
pub unsafe extern "C" fn resample_span(
    in_ptr: *const f32,
    in_frames: usize,
    in_start: f64,
    total_in: f64,
    out_start: f64,
    out_count: usize,
    out_ptr: *mut f32,
) -> i32 {
    use crate::decode::resample::SpanError;
    let rs = match decode_state().resampler.as_mut() {
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
    if ranges_overlap(i, o) || rs.storage().iter().any(|&s| ranges_overlap(s, i) || ranges_overlap(s, o)) {
        return status::BAD_ARGUMENT;
    }
    // SAFETY: each range is empty or lies in this module's memory, aligned, disjoint from the
    // other and from the resampler's own buffers; the caller guarantees nothing else uses them.
    let input: &[f32] = if n_in == 0 { &[] } else { core::slice::from_raw_parts(in_ptr, n_in) };
    let output: &mut [f32] = if n_out == 0 { &mut [] } else { core::slice::from_raw_parts_mut(out_ptr, n_out) };
    match rs.span(input, in_start, total_in, out_start, output) {
        Ok(()) => status::OK,
        Err(SpanError::MissingInput) => crate::decode::code::MISSING_INPUT,
        Err(SpanError::BadArgument) => status::BAD_ARGUMENT,
    }
}

/// Runs the resampler's SIMD and scalar dot products on the same pseudo-random data for every
/// lane layout; 0 if they agree bit for bit, 1 if not. Natively both sides are scalar.
/// Allocates.
#[no_mangle]
pub extern "C" fn resample_selftest() -> i32 {
    if crate::decode::resample::simd_matches_scalar() {
        status::OK
    } else {
        1
    }
}

// End of the Decode section.

// ---------------------------------------------------------------------------------------------
// Gain (template): the smallest complete stage (rust/src/stages/gain.rs). A new stage copies this
// section: a getter for the active stage, `<stage>_create`, `<stage>_set_param`,
// `<stage>_process` and its output pointer; plus its `Stage` variant and `process_quantum` arm.

/// The active gain stage, if any.
fn gain_stage() -> Option<&'static mut crate::stages::gain::Gain> {
    match runtime() {
        Some(Runtime { stage: Stage::Gain(stage), .. }) => Some(stage),
        _ => None,
    }
}

/// Creates the gain stage for quanta of up to `max_frames` samples (gain 1) and makes it the
/// active stage; `process_quantum(n)` then runs [`gain_process`]`(n)`. Returns 0;
/// `NOT_INITIALISED` before `init`; `BAD_ARGUMENT` for `max_frames == 0` (the previous stage
/// stays active). Allocates.
#[no_mangle]
pub extern "C" fn gain_create(max_frames: usize) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    activate(rt, crate::stages::gain::Gain::new(max_frames).map(Stage::Gain))
}

/// Sets parameter `id` (0: the linear gain, clamped to 0 ..= 4). Returns 0; `BAD_PARAM` for an
/// unknown id or NaN (nothing changes); `NO_STAGE` / `NOT_INITIALISED`. Never allocates.
#[no_mangle]
pub extern "C" fn gain_set_param(id: i32, value: f32) -> i32 {
    match gain_stage() {
        Some(stage) => match stage.set_param(id, value) {
            Ok(()) => status::OK,
            Err(_) => status::BAD_PARAM,
        },
        None => no_stage_status(),
    }
}

/// Writes the newest `n` samples of the input ring, times the gain, to [`gain_output_ptr`].
/// Never allocates. Returns 0; `BAD_ARGUMENT` if `n` exceeds `max_frames` or the ring;
/// `NO_STAGE` / `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn gain_process(n: usize) -> i32 {
    match runtime() {
        Some(Runtime { input, stage: Stage::Gain(stage) }) => {
            if stage.process(input, n) {
                status::OK
            } else {
                status::BAD_ARGUMENT
            }
        }
        Some(_) => status::NO_STAGE,
        None => status::NOT_INITIALISED,
    }
}

/// Pointer to the gain output buffer (`max_frames` floats), or null if the stage is not active.
/// Valid until the next `*_create` or `init`.
#[no_mangle]
pub extern "C" fn gain_output_ptr() -> *const f32 {
    gain_stage().map(|s| s.output().as_ptr()).unwrap_or(core::ptr::null())
}
// End of the Gain (template) section.
