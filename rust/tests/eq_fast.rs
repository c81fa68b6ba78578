//! The EQ's `fast` precision: the f32 pipelined kernel against its own scalar form (bit for bit,
//! across calls of any length), against the exact arithmetic (within tolerance), the designed
//! response from its impulse response (within 0.01 dB from 20 Hz to 20 kHz at 44.1, 48 and 96 kHz), and the stage's
//! behaviour in fast mode (NaN quanta, smoothing, crossfades). Fixed seeds.

use stagebench_dsp::stages::eq::{coefficients, run_fast_kernel, run_fast_scalar, Coefs, EqStage, Kind, SecState, PARAMS};

mod common;
use common::TYPICAL;

const FS: f32 = 48000.0;

/// Numerical Recipes LCG; uniform in [0, 1).
struct Lcg(u32);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 8) as f64 / 16_777_216.0
    }
}

fn noise(n: usize, seed: u32) -> Vec<f32> {
    let mut r = Lcg(seed);
    (0..n).map(|_| (r.next() - 0.5) as f32).collect()
}

/// The host's default bands (every type, all eight in use).
fn defaults() -> [(Kind, f32, f32, f32); 8] {
    let mut b = [(Kind::Off, 0.0, 0.0, 0.0); 8];
    for (i, band) in b.iter_mut().enumerate() {
        let v = |f: usize| PARAMS[4 * i + f].default;
        *band = (Kind::from_id(v(0) as i32).unwrap(), v(1), v(2), v(3));
    }
    b
}

/// Low bands and strong boosts: the hardest for f32 feedback.
const LOW: [(Kind, f32, f32, f32); 8] = [
    (Kind::Highpass, 20.0, 3.0, 0.0),
    (Kind::LowShelf, 40.0, 12.0, 1.0),
    (Kind::Peaking, 25.0, -12.0, 4.0),
    (Kind::Peaking, 100.0, 12.0, 8.0),
    (Kind::Bandpass, 3000.0, 0.0, 0.15),
    (Kind::Notch, 6000.0, 0.0, 1.0),
    (Kind::HighShelf, 15000.0, -6.0, 1.0),
    (Kind::Lowpass, 19000.0, 6.0, 0.0),
];

fn settled(bands: &[(Kind, f32, f32, f32)], max_frames: usize, fast: bool) -> EqStage {
    settled_at(FS, bands, max_frames, fast)
}

fn settled_at(fs: f32, bands: &[(Kind, f32, f32, f32)], max_frames: usize, fast: bool) -> EqStage {
    let mut eq = EqStage::new(fs, max_frames).unwrap();
    for (i, &(k, f, g, q)) in bands.iter().enumerate() {
        eq.set_band(i, k, f, g, q).unwrap();
    }
    eq.set_fast(fast);
    eq.reset();
    eq
}

fn run(eq: &mut EqStage, x: &[f32], q: usize) -> Vec<f32> {
    let mut y = vec![0.0f32; x.len()];
    for (i, o) in x.chunks(q).zip(y.chunks_mut(q)) {
        eq.process_block(i, o);
    }
    y
}

fn max_diff(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b.iter()).fold(0.0, |m, (&x, &y)| m.max((x as f64 - y as f64).abs()))
}

#[test]
fn the_pipeline_equals_its_scalar_form_bit_for_bit() {
    let mut r = Lcg(0x5eed_fa57);
    let lengths = [1usize, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 31, 128, 333, 1024];
    for trial in 0..64 {
        let m = 1 + trial % 8;
        let mut co = [Coefs::IDENTITY; 8];
        for c in co.iter_mut().take(m) {
            let kind = Kind::from_id(1 + (r.next() * 7.0) as i32).unwrap();
            let f = 20.0 * 1000f64.powf(r.next());
            let g = (r.next() - 0.5) * 30.0;
            let q = if kind.q_in_db() { (r.next() - 0.3) * 20.0 } else { 0.3 * 30f64.powf(r.next()) };
            *c = coefficients(kind, f.min(24000.0), g, q, FS as f64);
        }
        let mut sa = [SecState::default(); 8];
        let mut sb = [SecState::default(); 8];
        for (call, &n) in lengths.iter().enumerate() {
            let x = noise(n, (trial * 100 + call) as u32);
            let mut want = vec![0.0f32; n];
            run_fast_scalar(&co[..m], &mut sa[..m], &x, &mut want);
            let mut got = vec![0.0f32; n];
            run_fast_kernel(&co[..m], &mut sb[..m], &x, &mut got);
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "{m} sections, call {call} of {n} samples");
            assert_eq!(sa[..m], sb[..m], "states after {m} sections, call {call}");
        }
    }
}

#[test]
fn fast_stays_near_the_exact_arithmetic() {
    let x = noise(96000, 7);
    for (name, bands, tol) in [("defaults", defaults(), 5e-4), ("typical", TYPICAL, 5e-4), ("low", LOW, 1e-4)] {
        for q in [37, 128, 1000] {
            let exact = run(&mut settled(&bands, 1024, false), &x, q);
            let fast = run(&mut settled(&bands, 1024, true), &x, q);
            let d = max_diff(&exact, &fast);
            println!("{name}, quanta of {q}: fast - exact up to {d:.2e}");
            assert!(d < tol && d > 0.0, "{name}, quanta of {q}: {d:e}");
        }
    }
}

/// `|DFT|` in dB of `h` at `f` Hz, at sample rate `fs`.
fn dft_db(h: &[f32], f: f64, fs: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f / fs;
    let (mut re, mut im) = (0.0f64, 0.0f64);
    let (c, s) = (w.cos(), w.sin());
    // the phasor by recurrence, renormalised now and then
    let (mut pr, mut pi) = (1.0f64, 0.0f64);
    for (i, &v) in h.iter().enumerate() {
        re += v as f64 * pr;
        im -= v as f64 * pi;
        let npr = pr * c - pi * s;
        pi = pr * s + pi * c;
        pr = npr;
        if i % 1024 == 1023 {
            let k = 1.0 / pr.hypot(pi);
            pr *= k;
            pi *= k;
        }
    }
    10.0 * (re * re + im * im).log10()
}

/// The impulse response of `bands` through the stage (exact or fast) at `fs`.
fn impulse_response(fs: f32, bands: &[(Kind, f32, f32, f32)], fast: bool) -> (EqStage, Vec<f32>) {
    let n = if fs > 50000.0 { 1 << 18 } else { 1 << 17 };
    let mut eq = settled_at(fs, bands, 1024, fast);
    let mut x = vec![0.0f32; n];
    x[0] = 1.0;
    let h = run(&mut eq, &x, 1024);
    assert!(h[n - 4096..].iter().all(|v| v.abs() < 1e-9), "the impulse response has decayed");
    (eq, h)
}

/// The largest |fast response - design| (and the exact arithmetic's) in dB at 20..100 Hz and at
/// 100 Hz..20 kHz: 301 log-spaced frequencies, wherever the design is above -40 dB (deeper in a
/// stopband or notch the f32 output's rounding decides).
fn worst_db(fs: f32, bands: &[(Kind, f32, f32, f32)]) -> ([f64; 2], [f64; 2]) {
    let (eq, fast) = impulse_response(fs, bands, true);
    let (_, exact) = impulse_response(fs, bands, false);
    let (mut worst, mut worst_exact, mut checked) = ([0.0f64; 2], [0.0f64; 2], 0);
    for k in 0..=300 {
        let f = 20.0 * 1000f64.powf(k as f64 / 300.0);
        let want = eq.magnitude_response(f);
        if want < -40.0 {
            continue;
        }
        let (e, ex) = ((dft_db(&fast, f, fs as f64) - want).abs(), (dft_db(&exact, f, fs as f64) - want).abs());
        let band = (f >= 100.0) as usize;
        worst[band] = worst[band].max(e);
        worst_exact[band] = worst_exact[band].max(ex);
        checked += 1;
    }
    assert!(checked > 250, "{checked} frequencies checked");
    (worst, worst_exact)
}

/// The impulse response's spectrum follows the design within 0.01 dB from 20 Hz to 20 kHz at
/// 44.1, 48 and 96 kHz, with the host's defaults (a 40 Hz highpass), typical bands (a 30 Hz
/// highpass) and low ones (a 20 Hz highpass, a Q 4 cut at 25 Hz, +12 dB at 100 Hz, Q 8).
/// Measured worst, fast: 0.00024 dB at 44.1 and 48 kHz, 0.00057 dB at 96 kHz (the `low` bands at
/// 20..100 Hz). The exact arithmetic (printed beside it, not checked) departs by up to 0.057 dB
/// at 48 kHz and 0.11 dB at 96 kHz below 100 Hz: Chromium's f32 feedback rounding near low poles.
#[test]
fn the_fast_impulse_response_follows_the_design() {
    let mut typical_no_notch = TYPICAL;
    typical_no_notch[7] = (Kind::Notch, 600.0, 0.0, 10.0);
    let mut failures = Vec::new();
    for fs in [44100.0, 48000.0, 96000.0] {
        for (name, bands) in [("defaults", defaults()), ("typical", typical_no_notch), ("low", LOW)] {
            let (worst, exact) = worst_db(fs, &bands);
            println!(
                "{fs} Hz, {name}: worst fast {:.5} dB at 20-100 Hz, {:.5} dB at 100 Hz-20 kHz (exact {:.4}, {:.4})",
                worst[0], worst[1], exact[0], exact[1]
            );
            for (b, range) in ["20-100 Hz", "100 Hz-20 kHz"].iter().enumerate() {
                if worst[b] >= 0.01 || worst[b].is_nan() {
                    failures.push(format!("{fs} Hz, {name}: {:.4} dB from the design at {range}", worst[b]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn fast_mode_silences_nan_quanta_and_smooths_changes_as_exact() {
    let x = noise(48000, 3);
    let mut bad = x.clone();
    bad[5000] = f32::NAN;
    bad[20000] = f32::INFINITY;
    let mut eqs = [settled(&TYPICAL, 128, false), settled(&TYPICAL, 128, true)];
    let mut outs = [vec![0.0f32; x.len()], vec![0.0f32; x.len()]];
    for (eq, out) in eqs.iter_mut().zip(outs.iter_mut()) {
        for (q, (i, o)) in bad.chunks(128).zip(out.chunks_mut(128)).enumerate() {
            if q == 100 {
                // a smoothed gain jump and a crossfaded type change in the middle
                eq.set_band(2, Kind::Peaking, 2000.0, 12.0, 1.0).unwrap();
                eq.set_band(5, Kind::LowShelf, 200.0, -6.0, 1.0).unwrap();
            }
            eq.process_block(i, o);
        }
        assert_eq!(eq.nan_quanta(), 2);
        assert!(!eq.busy());
    }
    let [exact, fast] = &outs;
    for q in [5000 / 128, 20000 / 128] {
        assert!(fast[q * 128..(q + 1) * 128].iter().all(|&v| v == 0.0), "quantum {q} is silent");
    }
    let d = max_diff(exact, fast);
    assert!(d < 1e-3, "fast - exact through NaN quanta, a smoothed jump and a crossfade: {d:e}");
    // after a NaN quantum the filters restart from rest: the next quantum is a new stage's
    let first = 5000 / 128 * 128 + 128;
    let mut fresh = settled(&TYPICAL, 128, true);
    let mut want = vec![0.0f32; 128];
    fresh.process_block(&bad[first..first + 128], &mut want);
    assert_eq!(&fast[first..first + 128], &want[..]);
}

#[test]
fn the_precision_parameter_switches_the_kernel() {
    use stagebench_dsp::stages::eq::{EqInstance, PRECISION};
    use stagebench_dsp::stages::{self, downcast_mut, Stage};
    assert_eq!(PARAMS.len(), PRECISION + 1, "precision is the last kernel parameter");
    assert_eq!((PARAMS[PRECISION].name, PARAMS[PRECISION].default), ("precision", 0.0));
    let kind = stages::find("eq").unwrap();
    let mut block: Vec<f32> = PARAMS.iter().flat_map(|p| [p.default, p.min, p.max]).collect();
    let fast = |s: &mut Box<dyn Stage>| downcast_mut::<EqInstance>(s.as_mut()).unwrap().kernel().fast();
    let mut s = stages::create(kind, FS, 128, 4096, &block).unwrap();
    assert!(!fast(&mut s), "exact by default");
    assert_eq!(s.set_param(PRECISION, 1.0), Ok(()));
    assert!(fast(&mut s));
    assert_eq!(s.param(PRECISION), Some(1.0));
    assert_eq!(s.set_param(PRECISION, 0.0), Ok(()));
    assert!(!fast(&mut s));
    block[3 * PRECISION] = 1.0;
    let mut f = stages::create(kind, FS, 128, 4096, &block).unwrap();
    assert!(fast(&mut f), "a block's precision 1 is fast");
}
