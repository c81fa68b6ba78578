//! Accuracy of the real FFT (scalar path, natively) against an `f64` DFT, Parseval, and the
//! spectrum stage's window, peak and sidelobe behaviour. Fixed seeds, LCG noise, no crates.

use stagebench_dsp::fft::RealFft;
use stagebench_dsp::ring::Ring;
use stagebench_dsp::stages::fft::FftStage;
use stagebench_dsp::window::{bessel_i0, WindowKind};

const SIZES: [usize; 7] = [512, 1024, 2048, 4096, 8192, 16384, 32768];

/// Numerical Recipes LCG.
struct Lcg(u32);

impl Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }
    /// Uniform in [-1, 1).
    fn uniform(&mut self) -> f32 {
        f32::from_bits((self.next_u32() >> 9) | 0x4000_0000) - 3.0
    }
}

fn noise(n: usize, seed: u32) -> Vec<f32> {
    let mut rng = Lcg(seed);
    (0..n).map(|_| rng.uniform()).collect()
}

/// `e^{-2 pi i j / n}` for `j = 0..n`, in f64.
fn dft_table(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|j| {
            let a = 2.0 * std::f64::consts::PI * j as f64 / n as f64;
            (a.cos(), -a.sin())
        })
        .collect()
}

/// Bin `k` of the DFT of `x`, in f64 (the exponent reduced exactly modulo `n`).
fn dft_bin(x: &[f32], table: &[(f64, f64)], k: usize) -> (f64, f64) {
    let n = x.len();
    let (mut re, mut im) = (0.0f64, 0.0f64);
    let mut idx = 0usize;
    for &v in x {
        let (c, s) = table[idx];
        re += v as f64 * c;
        im += v as f64 * s;
        idx += k;
        if idx >= n {
            idx -= n;
        }
    }
    (re, im)
}

fn transform(x: &[f32]) -> Vec<f32> {
    let mut fft = RealFft::new(x.len()).unwrap();
    let mut out = vec![0.0f32; x.len() + 2];
    assert!(fft.process(x, &mut out));
    out
}

#[test]
fn matches_f64_dft_on_noise_for_every_size() {
    let mut rng = Lcg(0x5eed_0001);
    for (i, &n) in SIZES.iter().enumerate() {
        let x = noise(n, 1000 + i as u32);
        let got = transform(&x);
        let table = dft_table(n);
        // Full spectrum up to 4096; a random subset of 64 bins (plus 0, 1, N/2) above.
        let bins: Vec<usize> = if n <= 4096 {
            (0..=n / 2).collect()
        } else {
            let mut b: Vec<usize> = (0..64).map(|_| rng.next_u32() as usize % (n / 2 + 1)).collect();
            b.extend_from_slice(&[0, 1, n / 2]);
            b
        };
        let (mut err2, mut ref2) = (0.0f64, 0.0f64);
        let mut worst = 0.0f64;
        for &k in &bins {
            let (rr, ri) = dft_bin(&x, &table, k);
            let (gr, gi) = (got[2 * k] as f64, got[2 * k + 1] as f64);
            let e2 = (gr - rr).powi(2) + (gi - ri).powi(2);
            err2 += e2;
            ref2 += rr * rr + ri * ri;
            worst = worst.max(e2.sqrt());
        }
        let rel = (err2 / ref2).sqrt();
        let rms_ref = (ref2 / bins.len() as f64).sqrt();
        println!(
            "N = {:5}: relative RMS error {:.3e} over {} bins, worst bin error {:.3e} of RMS |X|",
            n,
            rel,
            bins.len(),
            worst / rms_ref
        );
        assert!(rel <= 1e-6, "N = {}: relative RMS error {:e}", n, rel);
        // DC and Nyquist are real.
        assert_eq!(got[1], 0.0);
        assert_eq!(got[n + 1], 0.0);
    }
}

#[test]
fn parseval_holds_for_every_size() {
    for (i, &n) in SIZES.iter().enumerate() {
        let x = noise(n, 2000 + i as u32);
        let got = transform(&x);
        let time: f64 = x.iter().map(|&v| (v as f64) * (v as f64)).sum();
        let p = |k: usize| (got[2 * k] as f64).powi(2) + (got[2 * k + 1] as f64).powi(2);
        let inner: f64 = (1..n / 2).map(p).sum();
        let freq = (p(0) + p(n / 2) + 2.0 * inner) / n as f64;
        let rel = (freq - time).abs() / time;
        println!("N = {:5}: Parseval relative error {:.3e}", n, rel);
        assert!(rel <= 1e-5, "N = {}: Parseval relative error {:e}", n, rel);
    }
}

/// Fills a ring with `n` samples of `amp sin(2 pi f t + phase)` at `fs`, as the host would.
fn sine_ring(n: usize, f: f64, fs: f64, amp: f64, phase: f64) -> Ring {
    let mut ring = Ring::new(n).unwrap();
    let x: Vec<f32> = (0..n).map(|i| (amp * (2.0 * std::f64::consts::PI * f * i as f64 / fs + phase).sin()) as f32).collect();
    // Two pushes so the frame wraps around the ring's end.
    ring.push(&x[..n / 3]);
    ring.push(&x[n / 3..]);
    ring
}

/// Peak frequency error (Hz) and peak level (dBFS) for a full-scale sine.
fn peak_of(stage: &mut FftStage, f: f64, fs: f64, phase: f64) -> (f64, f64) {
    let n = stage.size();
    let ring = sine_ring(n, f, fs, 1.0, phase);
    assert!(stage.process(&ring));
    (stage.peak_bin() * fs / n as f64 - f, stage.peak_db() as f64)
}

#[test]
fn sine_peak_is_within_0_05_hz_at_32768() {
    let (n, fs) = (32768, 48000.0);
    for (kind, beta) in [(WindowKind::Kaiser, 9.0f32), (WindowKind::Hann, 0.0)] {
        let mut stage = FftStage::new(n, kind, beta).unwrap();
        // The brief's case: 1000.37 Hz is 682.92 bins, not bin-centred.
        let (err, db) = peak_of(&mut stage, 1000.37, fs, 0.3);
        println!("{:?}: 1000.37 Hz -> error {:.2e} Hz, level {:.5} dBFS", kind, err, db);
        assert!(err.abs() < 0.05, "{:?}: error {} Hz", kind, err);
        assert!(db.abs() < 0.01, "{:?}: level {} dBFS", kind, db);

        // A log spread from 20 Hz to 20 kHz with pseudo-random offsets from the bin centres.
        let mut rng = Lcg(0x00c0_ffee);
        let (mut worst_err, mut worst_db) = (0.0f64, 0.0f64);
        for i in 0..40 {
            let f = 20.0 * 1000f64.powf(i as f64 / 39.0) + (rng.uniform() as f64) * 0.7;
            let phase = rng.uniform() as f64 * 3.0;
            let (err, db) = peak_of(&mut stage, f, fs, phase);
            worst_err = worst_err.max(err.abs());
            worst_db = worst_db.max(db.abs());
            assert!(err.abs() < 0.05, "{:?}: {} Hz -> error {} Hz", kind, f, err);
            assert!(db.abs() < 0.01, "{:?}: {} Hz -> level {} dBFS", kind, f, db);
        }
        println!("{:?}: 20 Hz .. 20 kHz worst error {:.2e} Hz, worst |level| {:.5} dB", kind, worst_err, worst_db);
    }
}

#[test]
fn parabolic_fit_alone_is_within_0_05_hz_for_kaiser_and_hann() {
    // Without the Newton refinement the log-parabola must already meet the requirement; the
    // refinement only makes it tighter.
    let (n, fs) = (32768, 48000.0);
    for (kind, beta) in [(WindowKind::Kaiser, 9.0f32), (WindowKind::Hann, 0.0)] {
        let mut stage = FftStage::new(n, kind, beta).unwrap();
        stage.set_newton_steps(0);
        let mut worst = 0.0f64;
        for frac in [0.0, 0.13, 0.25, 0.37, 0.5, 0.66, 0.81] {
            let f = (683.0 + frac) * fs / n as f64;
            worst = worst.max(peak_of(&mut stage, f, fs, 1.0).0.abs());
        }
        println!("{:?}: parabola only, worst error {:.4} Hz", kind, worst);
        assert!(worst < 0.05);
    }
}

#[test]
fn kaiser_9_sidelobes_stay_below_the_predicted_level() {
    // Kaiser & Schafer's empirical relation between beta and the peak sidelobe attenuation A
    // (dB, relative to the mainlobe peak) of the window's spectrum, for 60 < A < 120:
    //     beta = 0.12438 (A + 6.3)   =>   A = beta / 0.12438 - 6.3,
    // which for beta = 9 gives A = 66.06 dB. The mainlobe's first null is at
    // sqrt(1 + (beta / pi)^2) = 3.03 bins, so every bin more than 4 bins from the strongest one
    // (at most 0.5 bin from the true frequency) is on a sidelobe: it must read below
    // peak - A + 1 dB.
    let beta = 9.0f64;
    let attenuation = beta / 0.12438 - 6.3;
    assert!((attenuation - 66.06).abs() < 0.01);
    let (n, fs) = (32768, 48000.0);
    let mut stage = FftStage::new(n, WindowKind::Kaiser, beta as f32).unwrap();
    for &f in &[1000.37, 97.3, 15_003.9] {
        let ring = sine_ring(n, f, fs, 0.5, 0.7);
        assert!(stage.process(&ring));
        let db = stage.db();
        let (k_max, _) = db.iter().enumerate().skip(1).fold((0, f32::MIN), |best, (k, &v)| if v > best.1 { (k, v) } else { best });
        let peak = stage.peak_db() as f64;
        assert!((peak - 20.0 * 0.5f64.log10()).abs() < 0.01, "peak {}", peak);
        let limit = peak - attenuation + 1.0;
        let worst =
            db.iter().enumerate().filter(|(k, _)| (*k as i64 - k_max as i64).abs() > 4).map(|(_, &v)| v as f64).fold(f64::MIN, f64::max);
        println!(
            "{} Hz: peak {:.3} dBFS, highest bin beyond 4 bins {:.2} dB re peak (limit {:.2})",
            f,
            peak,
            worst - peak,
            1.0 - attenuation
        );
        assert!(worst < limit, "{} Hz: sidelobe at {} dB re peak", f, worst - peak);
    }
}

#[test]
fn window_levels_read_full_scale_and_gains_match() {
    // A bin-centred full-scale sine reads 0 dBFS at its bin for every window.
    let (n, fs) = (4096, 48000.0);
    for (kind, beta) in [(WindowKind::Rectangular, 0.0f32), (WindowKind::Hann, 0.0), (WindowKind::Kaiser, 9.0)] {
        let mut stage = FftStage::new(n, kind, beta).unwrap();
        let ring = sine_ring(n, 100.0 * fs / n as f64, fs, 1.0, 0.2);
        assert!(stage.process(&ring));
        assert!((stage.db()[100] as f64).abs() < 1e-3, "{:?}: {}", kind, stage.db()[100]);
        // (the negative-frequency image pulls the rectangular window's DTFT peak by ~1e-3 bin)
        assert!((stage.peak_bin() - 100.0).abs() < 5e-3, "{:?}: {}", kind, stage.peak_bin());
        let expected_cg = match kind {
            WindowKind::Rectangular => 1.0,
            WindowKind::Hann => 0.5,
            WindowKind::Kaiser => stage.window().iter().map(|&w| w as f64).sum::<f64>() / n as f64,
        };
        assert!((stage.coherent_gain() - expected_cg).abs() < 1e-9);
    }
    // Silence floors every bin at -300 dB.
    let mut stage = FftStage::new(1024, WindowKind::Hann, 0.0).unwrap();
    assert!(stage.process(&Ring::new(1024).unwrap()));
    assert!(stage.db().iter().all(|&v| v == -300.0));
    assert_eq!(stage.peak_db(), -300.0);
    // Kaiser's I0 series.
    assert!((bessel_i0(9.0) / 1_093.588_354_511_374_7 - 1.0).abs() < 1e-14);
}

#[test]
fn unsupported_sizes_are_rejected() {
    for n in [0usize, 100, 256, 1000, 65536] {
        assert!(RealFft::new(n).is_none(), "{}", n);
        assert!(FftStage::new(n, WindowKind::Hann, 0.0).is_none(), "{}", n);
    }
    // A ring shorter than the frame cannot be analysed.
    let mut stage = FftStage::new(1024, WindowKind::Hann, 0.0).unwrap();
    assert!(!stage.process(&Ring::new(1000).unwrap()));
}

#[test]
fn scalar_path_equals_process_natively_and_selftest_passes() {
    // Natively `process` is the scalar path; in wasm it is the SIMD path, which
    // `fft_selftest` compares with the scalar one inside the module (the JS tests call it).
    let x = noise(2048, 77);
    let mut fft = RealFft::new(2048).unwrap();
    let mut a = vec![0.0f32; 2050];
    let mut b = vec![0.0f32; 2050];
    assert!(fft.process(&x, &mut a));
    assert!(fft.process_scalar(&x, &mut b));
    assert_eq!(a, b);
    assert_eq!(stagebench_dsp::stages::fft::exports::fft_selftest(), 0);
}
