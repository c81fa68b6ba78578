//! Gain: the template stage, the smallest complete one. Each quantum, the newest `n` samples of
//! the input ring are multiplied by a gain into an output buffer. Copy this file, its section at
//! the end of `ffi.rs` and `dsp-stages/gain/` to start a new stage (README: "Add a stage").

use crate::ring::Ring;

/// Parameter id of the gain for `gain_set_param` (the only parameter).
pub const PARAM_GAIN: i32 = 0;
/// Smallest gain (silence).
pub const MIN_GAIN: f32 = 0.0;
/// Largest gain (+12 dB).
pub const MAX_GAIN: f32 = 4.0;
/// Gain after `new`.
pub const DEFAULT_GAIN: f32 = 1.0;

/// Why `set_param` refused a value (nothing changed).
#[derive(Debug, PartialEq, Eq)]
pub enum ParamError {
    /// No parameter has this id.
    UnknownId,
    /// The value is NaN.
    NotANumber,
}

/// The stage: its output buffer, allocated once in `new`, and its one parameter.
pub struct Gain {
    out: Vec<f32>,
    gain: f32,
}

impl Gain {
    /// Allocates an output buffer of `max_frames` samples (the only allocation). `None` for 0.
    pub fn new(max_frames: usize) -> Option<Gain> {
        if max_frames == 0 {
            return None;
        }
        Some(Gain { out: vec![0.0; max_frames], gain: DEFAULT_GAIN })
    }

    /// Sets parameter `id` to `value`, clamped to its range. NaN and unknown ids are refused.
    /// Never allocates.
    pub fn set_param(&mut self, id: i32, value: f32) -> Result<(), ParamError> {
        if id != PARAM_GAIN {
            return Err(ParamError::UnknownId);
        }
        if value.is_nan() {
            return Err(ParamError::NotANumber);
        }
        self.gain = value.clamp(MIN_GAIN, MAX_GAIN);
        Ok(())
    }

    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// The output buffer (`max_frames` samples; the first `n` hold the last `process`).
    pub fn output(&self) -> &[f32] {
        &self.out
    }

    /// Writes the newest `n` samples of `ring`, times the gain, to the output buffer. Returns
    /// `false` (output untouched) if `n` exceeds the buffer or the ring. Never allocates.
    pub fn process(&mut self, ring: &Ring, n: usize) -> bool {
        let dst = match self.out.get_mut(..n) {
            Some(dst) => dst,
            None => return false,
        };
        if !ring.read_latest(dst) {
            return false;
        }
        let gain = self.gain;
        for v in dst.iter_mut() {
            *v *= gain;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_input_times_gain() {
        let mut ring = Ring::new(256).unwrap();
        let mut stage = Gain::new(128).unwrap();
        stage.set_param(PARAM_GAIN, 0.3).unwrap();
        let q: Vec<f32> = (0..128).map(|i| (i as f32 - 64.0) / 64.0).collect();
        ring.push(&q);
        assert!(stage.process(&ring, 128));
        for (y, x) in stage.output().iter().zip(&q) {
            assert_eq!(y.to_bits(), (x * 0.3f32).to_bits());
        }
    }

    #[test]
    fn parameters_are_clamped_and_nan_refused() {
        let mut stage = Gain::new(1).unwrap();
        assert_eq!(stage.gain(), DEFAULT_GAIN);
        assert_eq!(stage.set_param(PARAM_GAIN, 9.0), Ok(()));
        assert_eq!(stage.gain(), MAX_GAIN);
        assert_eq!(stage.set_param(PARAM_GAIN, -1.0), Ok(()));
        assert_eq!(stage.gain(), MIN_GAIN);
        assert_eq!(stage.set_param(PARAM_GAIN, f32::NAN), Err(ParamError::NotANumber));
        assert_eq!(stage.set_param(1, 0.5), Err(ParamError::UnknownId));
        assert_eq!(stage.gain(), MIN_GAIN);
        assert!(Gain::new(0).is_none());
    }
}
