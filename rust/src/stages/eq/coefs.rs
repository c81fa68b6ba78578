//! Biquad coefficients exactly as Chromium computes them for `BiquadFilterNode` (the Web Audio
//! spec's Audio EQ Cookbook formulas, with Blink's operation order and special cases), so that a
//! band's settled coefficients are bit-identical to a native node's.
//!
//! Details that matter for bit-exactness (checked against Chromium 156 output, see `mod.rs`):
//! * the frequency, gain and Q are `f32` values (AudioParams are float); the normalised frequency is
//!   `f / (fs / 2)` in f64 and `w0 = pi * normalised`;
//! * Blink's `pow10(x)` (used for `A = 10^(G/40)` and the lowpass/highpass `10^(Q/20)`) is
//!   `expf(x * ln 10)`: the argument and the result are rounded to `f32`;
//! * everything else is f64, normalised by multiplying with `1 / a0`.

use core::f64::consts::{LN_10, PI};

/// Band types, with their FFI ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Passes the signal through exactly (the band is skipped).
    Off = 0,
    Peaking = 1,
    LowShelf = 2,
    HighShelf = 3,
    Lowpass = 4,
    Highpass = 5,
    Bandpass = 6,
    Notch = 7,
}

impl Kind {
    /// The kind for an FFI id `0..=7`, or `None`.
    pub fn from_id(id: i32) -> Option<Kind> {
        Some(match id {
            0 => Kind::Off,
            1 => Kind::Peaking,
            2 => Kind::LowShelf,
            3 => Kind::HighShelf,
            4 => Kind::Lowpass,
            5 => Kind::Highpass,
            6 => Kind::Bandpass,
            7 => Kind::Notch,
            _ => return None,
        })
    }

    pub fn id(self) -> i32 {
        self as i32
    }

    /// Lowpass and highpass take Q in dB (a resonance); the others a linear Q.
    pub fn q_in_db(self) -> bool {
        matches!(self, Kind::Lowpass | Kind::Highpass)
    }
}

/// Normalised biquad coefficients: `H(z) = (b0 + b1/z + b2/z^2) / (1 + a1/z + a2/z^2)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coefs {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl Coefs {
    /// `H(z) = 1`.
    pub const IDENTITY: Coefs = Coefs { b0: 1.0, b1: 0.0, b2: 0.0, a1: 0.0, a2: 0.0 };

    /// Exactly the identity (such a band passes samples through unchanged and is skipped).
    pub fn is_identity(&self) -> bool {
        *self == Coefs::IDENTITY
    }

    /// Blink's `SetNormalizedCoefficients`: divides by `a0` as a multiplication by `1 / a0`.
    /// A transfer function whose numerator equals its denominator (for instance peaking or shelf
    /// at exactly 0 dB) becomes the exact identity instead of `b / a0 ~ 1 +- 1 ulp`.
    fn normalized(b0: f64, b1: f64, b2: f64, a0: f64, a1: f64, a2: f64) -> Coefs {
        if b0 == a0 && b1 == a1 && b2 == a2 {
            return Coefs::IDENTITY;
        }
        let inv = 1.0 / a0;
        Coefs { b0: b0 * inv, b1: b1 * inv, b2: b2 * inv, a1: a1 * inv, a2: a2 * inv }
    }

    /// `|H(e^{jw})|` at `w` radians per sample, in f64.
    pub fn magnitude(&self, w: f64) -> f64 {
        let (s1, c1) = (-w).sin_cos();
        let (s2, c2) = (-2.0 * w).sin_cos();
        let (nr, ni) = (self.b0 + self.b1 * c1 + self.b2 * c2, self.b1 * s1 + self.b2 * s2);
        let (dr, di) = (1.0 + self.a1 * c1 + self.a2 * c2, self.a1 * s1 + self.a2 * s2);
        (nr.hypot(ni)) / (dr.hypot(di))
    }
}

/// Blink's `pow10`: `10^x` as `expf(x * ln 10)`, argument and result rounded to f32.
pub fn pow10_blink(x: f64) -> f64 {
    let arg = (x * LN_10) as f32;
    ((arg as f64).exp() as f32) as f64
}

/// Coefficients for `kind` at `freq_hz` (clamped to `0 ..= fs/2` as the spec does), `gain_db`
/// and `q` (linear, or dB for lowpass and highpass), at sample rate `fs`. Gain is ignored by
/// lowpass, highpass, bandpass and notch; Q by the shelves. The Web Audio special cases apply at
/// 0 Hz, at Nyquist and for `Q <= 0`.
pub fn coefficients(kind: Kind, freq_hz: f64, gain_db: f64, q: f64, fs: f64) -> Coefs {
    let nyquist = 0.5 * fs;
    let f = freq_hz / nyquist; // normalised: 1 is Nyquist
    match kind {
        Kind::Off => Coefs::IDENTITY,
        Kind::Lowpass => lowpass(f.clamp(0.0, 1.0), q),
        Kind::Highpass => highpass(f.clamp(0.0, 1.0), q),
        Kind::LowShelf => low_shelf(f.clamp(0.0, 1.0), gain_db),
        Kind::HighShelf => high_shelf(f.clamp(0.0, 1.0), gain_db),
        Kind::Peaking => peaking(f.clamp(0.0, 1.0), q, gain_db),
        Kind::Notch => notch(f.clamp(0.0, 1.0), q),
        Kind::Bandpass => bandpass(f.max(0.0), q),
    }
}

const ZERO: (f64, f64, f64, f64, f64, f64) = (0.0, 0.0, 0.0, 1.0, 0.0, 0.0);
const ONE: (f64, f64, f64, f64, f64, f64) = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0);

fn make(c: (f64, f64, f64, f64, f64, f64)) -> Coefs {
    Coefs::normalized(c.0, c.1, c.2, c.3, c.4, c.5)
}

fn lowpass(cutoff: f64, resonance_db: f64) -> Coefs {
    if cutoff == 1.0 {
        make(ONE)
    } else if cutoff > 0.0 {
        let resonance = pow10_blink(resonance_db / 20.0);
        let theta = PI * cutoff;
        let alpha = theta.sin() / (2.0 * resonance);
        let cosw = theta.cos();
        let beta = (1.0 - cosw) / 2.0;
        make((beta, 2.0 * beta, beta, 1.0 + alpha, -2.0 * cosw, 1.0 - alpha))
    } else {
        make(ZERO)
    }
}

fn highpass(cutoff: f64, resonance_db: f64) -> Coefs {
    if cutoff == 1.0 {
        make(ZERO)
    } else if cutoff > 0.0 {
        let resonance = pow10_blink(resonance_db / 20.0);
        let theta = PI * cutoff;
        let alpha = theta.sin() / (2.0 * resonance);
        let cosw = theta.cos();
        let beta = (1.0 + cosw) / 2.0;
        make((beta, -2.0 * beta, beta, 1.0 + alpha, -2.0 * cosw, 1.0 - alpha))
    } else {
        make(ONE)
    }
}

/// Shelf slope `S = 1`: `alpha = sin(w0)/2 * sqrt((A + 1/A)(1/S - 1) + 2)`.
fn shelf_terms(frequency: f64, a: f64) -> (f64, f64) {
    let w0 = PI * frequency;
    let s = 1.0;
    let alpha = 0.5 * w0.sin() * ((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0).sqrt();
    let k = w0.cos();
    let k2 = 2.0 * a.sqrt() * alpha;
    (k, k2)
}

fn low_shelf(frequency: f64, gain_db: f64) -> Coefs {
    let a = pow10_blink(gain_db / 40.0);
    if frequency == 1.0 {
        make((a * a, 0.0, 0.0, 1.0, 0.0, 0.0))
    } else if frequency > 0.0 {
        let (k, k2) = shelf_terms(frequency, a);
        let (ap, am) = (a + 1.0, a - 1.0);
        make((
            a * (ap - am * k + k2),
            2.0 * a * (am - ap * k),
            a * (ap - am * k - k2),
            ap + am * k + k2,
            -2.0 * (am + ap * k),
            ap + am * k - k2,
        ))
    } else {
        make(ONE)
    }
}

fn high_shelf(frequency: f64, gain_db: f64) -> Coefs {
    let a = pow10_blink(gain_db / 40.0);
    if frequency == 1.0 {
        make(ONE)
    } else if frequency > 0.0 {
        let (k, k2) = shelf_terms(frequency, a);
        let (ap, am) = (a + 1.0, a - 1.0);
        make((
            a * (ap + am * k + k2),
            -2.0 * a * (am + ap * k),
            a * (ap + am * k - k2),
            ap - am * k + k2,
            2.0 * (am - ap * k),
            ap - am * k - k2,
        ))
    } else {
        make((a * a, 0.0, 0.0, 1.0, 0.0, 0.0))
    }
}

fn peaking(frequency: f64, q: f64, gain_db: f64) -> Coefs {
    let q = q.max(0.0);
    let a = pow10_blink(gain_db / 40.0);
    if frequency > 0.0 && frequency < 1.0 {
        if q > 0.0 {
            let w0 = PI * frequency;
            let alpha = w0.sin() / (2.0 * q);
            let k = w0.cos();
            make((1.0 + alpha * a, -2.0 * k, 1.0 - alpha * a, 1.0 + alpha / a, -2.0 * k, 1.0 - alpha / a))
        } else {
            make((a * a, 0.0, 0.0, 1.0, 0.0, 0.0))
        }
    } else {
        make(ONE)
    }
}

fn notch(frequency: f64, q: f64) -> Coefs {
    let q = q.max(0.0);
    if frequency > 0.0 && frequency < 1.0 {
        if q > 0.0 {
            let w0 = PI * frequency;
            let alpha = w0.sin() / (2.0 * q);
            let k = w0.cos();
            make((1.0, -2.0 * k, 1.0, 1.0 + alpha, -2.0 * k, 1.0 - alpha))
        } else {
            make(ZERO)
        }
    } else {
        make(ONE)
    }
}

fn bandpass(frequency: f64, q: f64) -> Coefs {
    let q = q.max(0.0);
    if frequency > 0.0 && frequency < 1.0 {
        if q > 0.0 {
            let w0 = PI * frequency;
            let alpha = w0.sin() / (2.0 * q);
            let k = w0.cos();
            make((alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * k, 1.0 - alpha))
        } else {
            make(ONE)
        }
    } else {
        make(ZERO)
    }
}
