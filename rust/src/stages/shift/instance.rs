//! The shift stage as a registered stage: [`ShiftStage`] with its parameters.
//!
//! The host fills the two frames and runs the analysis itself (`shift_process`, or
//! `shift_process_part` spread over quanta): [`Stage::process`] does nothing and succeeds.
//!
//! Parameters, in block order: frame size `N` and hypothesis count `H` (fixed at create); the
//! span of the hypothesis grid (samples); the centre mode (0: the coarse correlation's peak,
//! 1: the fixed centre); the fixed centre (samples); PHAT weighting, the index of the host's
//! choice `['on', 'off']` (0 on, 1 off: [`PHAT_ON`], [`PHAT_OFF`]), off by default. The ranges
//! and defaults are the host's (`dsp-stages/shift/params.ts`). The C exports take the span and
//! the centre as `f64` and use them exactly; the parameters hold them as `f32`, and
//! `shift_set_params` takes PHAT as a switch (`phat != 0`: on).
//!
//! Figures: the refined shift, the centre used, the best hypothesis's lag and index, and the
//! count of analyses whose frames held NaN or an infinity. Saved state: the grid (span and centre
//! exactly), PHAT, those figures and whether they are current; the frames, spectra and scores are
//! not saved (a loaded instance's buffers are as after `reset`).

use super::{ShiftStage, MAX_HYPOTHESES};
use crate::fft::{MAX_SIZE, MIN_SIZE};
use crate::ring::Ring;
use crate::stages::{ParamSpec, Params, Setup, Stage, StageError, StateReader, StateWriter};

/// The stage's id.
pub const ID: &str = "shift";

/// Index of the frame size `N` (a power of two).
pub const SIZE: usize = 0;
/// Index of the hypothesis count `H`.
pub const HYPOTHESES: usize = 1;
/// Index of the span of the hypothesis grid (samples).
pub const SPAN: usize = 2;
/// Index of the centre mode: 0 automatic, 1 fixed.
pub const CENTRE_MODE: usize = 3;
/// Index of the fixed centre (samples).
pub const CENTRE: usize = 4;
/// Index of PHAT weighting: the host's choice `['on', 'off']`, by index.
pub const PHAT: usize = 5;
/// The PHAT parameter's value for weighting on: the index of `on` in the host's options.
pub const PHAT_ON: f32 = 0.0;
/// The PHAT parameter's value for weighting off (plain correlation, the default).
pub const PHAT_OFF: f32 = 1.0;

/// The parameters, in block order (see the module docs).
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::fixed("size", 32768.0, MIN_SIZE as f32, MAX_SIZE as f32),
    ParamSpec::fixed("hypotheses", 32.0, 1.0, MAX_HYPOTHESES as f32),
    ParamSpec::real("span", 2.0, 0.0, 4096.0),
    ParamSpec::integer("centreMode", 0.0, 0.0, 1.0),
    ParamSpec::real("centre", 0.0, -16384.0, 16384.0),
    ParamSpec::integer("phat", PHAT_OFF, 0.0, 1.0),
];

/// Builds the stage: plans, buffers and phasor tables for `N` and `H`. `BadArgument` for a size
/// that is not a power of two; `BadParam` for a span or centre the grid cannot take (not
/// finite, which only a host range that allows it lets through).
pub fn create(setup: Setup) -> Result<Box<dyn Stage>, StageError> {
    let params = setup.params;
    let n = params.value(SIZE) as usize;
    let h = params.value(HYPOTHESES) as usize;
    let kernel = ShiftStage::new(n, h).ok_or(StageError::BadArgument)?;
    let mut stage = ShiftInstance { params, kernel };
    let (span, centre, phat) = stage.grid_from_params();
    stage.set_params(span, centre, phat)?;
    Ok(Box::new(stage))
}

/// The shift stage's instance.
pub struct ShiftInstance {
    params: Params,
    pub(super) kernel: ShiftStage,
}

impl ShiftInstance {
    /// The analysis itself.
    pub fn kernel(&self) -> &ShiftStage {
        &self.kernel
    }

    /// The analysis, to run it (the host's exports do so every hop). Change the grid through [`ShiftInstance::set_params`] or `set_param`, so that the
    /// parameters follow.
    pub fn kernel_mut(&mut self) -> &mut ShiftStage {
        &mut self.kernel
    }

    /// Span, centre (`None`: automatic) and PHAT as the parameters hold them.
    fn grid_from_params(&self) -> (f64, Option<f64>, bool) {
        let p = &self.params;
        let centre = if p.value(CENTRE_MODE) >= 0.5 { Some(p.value(CENTRE) as f64) } else { None };
        (p.value(SPAN) as f64, centre, p.value(PHAT) == PHAT_ON)
    }

    /// Sets the grid exactly as given (see [`ShiftStage::set_params`]) and records it in the
    /// parameters (clamped to their ranges). `BadParam`, changing nothing, for a span that is
    /// negative or not finite, or a centre that is not finite. Never allocates.
    pub fn set_params(&mut self, span: f64, centre: Option<f64>, phat: bool) -> Result<(), StageError> {
        if !self.kernel.set_params(span, centre, phat) {
            return Err(StageError::BadParam);
        }
        let fit = |p: &Params, i: usize, v: f64| p.check(i, v as f32).unwrap_or_else(|_| p.value(i));
        let span = fit(&self.params, SPAN, span);
        self.params.store(SPAN, span);
        self.params.store(CENTRE_MODE, if centre.is_some() { 1.0 } else { 0.0 });
        if let Some(c) = centre {
            let c = fit(&self.params, CENTRE, c);
            self.params.store(CENTRE, c);
        }
        self.params.store(PHAT, if phat { PHAT_ON } else { PHAT_OFF });
        Ok(())
    }
}

impl Stage for ShiftInstance {
    fn params(&self) -> &Params {
        &self.params
    }

    fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }

    /// Span, centre mode, centre or PHAT (the tables are rebuilt; no allocation). Setting the
    /// centre while the mode is automatic only records it.
    fn set_param(&mut self, index: usize, value: f32) -> Result<(), StageError> {
        let value = self.params.check(index, value)?;
        let k = &self.kernel;
        let (span, centre, phat) = (k.span(), k.centre_param(), k.phat());
        match index {
            SPAN => self.set_params(value as f64, centre, phat),
            CENTRE_MODE if value >= 0.5 => self.set_params(span, Some(self.params.value(CENTRE) as f64), phat),
            CENTRE_MODE => self.set_params(span, None, phat),
            CENTRE if centre.is_some() => self.set_params(span, Some(value as f64), phat),
            CENTRE => {
                self.params.store(CENTRE, value);
                Ok(())
            }
            PHAT => self.set_params(span, centre, value == PHAT_ON),
            _ => Err(StageError::BadParam),
        }
    }

    /// Nothing: the host runs the analysis (see the module docs).
    fn process(&mut self, _input: &Ring, _n: usize) -> Result<(), StageError> {
        Ok(())
    }

    /// Shift, centre, best lag, best index, non-finite analyses.
    fn figures(&self, out: &mut [f64]) -> usize {
        let k = &self.kernel;
        let figures = [k.shift(), k.centre(), k.best_tau(), k.best() as f64, k.non_finite_frames() as f64];
        let n = figures.len().min(out.len());
        out[..n].copy_from_slice(&figures[..n]);
        n
    }

    fn reset(&mut self) {
        self.kernel.clear();
    }

    fn body_size(&self) -> usize {
        8 + (1 + 8) + 1 + 8 + 4 + 8 + 8 + 1 + 4
    }

    fn save_body(&self, w: &mut StateWriter) {
        let k = &self.kernel;
        w.f64(k.span);
        w.bool(k.centre_param.is_some());
        w.f64(k.centre_param.unwrap_or(0.0));
        w.bool(k.phat);
        w.f64(k.centre);
        w.u32(k.best as u32);
        w.f64(k.best_tau);
        w.f64(k.shift);
        w.bool(k.valid);
        w.u32(k.non_finite_frames);
    }

    fn load_body(&mut self, params: &[f32], r: &mut StateReader) -> Result<(), StageError> {
        let span = r.f64()?;
        let fixed = r.bool()?;
        let centre_param = r.f64()?;
        let phat = r.bool()?;
        let centre = r.f64()?;
        let best = r.index(0..=self.kernel.h.saturating_sub(1))?;
        let best_tau = r.f64()?;
        let shift = r.f64()?;
        let valid = r.bool()?;
        let non_finite_frames = r.u32()?;
        if !(span >= 0.0) {
            return Err(StageError::BadState);
        }
        let centre_param = if fixed { Some(centre_param) } else { None };
        self.kernel.clear();
        if !self.kernel.set_params(span, centre_param, phat) {
            return Err(StageError::BadState); // not reached: every value was checked
        }
        self.params.load(params);
        let k = &mut self.kernel;
        k.centre = centre;
        k.best = best;
        k.best_tau = best_tau;
        k.shift = shift;
        k.valid = valid;
        k.non_finite_frames = non_finite_frames;
        Ok(())
    }
}
