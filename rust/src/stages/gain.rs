//! Gain: the template stage, the smallest complete one. Each quantum, the newest `n` samples of
//! the input ring are multiplied by the gain into the output buffer.
//!
//! A new stage starts as a copy of this file, renamed (`ID`, the type) and given its own kernel
//! and parameters, plus its `pub mod` line in `stages/mod.rs`; the generic C ABI
//! (`stage_create`, `stage_process`, `stage_set_param`, `stage_save_state`, ...) then runs it.
//! Everything above the "Legacy C exports" line is the stage and its tests; the section below
//! it is not part of the template. Host side: `dsp-stages/gain/` (README: "Add a stage").

use super::{ParamSpec, Params, Setup, Stage, StageError};
use crate::ring::Ring;

/// The stage's id.
pub const ID: &str = "gain";

/// Index of the gain parameter.
pub const GAIN: usize = 0;

/// The parameters, in block order: the linear gain, clamped to 0 ..= 4 (+12 dB) unless the host
/// gives another range, 1 by default.
pub const PARAMS: &[ParamSpec] = &[ParamSpec::real("gain", 1.0, 0.0, 4.0)];

/// Builds an instance whose output buffer holds `max_frames` samples (its only allocation).
/// `BadArgument` for 0 frames.
pub fn create(setup: Setup) -> Result<Box<dyn Stage>, StageError> {
    if setup.max_frames == 0 {
        return Err(StageError::BadArgument);
    }
    Ok(Box::new(Gain { out: vec![0.0; setup.max_frames], params: setup.params }))
}

/// The instance: its output buffer and its parameters.
pub struct Gain {
    out: Vec<f32>,
    params: Params,
}

impl Stage for Gain {
    fn params(&self) -> &Params {
        &self.params
    }

    fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }

    /// Writes the newest `n` samples of `input`, times the gain, to the output buffer.
    fn process(&mut self, input: &Ring, n: usize) -> Result<(), StageError> {
        let dst = self.out.get_mut(..n).ok_or(StageError::BadArgument)?;
        if !input.read_latest(dst) {
            return Err(StageError::BadArgument);
        }
        let gain = self.params.value(GAIN);
        for v in dst.iter_mut() {
            *v *= gain;
        }
        Ok(())
    }

    fn output(&self) -> Option<&[f32]> {
        Some(&self.out)
    }

    fn reset(&mut self) {
        self.out.fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages;

    fn gain(block: &[f32]) -> Box<dyn Stage> {
        stages::create(stages::find(ID).unwrap(), 48000.0, 128, 256, block).unwrap()
    }

    #[test]
    fn output_is_input_times_gain() {
        let mut ring = Ring::new(256).unwrap();
        let mut stage = gain(&[0.3, 0.0, 4.0]);
        let q: Vec<f32> = (0..128).map(|i| (i as f32 - 64.0) / 64.0).collect();
        ring.push(&q);
        assert_eq!(stage.process(&ring, 128), Ok(()));
        for (y, x) in stage.output().unwrap().iter().zip(&q) {
            assert_eq!(y.to_bits(), (x * 0.3f32).to_bits());
        }
        assert_eq!(stage.process(&ring, 129), Err(StageError::BadArgument));
    }

    #[test]
    fn parameters_are_clamped_and_nan_refused() {
        let mut stage = gain(&[]);
        assert_eq!(stage.param(GAIN), Some(1.0));
        assert_eq!(stage.set_param(GAIN, 9.0), Ok(()));
        assert_eq!(stage.param(GAIN), Some(PARAMS[GAIN].max));
        assert_eq!(stage.set_param(GAIN, -1.0), Ok(()));
        assert_eq!(stage.param(GAIN), Some(0.0));
        assert_eq!(stage.set_param(GAIN, f32::NAN), Err(StageError::BadParam));
        assert_eq!(stage.set_param(1, 0.5), Err(StageError::BadParam));
        assert_eq!(stage.param(GAIN), Some(0.0));
        let err = stages::create(stages::find(ID).unwrap(), 48000.0, 0, 256, &[]).err();
        assert_eq!(err, Some(StageError::BadArgument));
    }
}

// ---------------------------------------------------------------------------------------------
// Legacy C exports (gain_create, gain_set_param, gain_process, gain_output_ptr), kept for the
// hosts that call them. Each acts like its generic counterpart on the active instance, if that
// is a gain stage. A new stage copies only what is above this line (its exported names would
// clash with these), and this section can go once hosts use the generic exports.

/// `gain_set_param`'s id of the gain.
pub const PARAM_GAIN: i32 = GAIN as i32;
/// Largest gain when the host gives no range.
pub const MAX_GAIN: f32 = PARAMS[GAIN].max;

pub mod exports {
    use super::{Gain, ID};
    use crate::ffi;
    use crate::stages::Stage;
    use crate::status;

    /// Creates a gain stage for quanta of up to `max_frames` samples (gain 1, range 0 ..= 4)
    /// and makes it the active instance; `process_quantum(n)` then runs [`gain_process`]`(n)`.
    /// Returns 0; `NOT_INITIALISED` before `init`; `BAD_ARGUMENT` for `max_frames == 0` (the
    /// previous instance stays active). Allocates.
    #[no_mangle]
    pub extern "C" fn gain_create(max_frames: usize) -> i32 {
        ffi::legacy_create(ID, 0.0, max_frames, &[])
    }

    /// Sets parameter `id` (0: the linear gain, clamped to its range). Returns 0; `BAD_PARAM`
    /// for an unknown id or NaN (nothing changes); `NO_STAGE` / `NOT_INITIALISED`. Never
    /// allocates.
    #[no_mangle]
    pub extern "C" fn gain_set_param(id: i32, value: f32) -> i32 {
        match ffi::active::<Gain>() {
            Some(stage) if id >= 0 => ffi::status_of(stage.set_param(id as usize, value)),
            Some(_) => status::BAD_PARAM,
            None => ffi::no_stage_status(),
        }
    }

    /// Writes the newest `n` samples of the input ring, times the gain, to [`gain_output_ptr`].
    /// Never allocates. Returns 0; `BAD_ARGUMENT` if `n` exceeds `max_frames` or the ring;
    /// `NO_STAGE` / `NOT_INITIALISED`.
    #[no_mangle]
    pub extern "C" fn gain_process(n: usize) -> i32 {
        ffi::with_active(|ring, stage: &mut Gain| ffi::status_of(stage.process(ring, n)))
    }

    /// Pointer to the gain output buffer (`max_frames` floats), or null if the active instance
    /// is not a gain stage. Valid until that instance is destroyed (by the next legacy
    /// `*_create`, or `init`).
    #[no_mangle]
    pub extern "C" fn gain_output_ptr() -> *const f32 {
        ffi::active::<Gain>().and_then(|s| s.output()).map_or(core::ptr::null(), |o| o.as_ptr())
    }
}
