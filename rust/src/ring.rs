//! The input ring: a fixed-capacity circular buffer of f32 samples.
//!
//! The host writes samples at `write_pos` (wrapping), then publishes the new position with
//! `set_write_pos`. Stages read the newest samples, ending at `write_pos`.

/// Samples of storage past the end of the ring. A host writes a whole quantum of up to this many
/// samples at the write position with one bulk copy, then moves the part that ran past the end to
/// the start with `copyWithin`: bit-exact (no float round trip) and allocation-free. 1024: the
/// largest render quantum a context is asked for (`renderSizeHint`), 8 times the default 128.
pub const RING_SLACK: usize = 1024;

/// A circular buffer whose storage is allocated once, in [`Ring::new`].
pub struct Ring {
    /// `capacity + RING_SLACK` samples; only the first `capacity` belong to the ring.
    buf: Vec<f32>,
    capacity: usize,
    write_pos: usize,
}

impl Ring {
    /// Allocates a zeroed ring of `capacity` samples. Returns `None` for a zero capacity.
    pub fn new(capacity: usize) -> Option<Ring> {
        if capacity == 0 {
            return None;
        }
        let len = capacity.checked_add(RING_SLACK)?;
        Some(Ring { buf: vec![0.0; len], capacity, write_pos: 0 })
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn write_pos(&self) -> usize {
        self.write_pos
    }

    /// Sets the write position; positions past the end wrap. Never fails.
    pub fn set_write_pos(&mut self, pos: usize) {
        self.write_pos = pos % self.capacity;
    }

    pub fn as_mut_ptr(&mut self) -> *mut f32 {
        self.buf.as_mut_ptr()
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.buf[..self.capacity]
    }

    /// Appends `samples` at the write position (wrapping) and advances it.
    /// Samples beyond the capacity overwrite the oldest; only the last `capacity` are kept.
    pub fn push(&mut self, samples: &[f32]) {
        let cap = self.capacity;
        let samples = if samples.len() > cap { &samples[samples.len() - cap..] } else { samples };
        let first = (cap - self.write_pos).min(samples.len());
        let (head, tail) = samples.split_at(first);
        self.buf[self.write_pos..self.write_pos + first].copy_from_slice(head);
        self.buf[..tail.len()].copy_from_slice(tail);
        self.write_pos = (self.write_pos + samples.len()) % cap;
    }

    /// Copies the newest `out.len()` samples (those just before the write position, oldest
    /// first) into `out`. Returns `false`, leaving `out` untouched, if `out` is longer than the ring.
    pub fn read_latest(&self, out: &mut [f32]) -> bool {
        let cap = self.capacity;
        let n = out.len();
        if n > cap {
            return false;
        }
        let start = (self.write_pos + cap - n) % cap;
        let first = (cap - start).min(n);
        let (head, tail) = out.split_at_mut(first);
        head.copy_from_slice(&self.buf[start..start + first]);
        tail.copy_from_slice(&self.buf[..n - first]);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_capacity_is_rejected() {
        assert!(Ring::new(0).is_none());
    }

    #[test]
    fn push_then_read_latest_round_trips_across_the_wrap() {
        let mut ring = Ring::new(10).unwrap();
        let data: Vec<f32> = (0..7).map(|i| i as f32).collect();
        ring.push(&data);
        ring.push(&data); // wraps: positions 7..10 then 0..4
        assert_eq!(ring.write_pos(), 4);
        let mut out = [0.0f32; 7];
        assert!(ring.read_latest(&mut out));
        assert_eq!(&out[..], &data[..]);
    }

    #[test]
    fn push_longer_than_capacity_keeps_the_newest() {
        let mut ring = Ring::new(4).unwrap();
        ring.push(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let mut out = [0.0f32; 4];
        assert!(ring.read_latest(&mut out));
        assert_eq!(out, [3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn read_longer_than_capacity_fails_without_touching_output() {
        let ring = Ring::new(4).unwrap();
        let mut out = [9.0f32; 5];
        assert!(!ring.read_latest(&mut out));
        assert_eq!(out, [9.0; 5]);
    }

    #[test]
    fn set_write_pos_wraps() {
        let mut ring = Ring::new(8).unwrap();
        ring.set_write_pos(13);
        assert_eq!(ring.write_pos(), 5);
    }
}
