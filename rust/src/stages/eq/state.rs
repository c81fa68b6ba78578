//! The EQ's saved state: everything in its `Core`, so that a loaded EQ continues bit for bit
//! where the saved one was (smoothers, crossfades, filter memories, bypass fade, NaN count).
//!
//! Layout (little-endian): sample rate (f64; must equal the loading EQ's), smoothing constant
//! (f64), bypass (u8), bypass fade position, samples to the next smoothing tick and the NaN count
//! (u32 each), the last two input samples (f32); then per band: type (u8), frequency, gain and
//! Q (f32), target coefficients (5 f64), smoother values (3 f64), smoothing flag (u8), the
//! section's coefficients and state, a crossfade flag (u8) with the old section and position
//! (zeros without one), and the band's input and output histories (2 f32 each).

use super::{Band, BandParams, Coefs, Core, EqStage, Fade, Kind, SecState, Section, BANDS, TICK};
use crate::stages::{StageError, StateReader, StateWriter};

/// Bytes of coefficients.
const COEFS: usize = 5 * 8;
/// Bytes of a section state.
const SEC_STATE: usize = 2 * 4 + 2 * 8;
/// Bytes of a band.
const BAND: usize = (1 + 3 * 4) + COEFS + 3 * 8 + 1 + (COEFS + SEC_STATE) + 1 + (COEFS + SEC_STATE + 4) + 2 * 4 + 2 * 4;
/// Bytes of the whole body.
pub(super) const BODY_SIZE: usize = 8 + 8 + 1 + 3 * 4 + 2 * 4 + BANDS * BAND;

fn put_coefs(w: &mut StateWriter, c: &Coefs) {
    for v in [c.b0, c.b1, c.b2, c.a1, c.a2] {
        w.f64(v);
    }
}

fn get_coefs(r: &mut StateReader) -> Result<Coefs, StageError> {
    Ok(Coefs { b0: r.f64()?, b1: r.f64()?, b2: r.f64()?, a1: r.f64()?, a2: r.f64()? })
}

fn put_section(w: &mut StateWriter, s: &Section) {
    put_coefs(w, &s.coefs);
    w.f32(s.state.y1);
    w.f32(s.state.y2);
    w.f64(s.state.p1);
    w.f64(s.state.q2);
}

fn get_section(r: &mut StateReader) -> Result<Section, StageError> {
    let coefs = get_coefs(r)?;
    Ok(Section { coefs, state: SecState { y1: r.f32()?, y2: r.f32()?, p1: r.f64()?, q2: r.f64()? } })
}

fn put_pair(w: &mut StateWriter, p: (f32, f32)) {
    w.f32(p.0);
    w.f32(p.1);
}

fn get_pair(r: &mut StateReader) -> Result<(f32, f32), StageError> {
    Ok((r.f32()?, r.f32()?))
}

const NO_SECTION: Section = Section { coefs: Coefs::IDENTITY, state: SecState { y1: 0.0, y2: 0.0, p1: 0.0, q2: 0.0 } };

impl EqStage {
    /// Writes the state ([`BODY_SIZE`] bytes).
    pub(super) fn write_state(&self, w: &mut StateWriter) {
        let c = &self.core;
        w.f64(c.fs);
        w.f64(c.smoothing_k);
        w.bool(c.bypass);
        w.u32(c.bypass_pos as u32);
        w.u32(c.tick_left as u32);
        w.u32(c.nan_quanta);
        put_pair(w, c.hist);
        for b in c.bands.iter() {
            w.u8(b.target.kind.id() as u8);
            w.f32(b.target.freq_hz);
            w.f32(b.target.gain_db);
            w.f32(b.target.q);
            put_coefs(w, &b.target_coefs);
            for v in b.cur {
                w.f64(v);
            }
            w.bool(b.moving);
            put_section(w, &b.sec);
            w.bool(b.fade.is_some());
            let (old, pos) = b.fade.map_or((NO_SECTION, 0), |f| (f.old, f.pos));
            put_section(w, &old);
            w.u32(pos as u32);
            put_pair(w, b.in_hist);
            put_pair(w, b.out_hist);
        }
    }

    /// Reads what [`EqStage::write_state`] wrote and, if every value is one the EQ can hold (same
    /// sample rate, finite numbers, positions within their fades), becomes that state; the
    /// buffers are cleared. `BadState`, changing nothing, otherwise. Never allocates.
    pub(super) fn read_state(&mut self, r: &mut StateReader) -> Result<(), StageError> {
        let mut c: Core = self.core.clone();
        let fs = r.f64()?;
        let smoothing_k = r.f64()?;
        if fs.to_bits() != c.fs.to_bits() || !(smoothing_k > 0.0 && smoothing_k <= 1.0) {
            return Err(StageError::BadState);
        }
        c.smoothing_k = smoothing_k;
        c.bypass = r.bool()?;
        c.bypass_pos = r.index(0..=c.fade_len)?;
        c.tick_left = r.index(1..=TICK)?;
        c.nan_quanta = r.u32()?;
        c.hist = get_pair(r)?;
        for b in c.bands.iter_mut() {
            *b = get_band(r, c.fade_len)?;
        }
        c.fast_plan = None;
        self.core = c;
        self.clear_buffers();
        Ok(())
    }
}

fn get_band(r: &mut StateReader, fade_len: usize) -> Result<Band, StageError> {
    let kind = Kind::from_id(r.u8()? as i32).ok_or(StageError::BadState)?;
    let target = BandParams { kind, freq_hz: r.f32()?, gain_db: r.f32()?, q: r.f32()? };
    let target_coefs = get_coefs(r)?;
    let cur = [r.f64()?, r.f64()?, r.f64()?];
    let moving = r.bool()?;
    let sec = get_section(r)?;
    let fading = r.bool()?;
    let old = get_section(r)?;
    let pos = r.index(0..=fade_len)?;
    let in_hist = get_pair(r)?;
    let out_hist = get_pair(r)?;
    let fade = if fading { Some(Fade { old, pos }) } else { None };
    Ok(Band { target, target_coefs, cur, moving, sec, fade, in_hist, out_hist })
}
