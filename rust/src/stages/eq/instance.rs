//! The 8-band EQ as a registered stage: [`EqStage`] with its parameters.
//!
//! Parameters, in block order (the host's, `dsp-stages/eq/params.ts`, without its preset):
//! for each band 1 ..= 8, its type (0 off, 1 peaking, 2 lowshelf, 3 highshelf, 4 lowpass,
//! 5 highpass, 6 bandpass, 7 notch), frequency (Hz), gain (dB) and Q; then bypass (0 off, 1 on)
//! and precision (0 exact, 1 fast: see [`EqStage::set_fast`]).
//! A band is set with all four of its values at once ([`EqStage::set_band`]: smoothed, a type
//! change crossfaded), so changing one parameter re-sends its band. A new instance starts
//! settled at its parameters (no fade from "off").
//!
//! Figures: the quanta replaced by silence because their input held NaN or an infinity. Saved
//! state: every band's settings, smoother, filter and crossfade state, bypass and its fade, and
//! that count: a loaded instance continues exactly as the saved one would have.

use super::{EqStage, Kind, SetBandError, BANDS, FREQ_MIN, GAIN_MAX, Q_DB_MAX, Q_MAX};
use crate::ring::Ring;
use crate::stages::{ParamSpec, Params, Setup, Stage, StageError, StateReader, StateWriter};

/// The stage's id.
pub const ID: &str = "eq";

/// Offset of a band's type among its four parameters.
pub const TYPE: usize = 0;
/// Offset of a band's frequency (Hz; clamped to 10 Hz ..= Nyquist by the filter whatever the
/// range).
pub const FREQUENCY: usize = 1;
/// Offset of a band's gain (dB).
pub const GAIN: usize = 2;
/// Offset of a band's Q (linear, or dB for lowpass and highpass; clamped by type by the filter).
pub const Q: usize = 3;
/// Index of the bypass switch.
pub const BYPASS: usize = 4 * BANDS;
/// Index of the precision: 0 `exact` (Chromium's arithmetic), 1 `fast` (the f32 SIMD kernel).
pub const PRECISION: usize = BYPASS + 1;

/// Index of parameter `field` (`TYPE`, `FREQUENCY`, `GAIN` or `Q`) of band `band` (0-based).
pub const fn band_param(band: usize, field: usize) -> usize {
    4 * band + field
}

/// Highest frequency of a band's range (Hz): the host's, Nyquist at 48 kHz. Below 48 kHz the
/// filter clamps further, to Nyquist.
pub const FREQ_MAX: f32 = 24000.0;

macro_rules! eq_params {
    ($(($n:literal, $kind:expr, $freq:expr, $gain:expr, $q:expr)),*) => {
        &[
            $(
                ParamSpec::integer(concat!("band", $n, "Type"), $kind as i32 as f32, 0.0, 7.0),
                ParamSpec::real(concat!("band", $n, "FrequencyHz"), $freq, FREQ_MIN, FREQ_MAX),
                ParamSpec::real(concat!("band", $n, "GainDb"), $gain, -GAIN_MAX, GAIN_MAX),
                ParamSpec::real(concat!("band", $n, "Q"), $q, -Q_DB_MAX, Q_MAX),
            )*
            ParamSpec::integer("bypass", 0.0, 0.0, 1.0),
            ParamSpec::integer("precision", 0.0, 0.0, 1.0),
        ]
    };
}

/// The parameters (see the module docs), with the host's defaults (`DEFAULT_BANDS` of
/// `dsp-stages/eq/params.ts`: every band in use, each type once or more; bypass off) and
/// ranges: 10 Hz to [`FREQ_MAX`], gains within +-40 dB, Q from -40 (dB, lowpass and highpass)
/// to 1000.
pub const PARAMS: &[ParamSpec] = eq_params!(
    ("1", Kind::Highpass, 40.0, 0.0, 0.0),
    ("2", Kind::LowShelf, 120.0, 4.0, 1.0),
    ("3", Kind::Peaking, 400.0, -3.0, 1.2),
    ("4", Kind::Peaking, 1000.0, 6.0, 1.0),
    ("5", Kind::Peaking, 2500.0, -4.0, 2.0),
    ("6", Kind::Notch, 6100.0, 0.0, 8.0),
    ("7", Kind::HighShelf, 8000.0, 3.0, 1.0),
    ("8", Kind::Lowpass, 18000.0, 0.0, 0.0)
);

/// A band that is off: the values of every band of a flat EQ (`eq_create`'s), in parameter
/// order (type, frequency, gain, Q).
pub const OFF_BAND: [f32; 4] = [Kind::Off as i32 as f32, 1000.0, 0.0, 1.0];

/// Every parameter value of a flat EQ: each band [`OFF_BAND`], bypass off, precision exact.
pub const FLAT: [f32; PRECISION + 1] = {
    let mut v = [0.0; PRECISION + 1];
    let mut i = 0;
    while i < 4 * BANDS {
        v[i] = OFF_BAND[i % 4];
        i += 1;
    }
    v
};

/// Builds the EQ at the setup's sample rate for quanta of up to `max_frames`, settled at its
/// parameters. `BadArgument` for a sample rate that is not finite and positive or 0 frames;
/// `BadParam` for a type outside 0 ..= 7 (a range wider than the types').
pub fn create(setup: Setup) -> Result<Box<dyn Stage>, StageError> {
    let kernel = EqStage::new(setup.sample_rate, setup.max_frames).ok_or(StageError::BadArgument)?;
    let mut stage = EqInstance { params: setup.params, kernel };
    for band in 0..BANDS {
        let [kind, freq, gain, q] = stage.band_values(band);
        stage.set_band(band, Kind::from_id(kind as i32).ok_or(StageError::BadParam)?, freq, gain, q)?;
    }
    stage.kernel.set_bypass(stage.params.value(BYPASS) >= 0.5);
    stage.kernel.set_fast(stage.params.value(PRECISION) >= 0.5);
    stage.kernel.restart();
    Ok(Box::new(stage))
}

/// The EQ stage's instance.
pub struct EqInstance {
    params: Params,
    pub(super) kernel: EqStage,
}

impl EqInstance {
    /// The filter itself.
    pub fn kernel(&self) -> &EqStage {
        &self.kernel
    }

    /// Band `band`'s four parameter values.
    fn band_values(&self, band: usize) -> [f32; 4] {
        [TYPE, FREQUENCY, GAIN, Q].map(|f| self.params.value(band_param(band, f)))
    }

    /// Sets band `band` (0 ..= 7): each value clamped to its parameter's range, then as
    /// [`EqStage::set_band`]. `BadArgument` for a band out of range, `BadParam` for a NaN value
    /// (nothing changes). Never allocates.
    pub fn set_band(&mut self, band: usize, kind: Kind, freq_hz: f32, gain_db: f32, q: f32) -> Result<(), StageError> {
        if band >= BANDS {
            return Err(StageError::BadArgument);
        }
        let p = &self.params;
        let kind_value = p.check(band_param(band, TYPE), kind.id() as f32)?;
        let kind = Kind::from_id(kind_value as i32).ok_or(StageError::BadParam)?;
        let freq_hz = p.check(band_param(band, FREQUENCY), freq_hz)?;
        let gain_db = p.check(band_param(band, GAIN), gain_db)?;
        let q = p.check(band_param(band, Q), q)?;
        self.kernel.set_band(band, kind, freq_hz, gain_db, q).map_err(|e| match e {
            SetBandError::BadBand => StageError::BadArgument,
            SetBandError::BadParam => StageError::BadParam,
        })?;
        for (field, v) in [(TYPE, kind_value), (FREQUENCY, freq_hz), (GAIN, gain_db), (Q, q)] {
            self.params.store(band_param(band, field), v);
        }
        Ok(())
    }

    /// Bypass on or off (crossfaded, see [`EqStage::set_bypass`]).
    pub fn set_bypass(&mut self, on: bool) {
        self.kernel.set_bypass(on);
        self.params.store(BYPASS, if on { 1.0 } else { 0.0 });
    }

    /// Precision `fast` or `exact` (see [`EqStage::set_fast`]).
    pub fn set_fast(&mut self, fast: bool) {
        self.kernel.set_fast(fast);
        self.params.store(PRECISION, if fast { 1.0 } else { 0.0 });
    }
}

impl Stage for EqInstance {
    fn params(&self) -> &Params {
        &self.params
    }

    fn params_mut(&mut self) -> &mut Params {
        &mut self.params
    }

    /// One band value (the band is re-sent with its other three), or bypass.
    fn set_param(&mut self, index: usize, value: f32) -> Result<(), StageError> {
        let value = self.params.check(index, value)?;
        if index == BYPASS {
            self.set_bypass(value >= 0.5);
            return Ok(());
        }
        if index == PRECISION {
            self.set_fast(value >= 0.5);
            return Ok(());
        }
        let (band, field) = (index / 4, index % 4);
        let mut v = self.band_values(band);
        v[field] = value;
        self.set_band(band, Kind::from_id(v[TYPE] as i32).ok_or(StageError::BadParam)?, v[FREQUENCY], v[GAIN], v[Q])
    }

    /// Filters the newest `n` samples of `input` into the output buffer.
    fn process(&mut self, input: &Ring, n: usize) -> Result<(), StageError> {
        if self.kernel.process(input, n) {
            Ok(())
        } else {
            Err(StageError::BadArgument)
        }
    }

    fn output(&self) -> Option<&[f32]> {
        Some(self.kernel.output())
    }

    /// The quanta replaced by silence (NaN or infinite input).
    fn figures(&self, out: &mut [f64]) -> usize {
        match out.first_mut() {
            Some(o) => {
                *o = self.kernel.nan_quanta() as f64;
                1
            }
            None => 0,
        }
    }

    fn reset(&mut self) {
        self.kernel.restart();
    }

    fn body_size(&self) -> usize {
        super::state::BODY_SIZE
    }

    fn save_body(&self, w: &mut StateWriter) {
        self.kernel.write_state(w);
    }

    fn load_body(&mut self, params: &[f32], r: &mut StateReader) -> Result<(), StageError> {
        self.kernel.read_state(r)?;
        self.params.load(params);
        self.kernel.set_fast(self.params.value(PRECISION) >= 0.5);
        Ok(())
    }
}
