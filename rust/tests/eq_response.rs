//! The magnitude response of processed noise against the stage's analytic (designed) response:
//! 2^19 samples of +-0.5 noise through 8 bands of every type, H1 estimate (cross spectrum over
//! input spectrum, Hann frames of 4096 with 50 % overlap, the crate's own FFT). Fixed seed.

use stagebench_dsp::fft::RealFft;
use stagebench_dsp::stages::eq::{EqStage, Kind};

const FS: f32 = 48000.0;

#[test]
fn processed_noise_follows_the_designed_response() {
    let bands: [(Kind, f32, f32, f32); 8] = [
        (Kind::LowShelf, 150.0, 6.0, 1.0),
        (Kind::Peaking, 400.0, -5.0, 1.5),
        (Kind::Peaking, 1500.0, 8.0, 2.0),
        (Kind::Notch, 6000.0, 0.0, 1.0),
        (Kind::HighShelf, 9000.0, -4.0, 1.0),
        (Kind::Highpass, 40.0, 0.0, 0.0),
        (Kind::Lowpass, 16000.0, 2.0, 0.0),
        (Kind::Bandpass, 3000.0, 0.0, 0.15),
    ];
    let mut eq = EqStage::new(FS, 1024).unwrap();
    for (i, &(k, f, g, q)) in bands.iter().enumerate() {
        eq.set_band(i, k, f, g, q).unwrap();
    }
    eq.reset();
    let n = 1 << 19;
    let mut seed = 0x1234_5678u32;
    let x: Vec<f32> = (0..n)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((seed >> 8) as f64 / 16_777_216.0 - 0.5) as f32
        })
        .collect();
    let mut y = vec![0.0f32; n];
    eq.process_block(&x, &mut y);

    let size = 4096;
    let mut fft = RealFft::new(size).unwrap();
    let hann: Vec<f32> = (0..size).map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / size as f64).cos()) as f32).collect();
    let bins = size / 2 + 1;
    let (mut sxx, mut sxy_re, mut sxy_im) = (vec![0.0f64; bins], vec![0.0f64; bins], vec![0.0f64; bins]);
    let (mut fx, mut fy) = (vec![0.0f32; size + 2], vec![0.0f32; size + 2]);
    let (mut wx, mut wy) = (vec![0.0f32; size], vec![0.0f32; size]);
    let mut start = size; // skip the first frame (start-up transient)
    while start + size <= n {
        for i in 0..size {
            wx[i] = x[start + i] * hann[i];
            wy[i] = y[start + i] * hann[i];
        }
        assert!(fft.process(&wx, &mut fx) && fft.process(&wy, &mut fy));
        for k in 0..bins {
            let (xr, xi) = (fx[2 * k] as f64, fx[2 * k + 1] as f64);
            let (yr, yi) = (fy[2 * k] as f64, fy[2 * k + 1] as f64);
            sxx[k] += xr * xr + xi * xi;
            // Y conj(X)
            sxy_re[k] += yr * xr + yi * xi;
            sxy_im[k] += yi * xr - yr * xi;
        }
        start += size / 2;
    }
    let mut checked = 0;
    let mut worst: f64 = 0.0;
    for k in 1..bins {
        let f = k as f64 * FS as f64 / size as f64;
        let want = eq.magnitude_response(f);
        if !(60.0..=20000.0).contains(&f) || want < -30.0 {
            continue;
        }
        let got = 10.0 * ((sxy_re[k].powi(2) + sxy_im[k].powi(2)) / sxx[k].powi(2)).log10();
        let e = (got - want).abs();
        worst = worst.max(e);
        assert!(e < 0.2, "{:.1} Hz: measured {:.3} dB, designed {:.3} dB", f, got, want);
        checked += 1;
    }
    assert!(checked > 1500, "{} bins checked", checked);
    println!("{} bins, worst difference {:.4} dB", checked, worst);
}
