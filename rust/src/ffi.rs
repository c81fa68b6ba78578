//! The runtime and its C ABI: the seed exports, the generic stage exports and the host-buffer
//! exports. Together with each stage's `exports` module (and the SIMD kernels' loads and stores),
//! the only `unsafe` in the crate.
//!
//! One runtime per wasm instance (an instance lives on one thread: the audio thread, a worker or
//! Node), so the global state below is never touched from two threads at once.
//!
//! The runtime is a list of input rings and a table of stage instances ([`MAX_INSTANCES`] slots,
//! reserved by `init`); one instance is the active one, which `process_quantum` runs. Each
//! instance reads the ring that was current when it was created: `init` makes the first ring,
//! `input_add` another one without touching the instances (a chain: one ring per stage, each
//! fed the previous stage's output). The seed ring functions act on the current ring, which
//! `stage_activate` makes the activated instance's; with one ring (no `input_add`) everything is
//! as before.
//!
//! Seed ABI, kept exactly: `init`, `get_input_ptr`, `get_input_capacity`, `get_write_pos`,
//! `set_write_pos`, `process_quantum`; they return status codes (see [`crate::status`]).
//!
//! The generic stage ABI runs any registered stage by kind and handle: `stage_kind_count`,
//! `stage_kind_name`, `stage_kind_find`, `stage_kind_param_count`, `stage_kind_param`,
//! `stage_kind_param_name`, `stage_create` (from a block of `(value, min, max)` parameter
//! triples), `stage_destroy`, `stage_activate`, `stage_active`,
//! `stage_kind_of`, `stage_process`, `stage_output_ptr`, `stage_set_param`, `stage_get_param`,
//! `stage_reset`, `stage_figures`, `stage_state_size`, `stage_save_state`, `stage_load_state`.
//! Several instances can live at once (a chain); each has its own buffers and reads its own ring.
//!
//! Each stage's own exports (`fft_*`, `eq_*`, ...) are in its module's `exports`; a
//! `<stage>_create` there creates through the registry, replaces the instance the previous
//! `<stage>_create` made and makes the new one active, and the other `<stage>_*` exports act on
//! the active instance if it is theirs. They reach the runtime through the functions below.

use crate::ring::Ring;
use crate::stages::{self, Stage, StageError, MAX_PARAMS};
use crate::status;
use core::any::TypeId;

/// Version of this ABI; the host refuses a module whose version it does not know.
pub const ABI_VERSION: u32 = 4;

/// Instances the runtime holds at once.
pub const MAX_INSTANCES: usize = 16;

/// One slot of the instance table.
struct Instance {
    stage: Box<dyn Stage>,
    /// The concrete type of `stage`, taken once, so that a stage's own exports find their
    /// instance without two virtual calls per call (see [`Instance::downcast_mut`]).
    type_id: TypeId,
    /// Made by a `<stage>_create` export: the next one on the same ring replaces it.
    legacy: bool,
    /// Index of the ring it reads in [`Runtime::rings`].
    ring: usize,
}

impl Instance {
    fn new(stage: Box<dyn Stage>, legacy: bool, ring: usize) -> Instance {
        let type_id = stage.as_any().type_id();
        Instance { stage, type_id, legacy, ring }
    }

    /// The stage as a `T`, if it is one: what `stages::downcast_mut` gives, from the type taken
    /// when the instance was made.
    fn downcast_mut<T: Stage>(&mut self) -> Option<&mut T> {
        if self.type_id == TypeId::of::<T>() {
            // SAFETY: the box holds a `T` (its concrete type, taken in `new`, is `T`'s), so the
            // data pointer of the trait object points to a `T`: the cast `Any::downcast_mut`
            // makes after the same comparison.
            Some(unsafe { &mut *(self.stage.as_mut() as *mut dyn Stage as *mut T) })
        } else {
            None
        }
    }
}

struct Runtime {
    /// The input rings: the first made by `init`, the others by `input_add` (at most
    /// [`MAX_INSTANCES`]).
    rings: Vec<Ring>,
    /// The ring the seed functions act on and new instances read.
    current: usize,
    /// [`MAX_INSTANCES`] slots, allocated by `init`.
    slots: Vec<Option<Instance>>,
    /// The slot `process_quantum` runs.
    active: Option<usize>,
}

static mut RUNTIME: Option<Runtime> = None;

fn runtime() -> Option<&'static mut Runtime> {
    // SAFETY: a wasm instance is single-threaded (see the module docs), and no reference
    // returned here is held across calls into the ABI.
    unsafe { (*core::ptr::addr_of_mut!(RUNTIME)).as_mut() }
}

/// Whether `init` has been called.
pub(crate) fn initialised() -> bool {
    runtime().is_some()
}

/// Status for a stage's own entry point called while no instance of it is active: `NO_STAGE`
/// after `init`, `NOT_INITIALISED` before.
pub(crate) fn no_stage_status() -> i32 {
    if initialised() {
        status::NO_STAGE
    } else {
        status::NOT_INITIALISED
    }
}

/// `OK`, or the error's status code.
pub(crate) fn status_of(result: Result<(), StageError>) -> i32 {
    match result {
        Ok(()) => status::OK,
        Err(e) => e.status(),
    }
}

/// The active instance as a `T`, if it is one.
pub(crate) fn active<T: Stage>() -> Option<&'static mut T> {
    let rt = runtime()?;
    rt.slots.get_mut(rt.active?)?.as_mut()?.downcast_mut::<T>()
}

/// `f` on the input ring and the active instance as a `T`; `NO_STAGE` if the active instance is
/// not a `T` (or there is none), `NOT_INITIALISED` before `init`.
pub(crate) fn with_active<T: Stage>(f: impl FnOnce(&Ring, &mut T) -> i32) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    let instance = rt.active.and_then(|a| rt.slots.get_mut(a)).and_then(|s| s.as_mut());
    match instance {
        Some(instance) => {
            let ring = instance.ring;
            match instance.downcast_mut::<T>() {
                Some(stage) => f(&rt.rings[ring], stage),
                None => status::NO_STAGE,
            }
        }
        None => status::NO_STAGE,
    }
}

/// Creates an instance of stage `id` for its `<stage>_create` export, from parameter `values`
/// (in order, as many as given) with the stage's default ranges; it replaces the instance the
/// previous `<stage>_create` made on the current ring and becomes the active one. Returns `OK`; `NOT_INITIALISED`
/// before `init`; the stage's refusal (`BAD_ARGUMENT`, `BAD_PARAM`), or `BAD_ARGUMENT` when every
/// slot holds an instance made by `stage_create`: then nothing changes. Allocates.
pub(crate) fn legacy_create(id: &str, sample_rate: f32, max_frames: usize, values: &[f32]) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    let kind = match stages::find(id) {
        Some(kind) => kind,
        None => return status::BAD_ARGUMENT,
    };
    let mut block = [0.0f32; 3 * MAX_PARAMS];
    let specs = stages::KINDS[kind].params;
    for ((t, &v), spec) in block.chunks_exact_mut(3).zip(values).zip(specs) {
        t.copy_from_slice(&[v, spec.min, spec.max]);
    }
    let n = values.len().min(specs.len());
    let current = rt.current;
    let slot = match rt.slots.iter().position(|s| matches!(s, Some(i) if i.legacy && i.ring == current)) {
        Some(slot) => slot,
        None => match rt.slots.iter().position(|s| s.is_none()) {
            Some(slot) => slot,
            None => return status::BAD_ARGUMENT,
        },
    };
    match stages::create(kind, sample_rate, max_frames, rt.rings[current].capacity(), &block[..3 * n]) {
        Ok(stage) => {
            rt.slots[slot] = Some(Instance::new(stage, true, current));
            rt.active = Some(slot);
            status::OK
        }
        Err(e) => e.status(),
    }
}

/// Address range of a slice, for overlap checks.
pub(crate) fn span(s: &[f32]) -> (usize, usize) {
    let r = s.as_ptr_range();
    (r.start as usize, r.end as usize)
}

/// `[ptr, ptr + bytes)` as an address range, if it does not wrap and (on wasm32) lies inside
/// this module's linear memory. Natively there is nothing to check it against.
pub(crate) fn memory_range(ptr: usize, bytes: usize) -> Option<(usize, usize)> {
    let end = ptr.checked_add(bytes)?;
    #[cfg(target_arch = "wasm32")]
    {
        if end as u64 > core::arch::wasm32::memory_size(0) as u64 * 65536 {
            return None;
        }
    }
    Some((ptr, end))
}

pub(crate) fn ranges_overlap(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// The ABI version, so the host can check it loaded a module it understands.
#[no_mangle]
pub extern "C" fn abi_version() -> u32 {
    ABI_VERSION
}

/// Allocates the input ring of `capacity` samples and the instance table (replacing any
/// previous runtime, every ring and every instance) and returns a pointer to the ring, or null
/// if `capacity` is 0.
///
/// # Safety
/// Must not be called while a pointer from a previous `init` or `<stage>_output_ptr` is in use:
/// those buffers are freed.
#[no_mangle]
pub unsafe extern "C" fn init(capacity: usize) -> *mut f32 {
    RUNTIME = None;
    match Ring::new(capacity) {
        Some(input) => {
            let mut slots = Vec::with_capacity(MAX_INSTANCES);
            slots.resize_with(MAX_INSTANCES, || None);
            RUNTIME = Some(Runtime { rings: vec![input], current: 0, slots, active: None });
            get_input_ptr()
        }
        None => core::ptr::null_mut(),
    }
}

/// Adds an input ring of `capacity` samples and makes it the current one (the ring the seed
/// functions act on and the instances created next read), leaving every instance and ring as it
/// was. Returns a pointer to it; null before `init`, for a zero capacity, or when
/// [`MAX_INSTANCES`] rings exist (then nothing changes). Not part of the seed ABI: a chain's
/// stages each get their own ring this way. Allocates.
///
/// # Safety
/// Always safe to call; the pointer is valid until the next `init`.
#[no_mangle]
pub unsafe extern "C" fn input_add(capacity: usize) -> *mut f32 {
    let rt = match runtime() {
        Some(rt) if rt.rings.len() < MAX_INSTANCES => rt,
        _ => return core::ptr::null_mut(),
    };
    match Ring::new(capacity) {
        Some(ring) => {
            rt.rings.push(ring);
            rt.current = rt.rings.len() - 1;
            rt.rings[rt.current].as_mut_ptr()
        }
        None => core::ptr::null_mut(),
    }
}

/// Pointer to the current input ring's first sample, or null before `init`.
///
/// # Safety
/// The pointer is valid until the next `init`.
#[no_mangle]
pub unsafe extern "C" fn get_input_ptr() -> *mut f32 {
    match runtime() {
        Some(rt) => rt.rings[rt.current].as_mut_ptr(),
        None => core::ptr::null_mut(),
    }
}

/// Input ring capacity in samples (0 before `init`).
///
/// # Safety
/// Always safe to call; `unsafe` only to keep the seed signature.
#[no_mangle]
pub unsafe extern "C" fn get_input_capacity() -> usize {
    runtime().map(|rt| rt.rings[rt.current].capacity()).unwrap_or(0)
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
    runtime().map(|rt| rt.rings[rt.current].write_pos()).unwrap_or(0)
}

/// Publishes the write position after the host wrote samples into the ring (wraps at capacity).
///
/// # Safety
/// Always safe to call; `unsafe` only to keep the seed signature.
#[no_mangle]
pub unsafe extern "C" fn set_write_pos(pos: usize) {
    if let Some(rt) = runtime() {
        let current = rt.current;
        rt.rings[current].set_write_pos(pos);
    }
}

/// Runs the active instance over the newest `n` samples of its input ring. The hot path: never
/// allocates. Returns 0 or a negative status code (`NO_STAGE` when no instance is active).
///
/// For the FFT and shift stages this does nothing and returns 0: their analyses are not run per
/// render quantum; the host runs them itself (`fft_begin` and `fft_step`, `shift_process_part`).
///
/// # Safety
/// Always safe to call; `unsafe` only to keep the seed signature.
#[no_mangle]
pub unsafe extern "C" fn process_quantum(n: usize) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    match rt.active.and_then(|a| rt.slots.get_mut(a)).and_then(|s| s.as_mut()) {
        Some(instance) => status_of(instance.stage.process(&rt.rings[instance.ring], n)),
        None => status::NO_STAGE,
    }
}

// ---------------------------------------------------------------------------------------------
// Generic stage ABI: any registered stage, by kind and by handle. A handle is an index in the
// instance table (0 ..= 15), valid from `stage_create` until `stage_destroy` or `init`; a later
// `stage_create` may reuse it. Before `init` the handle functions return `NOT_INITIALISED`
// (null, NaN); for a handle that names no instance, `NO_STAGE` (null, NaN).

/// The instance at `handle`.
fn instance(handle: i32) -> Result<&'static mut Instance, i32> {
    let rt = runtime().ok_or(status::NOT_INITIALISED)?;
    usize::try_from(handle).ok().and_then(|h| rt.slots.get_mut(h)).and_then(|s| s.as_mut()).ok_or(status::NO_STAGE)
}

/// A status, or a count that is not negative, as the C ABI's `i32`.
fn count_or(result: Result<usize, i32>) -> i32 {
    match result {
        Ok(n) => i32::try_from(n).unwrap_or(status::BAD_ARGUMENT),
        Err(status) => status,
    }
}

/// Number of registered stage kinds.
#[no_mangle]
pub extern "C" fn stage_kind_count() -> u32 {
    stages::KINDS.len() as u32
}

/// Writes kind `kind`'s id (UTF-8, no terminator) to `out` and returns its length; with a null
/// `out`, only returns the length. `BAD_ARGUMENT` for an unknown kind or a `cap` shorter than the
/// id (nothing written). Needs no `init`.
///
/// # Safety
/// `out`, unless null, must be valid for writing `cap` bytes of this module's memory that
/// nothing else uses during the call.
#[no_mangle]
pub unsafe extern "C" fn stage_kind_name(kind: u32, out: *mut u8, cap: usize) -> i32 {
    match stages::KINDS.get(kind as usize) {
        Some(k) => write_name(k.id, out, cap),
        None => status::BAD_ARGUMENT,
    }
}

/// The kind whose id is the `len` UTF-8 bytes at `name`, or `BAD_ARGUMENT`. Needs no `init`.
///
/// # Safety
/// `name` must be valid for reading `len` bytes (it may be null when `len` is 0).
#[no_mangle]
pub unsafe extern "C" fn stage_kind_find(name: *const u8, len: usize) -> i32 {
    if len == 0 || name.is_null() || memory_range(name as usize, len).is_none() {
        return status::BAD_ARGUMENT;
    }
    // SAFETY: the caller guarantees `len` readable bytes at `name`.
    let name = core::slice::from_raw_parts(name, len);
    match stages::KINDS.iter().position(|k| k.id.as_bytes() == name) {
        Some(kind) => kind as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// Number of parameters of kind `kind` (the triples its block may hold), or `BAD_ARGUMENT`.
#[no_mangle]
pub extern "C" fn stage_kind_param_count(kind: u32) -> i32 {
    match stages::KINDS.get(kind as usize) {
        Some(k) => k.params.len() as i32,
        None => status::BAD_ARGUMENT,
    }
}

/// Parameter `index` of kind `kind` as the stage declares it (`PARAMS`): writes its default and
/// range, `(default, min, max)` as three f32, to `out` (what `stage_create` takes where the
/// block leaves the parameter out) and returns how its values are taken
/// ([`stages::ParamKind::code`]): 0 real (clamped to the range), 1 integer (clamped, then
/// rounded: a choice's option index, a switch or a count), 2 fixed (an integer given at create).
/// `BAD_ARGUMENT` for an unknown kind or index, or a null, misaligned or unusable `out` (nothing
/// written). Needs no `init`; a host checks its own parameter table against the module with it.
///
/// # Safety
/// `out`, unless null, must be valid for writing 3 floats of this module's memory that nothing
/// else uses during the call.
#[no_mangle]
pub unsafe extern "C" fn stage_kind_param(kind: u32, index: u32, out: *mut f32) -> i32 {
    let spec = match stages::KINDS.get(kind as usize).and_then(|k| k.params.get(index as usize)) {
        Some(spec) => spec,
        None => return status::BAD_ARGUMENT,
    };
    if out.is_null() || out as usize % 4 != 0 || memory_range(out as usize, 12).is_none() {
        return status::BAD_ARGUMENT;
    }
    // SAFETY: the caller guarantees 3 writable floats at `out` (aligned, checked).
    core::slice::from_raw_parts_mut(out, 3).copy_from_slice(&[spec.default, spec.min, spec.max]);
    spec.kind.code()
}

/// Writes the name of parameter `index` of kind `kind` (UTF-8, no terminator: the host's name,
/// `dsp-stages/<id>/params.ts`) to `out` and returns its length; with a null `out`, only returns
/// the length. `BAD_ARGUMENT` for an unknown kind or index, or a `cap` shorter than the name
/// (nothing written). Needs no `init`.
///
/// # Safety
/// `out`, unless null, must be valid for writing `cap` bytes of this module's memory that
/// nothing else uses during the call.
#[no_mangle]
pub unsafe extern "C" fn stage_kind_param_name(kind: u32, index: u32, out: *mut u8, cap: usize) -> i32 {
    match stages::KINDS.get(kind as usize).and_then(|k| k.params.get(index as usize)) {
        Some(spec) => write_name(spec.name, out, cap),
        None => status::BAD_ARGUMENT,
    }
}

/// Writes `name` to `out` for [`stage_kind_name`] and [`stage_kind_param_name`]: its length, or
/// `BAD_ARGUMENT` for a `cap` shorter than it or an unusable `out` (nothing written); with a null
/// `out`, only the length.
///
/// # Safety
/// As theirs: `out`, unless null, valid for writing `cap` bytes.
unsafe fn write_name(name: &str, out: *mut u8, cap: usize) -> i32 {
    let bytes = name.as_bytes();
    if !out.is_null() {
        if cap < bytes.len() || memory_range(out as usize, cap).is_none() {
            return status::BAD_ARGUMENT;
        }
        // SAFETY: the caller guarantees `cap >= bytes.len()` writable bytes at `out`.
        core::slice::from_raw_parts_mut(out, bytes.len()).copy_from_slice(bytes);
    }
    bytes.len() as i32
}

/// Creates an instance of kind `kind` at `sample_rate` Hz for quanta of up to `max_frames`
/// samples, from the parameter block at `params`: `n_params` triples `(value, min, max)` of f32,
/// one per parameter in the stage's order (fewer leave the rest at the stage's defaults). Each
/// value is clamped to its triple's range, and so are later `stage_set_param` values. The new
/// instance reads the current input ring and becomes the active one. Allocates.
///
/// Returns its handle (0 or more); `NOT_INITIALISED` before `init`; `BAD_ARGUMENT` for an unknown
/// kind, a full table (`MAX_INSTANCES`), or what the stage refuses (no frames, a size it cannot
/// take, ...); `BAD_PARAM` for a block with a NaN, `min > max` or more triples than parameters.
/// On error nothing changes.
///
/// # Safety
/// `params` must be valid for reading `3 * n_params` floats (it may be null when `n_params` is
/// 0).
#[no_mangle]
pub unsafe extern "C" fn stage_create(kind: u32, sample_rate: f32, max_frames: usize, params: *const f32, n_params: usize) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    let block: &[f32] = if n_params == 0 {
        &[]
    } else {
        match n_params.checked_mul(12).and_then(|bytes| memory_range(params as usize, bytes)) {
            // SAFETY: the caller guarantees `3 n_params` readable floats at `params`.
            Some(_) if !params.is_null() && params as usize % 4 == 0 => core::slice::from_raw_parts(params, 3 * n_params),
            _ => return status::BAD_ARGUMENT,
        }
    };
    let slot = match rt.slots.iter().position(|s| s.is_none()) {
        Some(slot) => slot,
        None => return status::BAD_ARGUMENT,
    };
    let current = rt.current;
    match stages::create(kind as usize, sample_rate, max_frames, rt.rings[current].capacity(), block) {
        Ok(stage) => {
            rt.slots[slot] = Some(Instance::new(stage, false, current));
            rt.active = Some(slot);
            slot as i32
        }
        Err(e) => e.status(),
    }
}

/// Destroys the instance at `handle` (frees its buffers; its pointers become invalid). If it was
/// the active one, no instance is active afterwards. Returns 0 or a status.
#[no_mangle]
pub extern "C" fn stage_destroy(handle: i32) -> i32 {
    if let Err(status) = instance(handle) {
        return status;
    }
    if let Some(rt) = runtime() {
        if let Some(slot) = rt.slots.get_mut(handle as usize) {
            *slot = None;
        }
        if rt.active == Some(handle as usize) {
            rt.active = None;
        }
    }
    status::OK
}

/// Makes the instance at `handle` the active one (the one `process_quantum` and the stage's own
/// exports act on) and its input ring the current one (the one the seed functions act on).
/// Never allocates. Returns 0 or a status.
#[no_mangle]
pub extern "C" fn stage_activate(handle: i32) -> i32 {
    let ring = match instance(handle) {
        Ok(i) => i.ring,
        Err(status) => return status,
    };
    if let Some(rt) = runtime() {
        rt.active = Some(handle as usize);
        rt.current = ring;
    }
    status::OK
}

/// The active instance's handle; `NO_STAGE` if none is active, `NOT_INITIALISED`.
#[no_mangle]
pub extern "C" fn stage_active() -> i32 {
    match runtime() {
        Some(rt) => rt.active.map_or(status::NO_STAGE, |a| a as i32),
        None => status::NOT_INITIALISED,
    }
}

/// The kind of the instance at `handle`, or a status.
#[no_mangle]
pub extern "C" fn stage_kind_of(handle: i32) -> i32 {
    match instance(handle) {
        Ok(i) => stages::find(i.stage.params().id()).map_or(status::BAD_ARGUMENT, |k| k as i32),
        Err(status) => status,
    }
}

/// Runs the instance at `handle` over the newest `n` samples of its input ring (as
/// `process_quantum` runs the active one). Never allocates. Returns 0 or a status
/// (`BAD_ARGUMENT` if `n` exceeds its frames or the ring).
#[no_mangle]
pub extern "C" fn stage_process(handle: i32, n: usize) -> i32 {
    let rt = match runtime() {
        Some(rt) => rt,
        None => return status::NOT_INITIALISED,
    };
    let slot = usize::try_from(handle).ok().and_then(|h| rt.slots.get_mut(h)).and_then(|s| s.as_mut());
    match slot {
        Some(instance) => status_of(instance.stage.process(&rt.rings[instance.ring], n)),
        None => status::NO_STAGE,
    }
}

/// The audio output of the instance at `handle` (its frames; the first `n` hold the last
/// process), or null: no output (an analysis stage), no instance, or before `init`. Valid until
/// the instance is destroyed.
#[no_mangle]
pub extern "C" fn stage_output_ptr(handle: i32) -> *const f32 {
    match instance(handle) {
        Ok(i) => i.stage.output().map_or(core::ptr::null(), |o| o.as_ptr()),
        Err(_) => core::ptr::null(),
    }
}

/// Sets parameter `index` of the instance at `handle`, clamped to the range its block gave.
/// Returns 0; `BAD_PARAM` for NaN, an unknown index or a parameter fixed at create (nothing
/// changes); `NO_STAGE` / `NOT_INITIALISED`. Never allocates.
#[no_mangle]
pub extern "C" fn stage_set_param(handle: i32, index: u32, value: f32) -> i32 {
    match instance(handle) {
        Ok(i) => status_of(i.stage.set_param(index as usize, value)),
        Err(status) => status,
    }
}

/// Parameter `index` of the instance at `handle` (as clamped), or NaN for an unknown index or
/// handle.
#[no_mangle]
pub extern "C" fn stage_get_param(handle: i32, index: u32) -> f32 {
    match instance(handle) {
        Ok(i) => i.stage.param(index as usize).unwrap_or(f32::NAN),
        Err(_) => f32::NAN,
    }
}

/// Puts the instance at `handle` back in the state of a new instance with its current
/// parameters. Never allocates. Returns 0 or a status.
#[no_mangle]
pub extern "C" fn stage_reset(handle: i32) -> i32 {
    match instance(handle) {
        Ok(i) => {
            i.stage.reset();
            status::OK
        }
        Err(status) => status,
    }
}

/// Writes the figures of the instance at `handle` (as many as `cap` allows) to `out` and returns
/// how many it wrote, or a status (`BAD_ARGUMENT` for a null or unusable `out` with `cap > 0`).
/// Never allocates.
///
/// # Safety
/// `out`, unless `cap` is 0, must be valid for writing `cap` doubles of this module's memory
/// that nothing else uses during the call.
#[no_mangle]
pub unsafe extern "C" fn stage_figures(handle: i32, out: *mut f64, cap: usize) -> i32 {
    let i = match instance(handle) {
        Ok(i) => i,
        Err(status) => return status,
    };
    if cap == 0 {
        return 0;
    }
    match cap.checked_mul(8).and_then(|bytes| memory_range(out as usize, bytes)) {
        Some(_) if !out.is_null() && out as usize % 8 == 0 => {
            // SAFETY: the caller guarantees `cap` writable doubles at `out` (aligned, checked).
            let out = core::slice::from_raw_parts_mut(out, cap);
            i.stage.figures(out) as i32
        }
        _ => status::BAD_ARGUMENT,
    }
}

/// Bytes `stage_save_state` writes for the instance at `handle`, or a status.
#[no_mangle]
pub extern "C" fn stage_state_size(handle: i32) -> i32 {
    count_or(instance(handle).map(|i| i.stage.state_size()))
}

/// Whether the byte range `r` overlaps the output buffer of `stage` (the one buffer of an
/// instance a host has a pointer to).
fn overlaps_output(stage: &dyn Stage, r: (usize, usize)) -> bool {
    stage.output().map_or(false, |o| ranges_overlap(span(o), r))
}

/// Saves the state of the instance at `handle` into the `cap` bytes at `out` (see the saved
/// state format in `stages/state.rs`) and returns its length; `BAD_ARGUMENT` if `cap` is shorter
/// than `stage_state_size`, or `out` is null, outside memory or overlaps the instance's output.
/// Never allocates.
///
/// # Safety
/// `out` must be valid for writing `cap` bytes of this module's memory that nothing else uses
/// during the call (a `scratch_alloc` buffer, say).
#[no_mangle]
pub unsafe extern "C" fn stage_save_state(handle: i32, out: *mut u8, cap: usize) -> i32 {
    let i = match instance(handle) {
        Ok(i) => i,
        Err(status) => return status,
    };
    match memory_range(out as usize, cap) {
        Some(r) if !out.is_null() && cap > 0 && !overlaps_output(i.stage.as_ref(), r) => {
            // SAFETY: the caller guarantees `cap` writable bytes at `out`, which overlap none of
            // the instance's buffers (the output is checked; the host has no pointer to others).
            let out = core::slice::from_raw_parts_mut(out, cap);
            count_or(i.stage.save_state(out).map_err(StageError::status))
        }
        _ => status::BAD_ARGUMENT,
    }
}

/// Loads the `len` bytes of saved state at `ptr` into the instance at `handle`. Returns 0;
/// `BAD_STATE`, changing nothing, for state it cannot load (empty, truncated, another stage's or
/// version, corrupted, values out of its ranges); `BAD_ARGUMENT` for a null pointer with `len >
/// 0`, a range outside memory or overlapping the instance's output. Never allocates.
///
/// # Safety
/// `ptr` must be valid for reading `len` bytes of this module's memory that nothing else uses
/// during the call.
#[no_mangle]
pub unsafe extern "C" fn stage_load_state(handle: i32, ptr: *const u8, len: usize) -> i32 {
    let i = match instance(handle) {
        Ok(i) => i,
        Err(status) => return status,
    };
    if len == 0 {
        return status_of(i.stage.load_state(&[]));
    }
    match memory_range(ptr as usize, len) {
        Some(r) if !ptr.is_null() && !overlaps_output(i.stage.as_ref(), r) => {
            // SAFETY: the caller guarantees `len` readable bytes at `ptr`, disjoint from the
            // instance's buffers (the output is checked).
            status_of(i.stage.load_state(core::slice::from_raw_parts(ptr, len)))
        }
        _ => status::BAD_ARGUMENT,
    }
}

// ---------------------------------------------------------------------------------------------
// Host buffers and allocation counters

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
