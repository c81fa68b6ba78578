//! Ring copy: the foundation stage. Each quantum is written into the input ring by the host;
//! `process` reads the newest `n` samples back into an output buffer, so the host can prove the
//! ring round-trips the signal bit for bit and time the copy.

use crate::ring::Ring;

/// Output storage for the read-back, allocated once at create.
pub struct RingCopy {
    out: Vec<f32>,
}

impl RingCopy {
    /// Allocates a read-back buffer of `max_frames` samples.
    pub fn new(max_frames: usize) -> Option<RingCopy> {
        if max_frames == 0 {
            return None;
        }
        Some(RingCopy { out: vec![0.0; max_frames] })
    }

    pub fn max_frames(&self) -> usize {
        self.out.len()
    }

    pub fn output(&self) -> &[f32] {
        &self.out
    }

    /// Reads the newest `n` samples of `ring` into the output buffer. Returns `false` if `n`
    /// exceeds the buffer or the ring. Never allocates.
    pub fn process(&mut self, ring: &Ring, n: usize) -> bool {
        match self.out.get_mut(..n) {
            Some(dst) => ring.read_latest(dst),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_quanta_bit_for_bit_over_many_wraps() {
        let mut ring = Ring::new(128 * 3 + 17).unwrap();
        let mut stage = RingCopy::new(128).unwrap();
        let mut x: u32 = 12345;
        for _ in 0..100 {
            let mut q = [0.0f32; 128];
            for s in q.iter_mut() {
                x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                *s = f32::from_bits((x >> 9) | 0x3f80_0000) - 1.5; // [-0.5, 0.5)
            }
            ring.push(&q);
            assert!(stage.process(&ring, 128));
            let got: Vec<u32> = stage.output()[..128].iter().map(|v| v.to_bits()).collect();
            let want: Vec<u32> = q.iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn too_many_frames_is_an_error() {
        let ring = Ring::new(64).unwrap();
        let mut stage = RingCopy::new(128).unwrap();
        assert!(!stage.process(&ring, 129));
        assert!(!stage.process(&ring, 65));
        assert!(stage.process(&ring, 64));
    }
}
