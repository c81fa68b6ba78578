//! Ring copy: the foundation stage. Each quantum is written into the input ring by the host;
//! `process` reads the newest `n` samples back into an output buffer, so the host can prove the
//! ring round-trips the signal bit for bit and time the copy. No parameters.

use super::{ParamSpec, Params, Setup, Stage, StageError};
use crate::ring::Ring;

/// The stage's id.
pub const ID: &str = "ring-copy";

/// No parameters (the ring's capacity is the runtime's, set by `init`).
pub const PARAMS: &[ParamSpec] = &[];

/// Builds an instance with a read-back buffer of `max_frames` samples. `BadArgument` for 0.
pub fn create(setup: Setup) -> Result<Box<dyn Stage>, StageError> {
    if setup.max_frames == 0 {
        return Err(StageError::BadArgument);
    }
    Ok(Box::new(RingCopy { out: vec![0.0; setup.max_frames], params: setup.params }))
}

/// Output storage for the read-back, allocated once at create.
pub struct RingCopy {
    out: Vec<f32>,
    params: Params,
}

impl RingCopy {
    pub fn max_frames(&self) -> usize {
        self.out.len()
    }
}

impl Stage for RingCopy {
    fn params(&self) -> &Params {
        &self.params
    }

    fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }

    /// Reads the newest `n` samples of `input` into the output buffer.
    fn process(&mut self, input: &Ring, n: usize) -> Result<(), StageError> {
        let dst = self.out.get_mut(..n).ok_or(StageError::BadArgument)?;
        if input.read_latest(dst) {
            Ok(())
        } else {
            Err(StageError::BadArgument)
        }
    }

    fn output(&self) -> Option<&[f32]> {
        Some(&self.out)
    }

    fn reset(&mut self) {
        self.out.fill(0.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Legacy C exports (ring_copy_create, ring_copy_process, ring_copy_output_ptr), kept for the
// hosts that call them; each acts on the active instance, if that is a ring-copy stage.

pub mod exports {
    use super::{RingCopy, ID};
    use crate::ffi;
    use crate::stages::Stage;

    /// Creates a ring-copy stage with a read-back buffer of `max_frames` samples and makes it
    /// the active instance. Returns 0 or a negative status code.
    #[no_mangle]
    pub extern "C" fn ring_copy_create(max_frames: usize) -> i32 {
        ffi::legacy_create(ID, 0.0, max_frames, &[])
    }

    /// Reads the newest `n` samples of the input ring into the ring-copy output buffer.
    #[no_mangle]
    pub extern "C" fn ring_copy_process(n: usize) -> i32 {
        ffi::with_active(|ring, stage: &mut RingCopy| ffi::status_of(stage.process(ring, n)))
    }

    /// Pointer to the ring-copy output buffer, or null if the active instance is not a
    /// ring-copy stage.
    #[no_mangle]
    pub extern "C" fn ring_copy_output_ptr() -> *const f32 {
        ffi::active::<RingCopy>().and_then(|s| s.output()).map_or(core::ptr::null(), |o| o.as_ptr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages;

    fn ring_copy(max_frames: usize) -> Box<dyn Stage> {
        stages::create(stages::find(ID).unwrap(), 48000.0, max_frames, 1024, &[]).unwrap()
    }

    #[test]
    fn copies_quanta_bit_for_bit_over_many_wraps() {
        let mut ring = Ring::new(128 * 3 + 17).unwrap();
        let mut stage = ring_copy(128);
        let mut x: u32 = 12345;
        for _ in 0..100 {
            let mut q = [0.0f32; 128];
            for s in q.iter_mut() {
                x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                *s = f32::from_bits((x >> 9) | 0x3f80_0000) - 1.5; // [-0.5, 0.5)
            }
            ring.push(&q);
            assert_eq!(stage.process(&ring, 128), Ok(()));
            let got: Vec<u32> = stage.output().unwrap()[..128].iter().map(|v| v.to_bits()).collect();
            let want: Vec<u32> = q.iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn too_many_frames_is_an_error() {
        let ring = Ring::new(64).unwrap();
        let mut stage = ring_copy(128);
        assert_eq!(stage.process(&ring, 129), Err(StageError::BadArgument));
        assert_eq!(stage.process(&ring, 65), Err(StageError::BadArgument));
        assert_eq!(stage.process(&ring, 64), Ok(()));
    }
}
