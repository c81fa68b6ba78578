//! The C ABI: the only `unsafe` surface of the crate.
//!
//! One runtime per wasm instance (an instance lives on one thread: the audio thread, a worker or
//! Node), so the global state below is never touched from two threads at once.
//!
//! Seed ABI, kept exactly: `init`, `get_input_ptr`, `get_input_capacity`, `get_write_pos`,
//! `set_write_pos`, `process_quantum`. `process_quantum` runs the active stage, chosen by the
//! last `<stage>_create` call, and returns a status code (see [`crate::status`]).

use crate::ring::Ring;
use crate::ring_copy::RingCopy;
use crate::status;

/// Version of this ABI; the host refuses a module whose version it does not know.
pub const ABI_VERSION: u32 = 2;

enum Stage {
    None,
    RingCopy(RingCopy),
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
