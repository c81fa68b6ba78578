//! The spectrum stage as a registered stage: [`FftStage`] with its parameters.
//!
//! The analysis runs when the host asks (`fft_process`, or `fft_begin` then `fft_step` spread
//! over quanta, every hop), not per quantum: [`Stage::process`] does nothing and succeeds.
//!
//! Figures: the peak's fractional bin, its level in dBFS, and the count of analyses whose frame
//! held NaN or an infinity. Saved state: the window and its parameters, the Newton steps and
//! those figures; an analysis in progress and the spectrum buffers are not saved (a loaded
//! instance is idle, its buffers as after `reset`).

use super::{FftStage, DB_FLOOR, MAX_BETA};
use crate::ring::Ring;
use crate::stages::{ParamSpec, Params, Setup, Stage, StageError, StateReader, StateWriter};
use crate::window::WindowKind;

/// The stage's id.
pub const ID: &str = "fft";

/// Index of the transform size `N` (a power of two; fixed at create, at most the ring's
/// capacity).
pub const SIZE: usize = 0;
/// Index of the window: 0 rectangular, 1 Hann, 2 Kaiser.
pub const WINDOW: usize = 1;
/// Index of the Kaiser shape beta.
pub const BETA: usize = 2;

/// The parameters, in block order (the host's first three).
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::fixed("size", 32768.0, 512.0, 32768.0),
    ParamSpec::integer("window", 2.0, 0.0, 2.0),
    ParamSpec::real("beta", 9.0, 0.0, MAX_BETA),
];

/// Most Newton steps saved state may ask for.
const MAX_NEWTON_STEPS: usize = 16;

/// Builds the stage: window, FFT plan and buffers for `size`. `BadArgument` for a size that is
/// not a power of two or larger than the ring; `BadParam` for an unknown window or a beta that
/// is not finite.
pub fn create(setup: Setup) -> Result<Box<dyn Stage>, StageError> {
    let params = setup.params;
    let size = params.value(SIZE) as usize;
    let kind = WindowKind::from_id(params.value(WINDOW) as i32).ok_or(StageError::BadParam)?;
    let beta = params.value(BETA);
    if !beta.is_finite() {
        return Err(StageError::BadParam);
    }
    if size > setup.ring_capacity {
        return Err(StageError::BadArgument);
    }
    let kernel = FftStage::new(size, kind, beta).ok_or(StageError::BadArgument)?;
    let mut stage = FftInstance { params, kernel };
    stage.params.store(BETA, stage.kernel.beta());
    Ok(Box::new(stage))
}

/// The spectrum stage's instance.
pub struct FftInstance {
    params: Params,
    pub(super) kernel: FftStage,
}

impl FftInstance {
    /// The analysis itself.
    pub fn kernel(&self) -> &FftStage {
        &self.kernel
    }

    /// The analysis, to run it (the host's exports do so every hop). Change the window through [`FftInstance::set_window`] or `set_param`, so that the
    /// parameters follow.
    pub fn kernel_mut(&mut self) -> &mut FftStage {
        &mut self.kernel
    }

    /// Sets the window, `beta` clamped to its range (see [`FftStage::set_window`]). `BadParam`,
    /// changing nothing, for a beta that is not finite. Never allocates.
    pub fn set_window(&mut self, kind: WindowKind, beta: f32) -> Result<(), StageError> {
        if !beta.is_finite() {
            return Err(StageError::BadParam);
        }
        let beta = self.params.check(BETA, beta)?;
        if !self.kernel.set_window(kind, beta) {
            return Err(StageError::BadParam);
        }
        self.params.store(WINDOW, kind as i32 as f32);
        self.params.store(BETA, self.kernel.beta());
        Ok(())
    }
}

impl Stage for FftInstance {
    fn params(&self) -> &Params {
        &self.params
    }

    fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }

    /// Window (recomputed, no allocation) or beta; the size is fixed.
    fn set_param(&mut self, index: usize, value: f32) -> Result<(), StageError> {
        let v = self.params.check(index, value)?;
        match index {
            WINDOW => self.set_window(WindowKind::from_id(v as i32).ok_or(StageError::BadParam)?, self.kernel.beta()),
            BETA => self.set_window(self.kernel.window_kind(), v),
            _ => Err(StageError::BadParam),
        }
    }

    /// Nothing: the host runs the analysis every hop (see the module docs).
    fn process(&mut self, _input: &Ring, _n: usize) -> Result<(), StageError> {
        Ok(())
    }

    /// Peak bin, peak level (dBFS), non-finite analyses.
    fn figures(&self, out: &mut [f64]) -> usize {
        let k = &self.kernel;
        let figures = [k.peak_bin(), k.peak_db() as f64, k.non_finite_frames() as f64];
        let n = figures.len().min(out.len());
        out[..n].copy_from_slice(&figures[..n]);
        n
    }

    fn reset(&mut self) {
        self.kernel.clear();
    }

    fn body_size(&self) -> usize {
        4 + 8 + 4 + 4
    }

    fn save_body(&self, w: &mut StateWriter) {
        let k = &self.kernel;
        w.u32(k.newton_steps as u32);
        w.f64(k.peak_bin);
        w.f32(k.peak_db);
        w.u32(k.non_finite_frames);
    }

    fn load_body(&mut self, params: &[f32], r: &mut StateReader) -> Result<(), StageError> {
        let newton_steps = r.index(0..=MAX_NEWTON_STEPS)?;
        let peak_bin = r.f64()?;
        let peak_db = r.f32()?;
        let non_finite_frames = r.u32()?;
        let kind = params.get(WINDOW).and_then(|&w| WindowKind::from_id(w as i32));
        let beta = params.get(BETA).copied().unwrap_or(f32::NAN);
        let half = (self.kernel.size() / 2) as f64;
        let kind = match kind {
            Some(kind) if beta.is_finite() && (0.0..=half).contains(&peak_bin) && peak_db >= DB_FLOOR => kind,
            _ => return Err(StageError::BadState),
        };
        self.kernel.clear();
        if !self.kernel.set_window(kind, beta) {
            return Err(StageError::BadState); // not reached: beta is finite
        }
        self.params.load(params);
        self.params.store(BETA, self.kernel.beta());
        let k = &mut self.kernel;
        k.newton_steps = newton_steps;
        k.peak_bin = peak_bin;
        k.peak_db = peak_db;
        k.non_finite_frames = non_finite_frames;
        Ok(())
    }
}
