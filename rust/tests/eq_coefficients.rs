//! EQ coefficients against an independent f64 implementation of the Web Audio spec's
//! BiquadFilterNode formulas (written here from the spec: plain divisions by a0, `10^x` with
//! `powf`), for every type over a grid of settings, plus the special cases and the designed
//! response. The stage rounds Blink's `pow10` through f32 (to match Chromium bit for bit), so
//! the two agree to ~1e-7 relative rather than to the last bit.

use stagebench_dsp::stages::eq::{coefficients, pow10_blink, Coefs, EqStage, Kind};

const FS: f64 = 48000.0;

/// The spec's formulas, independently: returns (b0, b1, b2, a1, a2) divided by a0.
fn spec(kind: Kind, f0: f64, g: f64, q: f64, fs: f64) -> [f64; 5] {
    let w0 = 2.0 * std::f64::consts::PI * f0 / fs;
    let (sn, cs) = (w0.sin(), w0.cos());
    let a = 10f64.powf(g / 40.0);
    let alpha_q = sn / (2.0 * q);
    let alpha_qdb = sn / (2.0 * 10f64.powf(q / 20.0));
    let s = 1.0;
    let alpha_s = sn / 2.0 * ((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0).sqrt();
    let sa = a.sqrt();
    let (b0, b1, b2, a0, a1, a2) = match kind {
        Kind::Lowpass => ((1.0 - cs) / 2.0, 1.0 - cs, (1.0 - cs) / 2.0, 1.0 + alpha_qdb, -2.0 * cs, 1.0 - alpha_qdb),
        Kind::Highpass => ((1.0 + cs) / 2.0, -(1.0 + cs), (1.0 + cs) / 2.0, 1.0 + alpha_qdb, -2.0 * cs, 1.0 - alpha_qdb),
        Kind::Bandpass => (alpha_q, 0.0, -alpha_q, 1.0 + alpha_q, -2.0 * cs, 1.0 - alpha_q),
        Kind::Notch => (1.0, -2.0 * cs, 1.0, 1.0 + alpha_q, -2.0 * cs, 1.0 - alpha_q),
        Kind::Peaking => (1.0 + alpha_q * a, -2.0 * cs, 1.0 - alpha_q * a, 1.0 + alpha_q / a, -2.0 * cs, 1.0 - alpha_q / a),
        Kind::LowShelf => (
            a * ((a + 1.0) - (a - 1.0) * cs + 2.0 * alpha_s * sa),
            2.0 * a * ((a - 1.0) - (a + 1.0) * cs),
            a * ((a + 1.0) - (a - 1.0) * cs - 2.0 * alpha_s * sa),
            (a + 1.0) + (a - 1.0) * cs + 2.0 * alpha_s * sa,
            -2.0 * ((a - 1.0) + (a + 1.0) * cs),
            (a + 1.0) + (a - 1.0) * cs - 2.0 * alpha_s * sa,
        ),
        Kind::HighShelf => (
            a * ((a + 1.0) + (a - 1.0) * cs + 2.0 * alpha_s * sa),
            -2.0 * a * ((a - 1.0) + (a + 1.0) * cs),
            a * ((a + 1.0) + (a - 1.0) * cs - 2.0 * alpha_s * sa),
            (a + 1.0) - (a - 1.0) * cs + 2.0 * alpha_s * sa,
            2.0 * ((a - 1.0) - (a + 1.0) * cs),
            (a + 1.0) - (a - 1.0) * cs - 2.0 * alpha_s * sa,
        ),
        Kind::Off => (1.0, 0.0, 0.0, 1.0, 0.0, 0.0),
    };
    [b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0]
}

fn arr(c: &Coefs) -> [f64; 5] {
    [c.b0, c.b1, c.b2, c.a1, c.a2]
}

#[test]
fn every_type_matches_the_spec_formulas() {
    let kinds = [Kind::Peaking, Kind::LowShelf, Kind::HighShelf, Kind::Lowpass, Kind::Highpass, Kind::Bandpass, Kind::Notch];
    let mut worst = 0.0f64;
    for &kind in kinds.iter() {
        for &f in [10.0f32, 31.5, 100.0, 440.0, 1000.0, 3333.3, 10000.0, 20000.0, 23999.0].iter() {
            for &g in [-40.0f32, -12.5, -3.0, 0.0, 0.5, 6.0, 24.0, 40.0].iter() {
                let qs: &[f32] =
                    if kind.q_in_db() { &[-40.0, -6.0, 0.0, 3.0, 12.0, 40.0] } else { &[1e-4, 0.1, 0.707, 1.0, 4.3, 30.0, 1000.0] };
                for &q in qs {
                    let c = coefficients(kind, f as f64, g as f64, q as f64, FS);
                    let want = spec(kind, f as f64, g as f64, q as f64, FS);
                    if c.is_identity() {
                        // A numerator equal to the denominator (0 dB) is stored as the exact
                        // identity: the same transfer function.
                        let same = (want[0] - 1.0).abs() < 1e-12 && (want[1] - want[3]).abs() < 1e-12 && (want[2] - want[4]).abs() < 1e-12;
                        assert!(same && g == 0.0, "{:?} f {} g {} q {}: identity vs {:?}", kind, f, g, q, want);
                        continue;
                    }
                    let got = arr(&c);
                    // Scale: the largest coefficient (they can reach ~1e4 for extreme settings).
                    let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
                    for (a, b) in got.iter().zip(want.iter()) {
                        let e = (a - b).abs() / scale;
                        worst = worst.max(e);
                        assert!(e < 2e-6, "{:?} f {} g {} q {}: {:?} vs {:?}", kind, f, g, q, got, want);
                    }
                }
            }
        }
    }
    // Blink's f32 pow10 is the only deviation: ~6e-8 relative in A.
    assert!(worst > 0.0 && worst < 2e-6, "worst {}", worst);
}

#[test]
fn gain_only_moves_the_gain_types_and_q_only_the_q_types() {
    for kind in [Kind::Lowpass, Kind::Highpass, Kind::Bandpass, Kind::Notch] {
        assert_eq!(coefficients(kind, 1234.0, -20.0, 2.0, FS), coefficients(kind, 1234.0, 20.0, 2.0, FS), "{:?}", kind);
    }
    for kind in [Kind::LowShelf, Kind::HighShelf] {
        assert_eq!(coefficients(kind, 1234.0, 6.0, 0.1, FS), coefficients(kind, 1234.0, 6.0, 100.0, FS), "{:?}", kind);
    }
}

#[test]
fn special_cases_follow_the_spec() {
    let ny = FS / 2.0;
    let gain = |db: f64| {
        let a = pow10_blink(db / 40.0);
        Coefs { b0: a * a, b1: 0.0, b2: 0.0, a1: 0.0, a2: 0.0 }
    };
    let zero = Coefs { b0: 0.0, b1: 0.0, b2: 0.0, a1: 0.0, a2: 0.0 };
    // At Nyquist (and beyond, clamped).
    for f in [ny, ny * 1.5] {
        assert!(coefficients(Kind::Lowpass, f, 0.0, 3.0, FS).is_identity());
        assert_eq!(coefficients(Kind::Highpass, f, 0.0, 3.0, FS), zero);
        assert_eq!(coefficients(Kind::LowShelf, f, 6.0, 1.0, FS), gain(6.0));
        assert!(coefficients(Kind::HighShelf, f, 6.0, 1.0, FS).is_identity());
        assert!(coefficients(Kind::Peaking, f, 6.0, 1.0, FS).is_identity());
        assert!(coefficients(Kind::Notch, f, 0.0, 1.0, FS).is_identity());
        assert_eq!(coefficients(Kind::Bandpass, f, 0.0, 1.0, FS), zero);
    }
    // At 0 Hz.
    assert_eq!(coefficients(Kind::Lowpass, 0.0, 0.0, 3.0, FS), zero);
    assert!(coefficients(Kind::Highpass, 0.0, 0.0, 3.0, FS).is_identity());
    assert!(coefficients(Kind::LowShelf, 0.0, 6.0, 1.0, FS).is_identity());
    assert_eq!(coefficients(Kind::HighShelf, 0.0, 6.0, 1.0, FS), gain(6.0));
    assert!(coefficients(Kind::Peaking, 0.0, 6.0, 1.0, FS).is_identity());
    assert!(coefficients(Kind::Notch, 0.0, 0.0, 1.0, FS).is_identity());
    assert_eq!(coefficients(Kind::Bandpass, 0.0, 0.0, 1.0, FS), zero);
    // Q <= 0 for the linear-Q types.
    for q in [0.0, -1.0] {
        assert_eq!(coefficients(Kind::Peaking, 1000.0, 6.0, q, FS), gain(6.0));
        assert_eq!(coefficients(Kind::Notch, 1000.0, 0.0, q, FS), zero);
        assert!(coefficients(Kind::Bandpass, 1000.0, 0.0, q, FS).is_identity());
    }
    // 0 dB peaking and shelves are exactly the identity (b == a); off too.
    for kind in [Kind::Peaking, Kind::LowShelf, Kind::HighShelf, Kind::Off] {
        assert!(coefficients(kind, 700.0, 0.0, 3.0, FS).is_identity(), "{:?}", kind);
    }
    // pow10 rounds through f32 like Blink's expf(x * ln 10).
    assert_eq!(pow10_blink(0.0), 1.0);
    assert_eq!(pow10_blink(0.15), (((0.15f64 * std::f64::consts::LN_10) as f32 as f64).exp() as f32) as f64);
    assert!((pow10_blink(0.3) - 10f64.powf(0.3)).abs() < 2e-7);
}

#[test]
fn set_band_clamps_to_the_documented_ranges_and_refuses_nan() {
    let mut eq = EqStage::new(44100.0, 128).unwrap();
    eq.set_band(0, Kind::Peaking, 1.0, 99.0, 1e9).unwrap();
    let b = eq.band(0).unwrap();
    assert_eq!((b.freq_hz, b.gain_db, b.q), (10.0, 40.0, 1000.0));
    eq.set_band(0, Kind::Peaking, 1e9, -99.0, 0.0).unwrap();
    let b = eq.band(0).unwrap();
    assert_eq!((b.freq_hz, b.gain_db, b.q), (22050.0, -40.0, 1e-4));
    eq.set_band(1, Kind::Lowpass, f32::INFINITY, 0.0, -99.0).unwrap();
    let b = eq.band(1).unwrap();
    assert_eq!((b.freq_hz, b.q), (22050.0, -40.0));
    eq.set_band(1, Kind::Highpass, 100.0, 0.0, 99.0).unwrap();
    assert_eq!(eq.band(1).unwrap().q, 40.0);
    let before = eq.band(2).unwrap();
    for (f, g, q) in [(f32::NAN, 0.0, 1.0), (100.0, f32::NAN, 1.0), (100.0, 0.0, f32::NAN)] {
        assert!(eq.set_band(2, Kind::Notch, f, g, q).is_err());
    }
    assert_eq!(eq.band(2).unwrap(), before);
    assert!(eq.set_band(8, Kind::Notch, 100.0, 0.0, 1.0).is_err());
    assert_eq!(Kind::from_id(8), None);
    assert_eq!(Kind::from_id(-1), None);
    for id in 0..8 {
        assert_eq!(Kind::from_id(id).unwrap().id(), id);
    }
}

#[test]
fn designed_response_is_the_product_of_the_band_responses() {
    let mut eq = EqStage::new(FS as f32, 128).unwrap();
    let bands: [(Kind, f32, f32, f32); 8] = [
        (Kind::LowShelf, 80.0, 6.0, 1.0),
        (Kind::Peaking, 250.0, -3.0, 1.0),
        (Kind::Peaking, 1000.0, 4.0, 2.0),
        (Kind::Notch, 5000.0, 0.0, 2.0),
        (Kind::HighShelf, 10000.0, 3.0, 1.0),
        (Kind::Highpass, 30.0, 0.0, 0.0),
        (Kind::Lowpass, 18000.0, 3.0, 0.0),
        (Kind::Bandpass, 2000.0, 0.0, 0.2),
    ];
    for (i, &(k, f, g, q)) in bands.iter().enumerate() {
        eq.set_band(i, k, f, g, q).unwrap();
    }
    // From the spec formulas, evaluated independently.
    for &f in [20.0f64, 63.0, 250.0, 1000.0, 2000.0, 5000.0, 9000.0, 17000.0, 23000.0].iter() {
        let w = 2.0 * std::f64::consts::PI * f / FS;
        let mut mag = 1.0;
        for &(k, f0, g, q) in bands.iter() {
            let c = spec(k, f0 as f64, g as f64, q as f64, FS);
            let z1 = (w.cos(), -w.sin());
            let z2 = ((2.0 * w).cos(), -(2.0 * w).sin());
            let num = (c[0] + c[1] * z1.0 + c[2] * z2.0, c[1] * z1.1 + c[2] * z2.1);
            let den = (1.0 + c[3] * z1.0 + c[4] * z2.0, c[3] * z1.1 + c[4] * z2.1);
            mag *= num.0.hypot(num.1) / den.0.hypot(den.1);
        }
        let want = (20.0 * mag.log10()).max(-300.0);
        let got = eq.magnitude_response(f);
        assert!((got - want).abs() < 1e-4, "{} Hz: {} vs {}", f, got, want);
    }
    assert!(eq.magnitude_response(-1.0).is_nan());
    assert!(eq.magnitude_response(24001.0).is_nan());
    // A notch's exact zero reads the floor; bypass does not change the design.
    let mut eq = EqStage::new(FS as f32, 128).unwrap();
    eq.set_band(0, Kind::Lowpass, 1000.0, 0.0, 0.0).unwrap();
    assert_eq!(eq.magnitude_response(24000.0), -300.0);
    eq.set_bypass(true);
    assert!((eq.magnitude_response(1000.0) - 0.0).abs() < 1e-6);
}
