//! The stages: each one a unit, in its own module, its kernel in safe Rust.
//!
//! # A stage
//!
//! A stage module declares three things, and the registry below lists it:
//!
//! * `pub const ID: &str`: its id (`"gain"`), the name hosts use (`stage_kind_find`) and the
//!   name in its saved state;
//! * `pub const PARAMS: &[ParamSpec]`: its parameters in block order, each with a default value
//!   and range (used where the host's block leaves it out);
//! * `pub fn create(setup: Setup) -> Result<Box<dyn Stage>, StageError>`: builds an instance
//!   from [`Setup`] (sample rate, most frames per call, the input ring's capacity, and the
//!   parameters already checked and clamped). `create` allocates every buffer the instance will
//!   use.
//!
//! The instance implements [`Stage`]:
//!
//! * [`Stage::params`] / [`Stage::params_mut`]: its [`Params`];
//! * [`Stage::set_param`]: sets one parameter, clamped to the range the host gave; NaN, an
//!   unknown index and a fixed parameter are refused with `BadParam`. The default stores the
//!   value (a stage that reads its parameters in `process` needs nothing more); a stage that
//!   derives state from them (coefficients, windows) overrides it;
//! * [`Stage::process`]: one quantum from the newest `n` samples of the input ring. Never
//!   allocates, never panics. A stage whose work the host schedules itself (the FFT and shift
//!   stages) returns `Ok(())` and does nothing here;
//! * [`Stage::output`]: its audio output (`None` for an analysis stage);
//! * [`Stage::figures`]: numbers a host reads after processing (peak, counters...);
//! * [`Stage::reset`]: back to the state of a new instance with the same parameters;
//! * state: [`Stage::body_size`], [`Stage::save_body`] and [`Stage::load_body`] for what the
//!   stage keeps beyond its parameters (nothing by default); [`Stage::state_size`],
//!   [`Stage::save_state`] and [`Stage::load_state`] wrap it in a versioned, checksummed header
//!   (the format is in `state.rs`) and are not meant to be overridden. Refused state (empty, truncated,
//!   another stage's, corrupted, or holding values the instance cannot take) changes nothing.
//!
//! `gain.rs` is the template: a complete stage in the fewest lines.
//!
//! # The registry
//!
//! One line per stage: its `pub mod` line below (kept in order by rustfmt). `build.rs` turns
//! those lines into [`KINDS`], so adding a stage is one new file, `stages/<id>.rs` (or a
//! directory), and one line here. Every `pub mod` here is a stage; the shared parts are private
//! modules re-exported.
//!
//! # Instances
//!
//! [`crate::ffi`] keeps the instances (a fixed table, handles are indices) and exports the
//! generic C ABI (`stage_create`, `stage_process`, `stage_set_param`, ...). A stage's own C
//! exports, where it has any beyond the generic ones, are in its `exports` module.

use std::any::Any;

use crate::ring::Ring;

mod params;
mod state;

pub use params::{ParamKind, ParamSpec, Params, MAX_PARAMS};
pub use state::{StateReader, StateWriter};

pub mod eq;
pub mod fft;
pub mod gain;
pub mod ring_copy;
pub mod shift;

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

/// Why a stage refused a call; [`StageError::status`] is the C ABI's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageError {
    /// An argument is out of range (a frame count larger than the buffers, an unsupported size).
    BadArgument,
    /// A parameter value is NaN, or the index names no (settable) parameter.
    BadParam,
    /// Saved state that this instance cannot load.
    BadState,
}

impl StageError {
    /// The status code of [`crate::status`].
    pub fn status(self) -> i32 {
        match self {
            StageError::BadArgument => crate::status::BAD_ARGUMENT,
            StageError::BadParam => crate::status::BAD_PARAM,
            StageError::BadState => crate::status::BAD_STATE,
        }
    }
}

/// What a stage is created with.
#[derive(Clone, Debug)]
pub struct Setup {
    /// Sample rate in Hz, for the stages that use it (checked by them).
    pub sample_rate: f32,
    /// Most frames one `process` call takes (the output buffer's length).
    pub max_frames: usize,
    /// Capacity of the input ring the instance will read.
    pub ring_capacity: usize,
    /// The parameters, checked and clamped to the host's ranges.
    pub params: Params,
}

/// A stage's constructor (its module's `create`).
pub type Create = fn(Setup) -> Result<Box<dyn Stage>, StageError>;

/// A registered stage kind.
#[derive(Clone, Copy)]
pub struct Kind {
    pub id: &'static str,
    pub params: &'static [ParamSpec],
    pub create: Create,
}

/// Downcasting for [`Stage`] objects (the legacy exports reach their own stage's type through
/// it). Implemented for every type; nothing to write.
pub trait AsAny: Any {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A stage instance (see the module docs).
pub trait Stage: AsAny {
    /// The instance's parameters.
    fn params(&self) -> &Params;

    /// The instance's parameters, to change. The default methods use it; a stage whose
    /// parameters drive derived state overrides [`Stage::set_param`] and [`Stage::load_body`].
    fn params_mut(&mut self) -> &mut Params;

    /// Sets parameter `index` to `value`, clamped to its range (see [`Params::set`]). Never
    /// allocates; on error nothing changes.
    fn set_param(&mut self, index: usize, value: f32) -> Result<(), StageError> {
        self.params_mut().set(index, value).map(|_| ())
    }

    /// Processes the newest `n` samples of `input` (one quantum). `BadArgument` (nothing
    /// written) if `n` exceeds the instance's frames or the ring. Never allocates, never panics.
    fn process(&mut self, input: &Ring, n: usize) -> Result<(), StageError>;

    /// The audio output buffer (its first `n` samples are the last `process`), if the stage has
    /// one.
    fn output(&self) -> Option<&[f32]> {
        None
    }

    /// Writes the stage's figures into `out` (as many as fit) and returns how many it wrote.
    fn figures(&self, _out: &mut [f64]) -> usize {
        0
    }

    /// Back to the state of a new instance with the current parameters. Never allocates.
    fn reset(&mut self);

    /// Version of the body layout, saved in the header; bump it when the layout changes.
    fn state_version(&self) -> u16 {
        1
    }

    /// Bytes of state the stage keeps beyond its parameters (fixed for an instance).
    fn body_size(&self) -> usize {
        0
    }

    /// Writes that state (exactly [`Stage::body_size`] bytes).
    fn save_body(&self, _out: &mut StateWriter) {}

    /// Reads back what [`Stage::save_body`] wrote, with the parameter values `params` (already
    /// checked as admitted by the instance), and becomes that state: parameters and body. Must
    /// check every value before changing anything (`BadState` otherwise). Never allocates.
    fn load_body(&mut self, params: &[f32], _body: &mut StateReader) -> Result<(), StageError> {
        self.params_mut().load(params);
        Ok(())
    }

    /// Parameter `index`'s value, `None` for an unknown index.
    fn param(&self, index: usize) -> Option<f32> {
        self.params().get(index)
    }

    /// Bytes [`Stage::save_state`] writes.
    fn state_size(&self) -> usize {
        state::state_len(self.params().id(), self.params().len(), self.body_size())
    }

    /// Writes the saved state into `out` and returns its length; `BadArgument` if `out` is
    /// shorter than [`Stage::state_size`]. Never allocates.
    fn save_state(&self, out: &mut [u8]) -> Result<usize, StageError> {
        state::save(self.params(), self.state_version(), self.body_size(), &|w: &mut StateWriter| self.save_body(w), out)
    }

    /// Becomes the state `bytes` holds (format in `state.rs`); `BadState`, changing nothing, for
    /// state this instance cannot load. Never allocates.
    fn load_state(&mut self, bytes: &[u8]) -> Result<(), StageError> {
        let mut values = [0.0f32; MAX_PARAMS];
        let (count, body) = state::parse(bytes, self.params(), self.state_version(), self.body_size(), &mut values)?;
        let mut reader = StateReader::new(body);
        self.load_body(&values[..count], &mut reader)
    }
}

/// `x` with subnormal values flushed to (positive) zero; NaN, infinities and normal values as they
/// are. WebAssembly has no flush-to-zero mode, and on x86 a multiply or add that takes or makes a
/// subnormal runs as a microcode assist, ~100 cycles instead of one (measured: the gain stage
/// without it took 69-88x as long on subnormal input, Chromium, Firefox and Node alike). A stage
/// flushes its input with this before arithmetic (the validation's `denormal-speed` check holds
/// every stage to 2x); a loop of it vectorises (abs, compare, select).
#[inline(always)]
pub fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

/// The registered kind `id`'s index in [`KINDS`].
pub fn find(id: &str) -> Option<usize> {
    KINDS.iter().position(|k| k.id == id)
}

/// Creates an instance of kind `kind` from the host's parameter block (see [`Params::from_block`]).
/// `BadArgument` for an unknown kind, or whatever the block or the stage refuses. Allocates.
pub fn create(kind: usize, sample_rate: f32, max_frames: usize, ring_capacity: usize, block: &[f32]) -> Result<Box<dyn Stage>, StageError> {
    let k = KINDS.get(kind).ok_or(StageError::BadArgument)?;
    let params = Params::from_block(k.id, k.params, block)?;
    (k.create)(Setup { sample_rate, max_frames, ring_capacity, params })
}

/// Downcasts a stage to its concrete type.
pub fn downcast_mut<T: Stage>(stage: &mut dyn Stage) -> Option<&mut T> {
    stage.as_any_mut().downcast_mut::<T>()
}

/// Downcasts a stage to its concrete type.
pub fn downcast_ref<T: Stage>(stage: &dyn Stage) -> Option<&T> {
    stage.as_any().downcast_ref::<T>()
}
