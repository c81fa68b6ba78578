//! The shift stage natively (scalar path): known delays applied as exact frequency-domain phase
//! ramps, the scores against the slow inverse-FFT computation and an f64 evaluation, the inverse
//! real FFT against a naive inverse DFT, and argument checks. Fixed seeds, LCG noise, no crates.
//!
//! The timing test is ignored by default:
//! `node scripts/cargo.mjs test --release --test shift_accuracy -- --ignored --nocapture`.

use std::f64::consts::PI;
use std::time::Instant;

use stagebench_dsp::fft::InverseRealFft;
use stagebench_dsp::stages::shift::{hypothesis_tau, ShiftStage};

/// Numerical Recipes LCG.
struct Lcg(u32);

impl Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0
    }
    /// Uniform in [-1, 1).
    fn uniform(&mut self) -> f64 {
        f32::from_bits((self.next_u32() >> 9) | 0x4000_0000) as f64 - 3.0
    }
}

fn noise(n: usize, seed: u32) -> Vec<f64> {
    let mut rng = Lcg(seed);
    (0..n).map(|_| rng.uniform()).collect()
}

/// In-place radix-2 complex FFT in f64 (`sign = -1` forward, `+1` inverse, unnormalised).
fn fft64(re: &mut [f64], im: &mut [f64], sign: f64) {
    let n = re.len();
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let tw: Vec<(f64, f64)> = (0..n / 2)
        .map(|k| {
            let a = 2.0 * PI * k as f64 / n as f64;
            (a.cos(), sign * a.sin())
        })
        .collect();
    let mut len = 2;
    while len <= n {
        let stride = n / len;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (wr, wi) = tw[k * stride];
                let (a, b) = (start + k, start + k + len / 2);
                let (xr, xi) = (re[b] * wr - im[b] * wi, re[b] * wi + im[b] * wr);
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
        len *= 2;
    }
}

/// `r` delayed by `delay` samples (circularly, band-limited): `X(k) = R(k) e^{-2 pi i k D / N}`
/// on bins `1 .. N/2`, Hermitian above, and the real part at the Nyquist bin.
fn delayed(r: &[f64], delay: f64) -> Vec<f64> {
    let n = r.len();
    let (mut re, mut im) = (r.to_vec(), vec![0.0; n]);
    fft64(&mut re, &mut im, -1.0);
    for k in 1..n / 2 {
        let a = -2.0 * PI * ((k as f64 * delay / n as f64).rem_euclid(1.0));
        let (c, s) = (a.cos(), a.sin());
        let (xr, xi) = (re[k] * c - im[k] * s, re[k] * s + im[k] * c);
        re[k] = xr;
        im[k] = xi;
        re[n - k] = xr;
        im[n - k] = -xi;
    }
    re[n / 2] *= (PI * delay).cos();
    im[n / 2] = 0.0;
    fft64(&mut re, &mut im, 1.0);
    re.iter().map(|v| v / n as f64).collect()
}

/// `signal` plus independent uniform noise at `snr_db` below its power.
fn with_noise(signal: &[f64], snr_db: f64, seed: u32) -> Vec<f32> {
    let power = signal.iter().map(|v| v * v).sum::<f64>() / signal.len() as f64;
    let scale = (power / 10f64.powf(snr_db / 10.0) * 3.0).sqrt(); // uniform [-1, 1) has power 1/3
    let w = noise(signal.len(), seed);
    signal.iter().zip(w).map(|(s, w)| (s + scale * w) as f32).collect()
}

fn to_f32(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

/// The reference noise and the input delayed by `delay` at 30 dB SNR.
fn pair(n: usize, delay: f64, seed: u32) -> (Vec<f32>, Vec<f32>) {
    let r = noise(n, seed);
    let x = with_noise(&delayed(&r, delay), 30.0, seed ^ 0x9e37_79b9);
    (x, to_f32(&r))
}

/// `c(tau)` from the stage's cross-spectrum, directly in f64.
fn direct_score(cross: &[f32], n: usize, tau: f64) -> f64 {
    let mut sum = cross[0] as f64;
    let a = PI * tau;
    sum += cross[n] as f64 * a.cos() - cross[n + 1] as f64 * a.sin();
    for k in 1..n / 2 {
        let a = 2.0 * PI * ((k as f64 * tau / n as f64).rem_euclid(1.0));
        sum += 2.0 * (cross[2 * k] as f64 * a.cos() - cross[2 * k + 1] as f64 * a.sin());
    }
    sum / n as f64
}

fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

#[test]
fn fractional_delay_100_37_with_and_without_phat() {
    let n = 32768;
    let (x, r) = pair(n, 100.37, 11);
    for phat in [false, true] {
        let mut s = ShiftStage::new(n, 32).unwrap();
        assert!(s.set_params(2.0, None, phat));
        assert!(s.process(&x, &r));
        let err = s.shift() - 100.37;
        println!(
            "delay 100.37, phat {}: centre {}, best tau {:.4}, shift {:.5} (error {:+.5})",
            phat,
            s.centre(),
            s.best_tau(),
            s.shift(),
            err
        );
        assert_eq!(s.centre(), 100.0);
        assert!(err.abs() < 0.02, "phat {}: shift {} (error {})", phat, s.shift(), err);
    }
}

#[test]
fn zero_and_negative_delays() {
    let n = 32768;
    for (i, &(delay, centre, span)) in
        [(0.0, None, 2.0), (-57.81, None, 2.0), (-3.25, Some(-3.0), 1.5), (-0.4, None, 2.0), (1234.5, None, 3.0), (-16000.2, None, 2.0)]
            .iter()
            .enumerate()
    {
        let (x, r) = pair(n, delay, 100 + i as u32);
        for phat in [false, true] {
            let mut s = ShiftStage::new(n, 32).unwrap();
            assert!(s.set_params(span, centre, phat));
            assert!(s.process(&x, &r));
            let err = s.shift() - delay;
            println!("delay {}, phat {}: centre {}, shift {:.5} (error {:+.5})", delay, phat, s.centre(), s.shift(), err);
            let tol = if delay == 0.0 { 0.01 } else { 0.02 };
            assert!(err.abs() < tol, "delay {} phat {}: shift {}", delay, phat, s.shift());
            if centre.is_none() {
                assert!((s.centre() - delay).abs() <= 0.5, "coarse centre {}", s.centre());
            }
        }
    }
}

#[test]
fn scores_match_inverse_fft_reference_and_f64() {
    for &(n, h, span, delay, centre) in &[
        (32768usize, 32usize, 2.0f64, 100.37f64, None),
        (32768, 32, 40.0, -7.6, Some(-10.25)),
        (4096, 33, 3.0, 12.2, None),
        (512, 1, 0.0, 3.0, None),
        (1024, 256, 100.0, -20.0, None),
        (8192, 5, 0.0, 1.0, Some(0.5)),
    ] {
        let (x, r) = pair(n, delay, 7 + h as u32);
        for phat in [false, true] {
            let mut s = ShiftStage::new(n, h).unwrap();
            assert!(s.set_params(span, centre, phat));
            assert!(s.process(&x, &r));
            let got: Vec<f64> = s.scores().iter().map(|&v| v as f64).collect();
            let mut slow = vec![0.0f64; h];
            assert!(s.reference_scores_by_inverse_fft(&mut slow));
            let cross = s.cross_spectrum().to_vec();
            let exact: Vec<f64> = (0..h).map(|i| direct_score(&cross, n, hypothesis_tau(s.centre(), span, i, h))).collect();
            let (d_ifft, d_f64) = (max_rel_diff(&got, &slow), max_rel_diff(&got, &exact));
            println!(
                "N {} H {} span {} phat {}: vs inverse FFTs {:.2e}, vs f64 {:.2e} (inverse FFTs vs f64 {:.2e})",
                n,
                h,
                span,
                phat,
                d_ifft,
                d_f64,
                max_rel_diff(&slow, &exact)
            );
            assert!(d_ifft < 1e-4, "vs inverse FFTs: {}", d_ifft);
            assert!(d_f64 < 1e-5, "vs f64: {}", d_f64);
            for (i, &t) in s.taus().iter().enumerate() {
                assert_eq!(t, hypothesis_tau(s.centre(), span, i, h));
            }
            let best = s.best();
            assert!(got.iter().all(|&v| v <= got[best]));
            assert!((s.shift() - s.best_tau()).abs() <= 0.5 * span / (h.max(2) - 1) as f64 + 1e-12);
        }
    }
}

#[test]
fn inverse_real_fft_matches_naive_idft() {
    let mut rng = Lcg(0xfeed);
    for n in [512usize, 1024, 2048, 4096] {
        let mut spec = vec![0.0f32; n + 2];
        for v in spec.iter_mut() {
            *v = rng.uniform() as f32;
        }
        spec[1] = 0.0;
        spec[n + 1] = 0.0;
        let mut inv = InverseRealFft::new(n).unwrap();
        assert_eq!(inv.size(), n);
        let mut out = vec![0.0f32; n];
        assert!(inv.process(&spec, &mut out));
        let mut worst = 0.0f64;
        let mut scale = 0.0f64;
        for (t, &o) in out.iter().enumerate() {
            let mut y = spec[0] as f64 + spec[n] as f64 * if t % 2 == 0 { 1.0 } else { -1.0 };
            for k in 1..n / 2 {
                let a = 2.0 * PI * ((k * t) % n) as f64 / n as f64;
                y += 2.0 * (spec[2 * k] as f64 * a.cos() - spec[2 * k + 1] as f64 * a.sin());
            }
            y /= n as f64;
            worst = worst.max((o as f64 - y).abs());
            scale = scale.max(y.abs());
        }
        println!("inverse real FFT N {}: max error {:.2e} of max {:.3}", n, worst, scale);
        assert!(worst < 2e-6 * scale.max(1.0), "N {}: {}", n, worst);
        // Wrong lengths.
        assert!(!inv.process(&spec[..n], &mut out));
        assert!(!inv.process(&spec, &mut out[..n - 1]));
    }
    assert!(InverseRealFft::new(1000).is_none());
}

#[test]
fn rejects_bad_sizes_and_params() {
    for n in [0usize, 1, 256, 511, 1000, 65536] {
        assert!(ShiftStage::new(n, 32).is_none(), "n {}", n);
    }
    for h in [0usize, 257, 1000] {
        assert!(ShiftStage::new(1024, h).is_none(), "h {}", h);
    }
    assert!(ShiftStage::new(512, 1).is_some());
    assert!(ShiftStage::new(32768, 256).is_some());
    let mut s = ShiftStage::new(1024, 8).unwrap();
    assert!(s.set_params(3.0, Some(1.5), true));
    for span in [f64::NAN, f64::INFINITY, -1.0, -0.0001] {
        assert!(!s.set_params(span, None, false), "span {}", span);
    }
    assert!(!s.set_params(1.0, Some(f64::NAN), false));
    assert!(!s.set_params(1.0, Some(f64::NEG_INFINITY), false));
    assert_eq!((s.span(), s.centre_param(), s.phat()), (3.0, Some(1.5), true), "unchanged");
    let x = vec![0.0f32; 1024];
    assert!(!s.process(&x[..1000], &x));
    assert!(!s.process(&x, &x[..1023]));
    assert!(!s.valid());
    // Silence: zero scores, no NaN (PHAT floor), shift at a hypothesis.
    assert!(s.process(&x, &x));
    assert!(s.valid());
    assert!(s.scores().iter().all(|&v| v == 0.0));
    assert!(s.shift().is_finite());
    let mut out = vec![0.0f64; 7];
    assert!(!s.reference_scores_by_inverse_fft(&mut out));
}

#[test]
fn own_frames_entry_matches_process() {
    let n = 2048;
    let (x, r) = pair(n, 5.3, 3);
    let mut a = ShiftStage::new(n, 16).unwrap();
    let mut b = ShiftStage::new(n, 16).unwrap();
    assert!(a.set_params(2.0, None, true) && b.set_params(2.0, None, true));
    assert!(a.process(&x, &r));
    b.input_frame_mut().copy_from_slice(&x);
    b.reference_frame_mut().copy_from_slice(&r);
    assert!(b.process_frames());
    assert_eq!(a.scores(), b.scores());
    assert_eq!(a.shift().to_bits(), b.shift().to_bits());
    assert!((a.shift() - 5.3).abs() < 0.02);
}

fn median_us(mut f: impl FnMut(), reps: usize) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    t[reps / 2]
}

#[test]
#[ignore]
fn bench_scores_n32768_h32() {
    let n = 32768;
    let (x, r) = pair(n, 100.37, 11);
    for h in [32usize, 8, 64, 256] {
        let mut s = ShiftStage::new(n, h).unwrap();
        assert!(s.set_params(2.0, None, false));
        assert!(s.process(&x, &r));
        let scores = median_us(|| assert!(s.rescore()), 201);
        let process = median_us(|| assert!(s.process(&x, &r)), 51);
        println!("native scalar path, N {} H {}: scores {:.1} us, full process {:.1} us", n, h, scores, process);
        if h == 32 {
            let mut inv = InverseRealFft::new(n).unwrap();
            let spec = s.cross_spectrum().to_vec();
            let mut out = vec![0.0f32; n];
            let iffts = median_us(
                || {
                    for _ in 0..h {
                        assert!(inv.process(&spec, &mut out));
                    }
                },
                21,
            );
            let mut slow = vec![0.0f64; h];
            let reference = median_us(|| assert!(s.reference_scores_by_inverse_fft(&mut slow)), 5);
            println!(
                "  {} inverse real FFTs alone: {:.1} us ({:.1} us each); reference_scores_by_inverse_fft: {:.1} us",
                h,
                iffts,
                iffts / h as f64,
                reference
            );
        }
    }
}
