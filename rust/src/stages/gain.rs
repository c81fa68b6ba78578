//! Gain (template): every sample times a gain. Each quantum, the newest `n` samples of the input ring
//! are multiplied by the gain into the output buffer.
//!
//! `stagebench new` wrote this file from its template, whose own instance is the gain stage. The
//! stage is this module and its `pub mod` line in `stages/mod.rs`; it has no C exports of its
//! own: the generic C ABI (`stage_create`, `stage_process`, `stage_set_param`,
//! `stage_save_state`, ...) runs it. Edit `PARAMS` and `process` here, and with them
//! `dsp-stages/gain/params.ts` (the same parameters, in the same order, with units and help) and
//! `dsp-stages/gain/reference.ts` (the same arithmetic in TypeScript).

use super::{flush_subnormal, ParamSpec, Params, Setup, Stage, StageError};
use crate::ring::Ring;

/// The stage's id.
pub const ID: &str = "gain";

/// Index of the gain parameter.
pub const GAIN: usize = 0;

/// The parameters, in block order: the linear gain, 0 ..= 4 (+12 dB), 0.5 by default. The host's
/// block (from `params.ts`) gives each value and range; these are the fallbacks.
pub const PARAMS: &[ParamSpec] = &[ParamSpec::real("gain", 0.5, 0.0, 4.0)];

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

    /// Writes the newest `n` samples of `input`, times the gain, to the output buffer. Subnormal
    /// input is flushed to zero first: arithmetic on it is many times slower (`flush_subnormal`).
    fn process(&mut self, input: &Ring, n: usize) -> Result<(), StageError> {
        let dst = self.out.get_mut(..n).ok_or(StageError::BadArgument)?;
        if !input.read_latest(dst) {
            return Err(StageError::BadArgument);
        }
        let gain = self.params.value(GAIN);
        for v in dst.iter_mut() {
            *v = flush_subnormal(*v) * gain;
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

    fn instance(block: &[f32]) -> Box<dyn Stage> {
        stages::create(stages::find(ID).unwrap(), 48000.0, 128, 256, block).unwrap()
    }

    #[test]
    fn output_is_input_times_gain() {
        let mut ring = Ring::new(256).unwrap();
        let mut stage = instance(&[0.3, 0.0, 4.0]);
        let q: Vec<f32> = (0..128).map(|i| (i as f32 - 64.0) / 64.0).collect();
        ring.push(&q);
        assert_eq!(stage.process(&ring, 128), Ok(()));
        for (y, x) in stage.output().unwrap().iter().zip(&q) {
            assert_eq!(y.to_bits(), (x * 0.3f32).to_bits());
        }
        assert_eq!(stage.process(&ring, 129), Err(StageError::BadArgument));
    }

    #[test]
    fn subnormal_input_is_flushed_to_zero() {
        let mut ring = Ring::new(256).unwrap();
        let mut stage = instance(&[2.0, 0.0, 4.0]);
        let q = [f32::MIN_POSITIVE / 4.0, -f32::MIN_POSITIVE / 2.0, f32::MIN_POSITIVE, f32::NAN];
        ring.push(&q);
        assert_eq!(stage.process(&ring, 4), Ok(()));
        let y = &stage.output().unwrap()[..4];
        assert_eq!([y[0], y[1], y[2]], [0.0, 0.0, f32::MIN_POSITIVE * 2.0]);
        assert!(y[3].is_nan());
    }

    #[test]
    fn parameters_are_clamped_and_nan_refused() {
        let mut stage = instance(&[]);
        assert_eq!(stage.param(GAIN), Some(PARAMS[GAIN].default));
        assert_eq!(stage.set_param(GAIN, 9.0), Ok(()));
        assert_eq!(stage.param(GAIN), Some(PARAMS[GAIN].max));
        assert_eq!(stage.set_param(GAIN, -1.0), Ok(()));
        assert_eq!(stage.param(GAIN), Some(PARAMS[GAIN].min));
        assert_eq!(stage.set_param(GAIN, f32::NAN), Err(StageError::BadParam));
        assert_eq!(stage.set_param(PARAMS.len(), 0.5), Err(StageError::BadParam));
        assert_eq!(stage.param(GAIN), Some(PARAMS[GAIN].min));
        let err = stages::create(stages::find(ID).unwrap(), 48000.0, 0, 256, &[]).err();
        assert_eq!(err, Some(StageError::BadArgument));
    }
}
