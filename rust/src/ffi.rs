//! The C ABI: the only `unsafe` surface of the crate.
//!
//! One runtime per wasm instance (an instance lives on one thread: the audio thread, a worker or
//! Node), so the global state below is never touched from two threads at once.
//!
//! Seed ABI, kept exactly: `init`, `get_input_ptr`, `get_input_capacity`, `get_write_pos`,
//! `set_write_pos`, `process_quantum`. `process_quantum` runs the active stage, chosen by the
//! last `<stage>_create` call, and returns a status code (see [`crate::status`]).

use crate::fft::RealFft;
use crate::fft_stage::FftStage;
use crate::ring::Ring;
use crate::ring_copy::RingCopy;
use crate::status;
use crate::window::WindowKind;

/// Version of this ABI; the host refuses a module whose version it does not know.
pub const ABI_VERSION: u32 = 2;

enum Stage {
    None,
    RingCopy(RingCopy),
    Fft(FftStage),
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
        Stage::Fft(_) => status::OK,
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
    match RingCopy::new(max_frames) {
        Some(stage) => {
            rt.stage = Stage::RingCopy(stage);
            status::OK
        }
        None => status::BAD_ARGUMENT,
    }
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

/// Status for an FFT entry point called without an active FFT stage.
fn no_fft_status() -> i32 {
    if runtime().is_some() {
        status::NO_STAGE
    } else {
        status::NOT_INITIALISED
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
    match FftStage::new(size, kind, beta) {
        Some(stage) => {
            rt.stage = Stage::Fft(stage);
            status::OK
        }
        None => status::BAD_ARGUMENT,
    }
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
        None => no_fft_status(),
    }
}

/// Recomputes the active FFT stage's window (allocates nothing). `window` and `beta` as in
/// [`fft_create`]: `BAD_PARAM` for an unknown window or a NaN or infinite beta (nothing
/// changes); finite betas are clamped to 0..=20.
#[no_mangle]
pub extern "C" fn fft_set_window(window: i32, beta: f32) -> i32 {
    let stage = match fft_stage() {
        Some(stage) => stage,
        None => return no_fft_status(),
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
        None => return no_fft_status(),
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
    use crate::fft_stage::{dtft_sums, dtft_sums_scalar, spectrum_to_db, spectrum_to_db_scalar};
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
