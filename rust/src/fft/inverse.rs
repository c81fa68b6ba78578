//! The inverse real FFT, built on the forward [`RealFft`].

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use super::scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use super::simd;
use super::{AlignedBuf, RealFft};

/// Inverse real FFT of a Hermitian half spectrum, built on the forward [`RealFft`] (one forward
/// transform of the same size, no extra plan).
///
/// For `Y(k) = a(k) + i b(k)` Hermitian (`a` even, `b` odd), the real sequence
/// `g(k) = a(k) + b(k)` (`k = 0 .. N`) has `Re G(n) = sum a cos`, `Im G(n) = -sum b sin`, so
///
/// ```text
/// y(n)     = (1/N) sum_k Y(k) e^{+2 pi i k n / N} = (Re G(n) + Im G(n)) / N,   n = 0 ..= N/2
/// y(N - n) = (Re G(n) - Im G(n)) / N                                          n = 1 .. N/2
/// ```
///
/// (the Hartley-transform identity). The imaginary parts of bins 0 and `N/2` are ignored (a
/// real signal has none; for the Nyquist bin that is the `Re{Y(N/2) e^{i pi n}}` convention).
pub struct InverseRealFft {
    fft: RealFft,
    g: AlignedBuf,
    spec: AlignedBuf,
}

impl InverseRealFft {
    /// Plans an inverse transform of `n` points (a power of two in 512 ..= 32768). Allocates.
    pub fn new(n: usize) -> Option<InverseRealFft> {
        let fft = RealFft::new(n)?;
        Some(InverseRealFft { fft, g: AlignedBuf::zeroed(n), spec: AlignedBuf::zeroed(n + 2) })
    }

    /// The transform size `N`.
    pub fn size(&self) -> usize {
        self.fft.size()
    }

    /// `out[n] = (1/N) sum_{k=0}^{N-1} Y(k) e^{+2 pi i k n / N}` for the Hermitian extension of
    /// `spectrum` (`N + 2` floats: interleaved `re, im` of bins `0 ..= N/2`, as [`RealFft`]
    /// writes them); `out` has `N` samples. Returns `false`, touching nothing, on a wrong length.
    /// Never allocates.
    pub fn process(&mut self, spectrum: &[f32], out: &mut [f32]) -> bool {
        let n = self.fft.size();
        let half = n / 2;
        if spectrum.len() != n + 2 || out.len() != n || self.g.len() != n || self.spec.len() != n + 2 {
            return false;
        }
        // g(k) = a(k) + b(k) for k = 0 ..= N/2 (b(0) = b(N/2) = 0), g(N - k) = a(k) - b(k).
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        // SAFETY: spectrum holds 2 half + 2 floats and g 2 half (checked above); half % 4 == 0.
        unsafe {
            simd::inv_pack(spectrum.as_ptr(), self.g.as_mut_ptr(), half);
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        scalar::inv_pack(spectrum, &mut self.g);
        if let (Some(&first), Some(&last)) = (spectrum.first(), spectrum.get(n)) {
            self.g[0] = first;
            self.g[half] = last;
        }
        if !self.fft.process(&self.g, &mut self.spec) {
            return false;
        }
        let scale = 1.0 / n as f32;
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        // SAFETY: spec holds 2 half + 2 floats and out 2 half (checked above); half % 4 == 0.
        unsafe {
            simd::inv_unpack(self.spec.as_ptr(), out.as_mut_ptr(), half, scale);
        }
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        scalar::inv_unpack(&self.spec, out, scale);
        if let Some(z) = self.spec.get(n..n + 2) {
            out[half] = (z[0] + z[1]) * scale;
        }
        true
    }
}
