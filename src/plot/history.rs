//! A loss history of bounded size for drawing: a fixed number of buckets, each holding the
//! lowest and highest loss of the steps it covers, so the drawn curve keeps its spikes.

/// One bucket: the steps `first..first + steps`, their extremes and the last loss.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bucket {
    first: usize,
    steps: usize,
    /// (step, loss) of the lowest finite loss; loss is +inf when none was finite.
    min: (usize, f32),
    /// (step, loss) of the highest finite loss; loss is -inf when none was finite.
    max: (usize, f32),
    last: f32,
}

impl Bucket {
    fn new(step: usize, loss: f32) -> Self {
        let mut b = Bucket {
            first: step,
            steps: 0,
            min: (step, f32::INFINITY),
            max: (step, f32::NEG_INFINITY),
            last: loss,
        };
        b.add(step, loss);
        b
    }

    fn add(&mut self, step: usize, loss: f32) {
        self.steps += 1;
        self.last = loss;
        // Non-finite losses (a diverged run) count as steps but are never drawn.
        if loss.is_finite() {
            if loss < self.min.1 {
                self.min = (step, loss);
            }
            if loss > self.max.1 {
                self.max = (step, loss);
            }
        }
    }

    fn merge(self, next: Bucket) -> Bucket {
        Bucket {
            first: self.first,
            steps: self.steps + next.steps,
            // Ties keep the earlier step.
            min: if next.min.1 < self.min.1 {
                next.min
            } else {
                self.min
            },
            max: if next.max.1 > self.max.1 {
                next.max
            } else {
                self.max
            },
            last: next.last,
        }
    }
}

/// A downsampled loss history: pushing any number of losses keeps at most
/// [`LossHistory::capacity`] buckets, and [`LossHistory::points`] at most twice that many
/// points, so memory and drawing work stay flat however long training runs.
///
/// Each bucket covers `2^k` consecutive steps; when all buckets are used, neighbours merge in
/// pairs and buckets cover twice as many steps. Each keeps its lowest and highest loss with
/// their steps: the drawn curve is the envelope of the true one, spikes included.
#[derive(Clone, Debug, PartialEq)]
pub struct LossHistory {
    buckets: Vec<Bucket>,
    capacity: usize,
    width: usize,
    len: usize,
}

impl Default for LossHistory {
    fn default() -> Self {
        Self::new()
    }
}

impl LossHistory {
    /// Buckets kept by [`LossHistory::new`]: twice the points of a wide plot's width.
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// An empty history of [`LossHistory::DEFAULT_CAPACITY`] buckets.
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// An empty history of `buckets` buckets (rounded up to an even number, at least 2).
    pub fn with_capacity(buckets: usize) -> Self {
        let capacity = buckets.max(2).next_multiple_of(2);
        LossHistory {
            buckets: Vec::with_capacity(capacity),
            capacity,
            width: 1,
            len: 0,
        }
    }

    /// Records the loss of the next step (step numbers start at 0).
    pub fn push(&mut self, loss: f32) {
        let step = self.len;
        self.len += 1;
        if let Some(b) = self.buckets.last_mut() {
            if b.steps < self.width {
                b.add(step, loss);
                return;
            }
        }
        if self.buckets.len() == self.capacity {
            self.halve();
        }
        self.buckets.push(Bucket::new(step, loss));
    }

    /// Records the losses of the next `losses.len()` steps.
    pub fn extend(&mut self, losses: &[f32]) {
        for &l in losses {
            self.push(l);
        }
    }

    /// Merges neighbouring buckets in pairs: half the buckets, each twice as wide.
    fn halve(&mut self) {
        let n = self.buckets.len() / 2;
        for i in 0..n {
            self.buckets[i] = self.buckets[2 * i].merge(self.buckets[2 * i + 1]);
        }
        self.buckets.truncate(n);
        self.width *= 2;
    }

    /// Steps pushed so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no step was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most buckets this history keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Buckets in use (at most [`LossHistory::capacity`]).
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// Steps each bucket covers now (a power of two).
    pub fn steps_per_bucket(&self) -> usize {
        self.width
    }

    /// The last loss pushed.
    pub fn last(&self) -> Option<f32> {
        self.buckets.last().map(|b| b.last)
    }

    /// The lowest and highest finite losses pushed, with their steps.
    pub fn extremes(&self) -> Option<((usize, f32), (usize, f32))> {
        let all = self.buckets.iter().copied().reduce(Bucket::merge)?;
        (all.min.1 <= all.max.1).then_some((all.min, all.max))
    }

    /// Forgets every step.
    pub fn clear(&mut self) {
        self.buckets.clear();
        self.width = 1;
        self.len = 0;
    }

    /// The points to draw, `(step, loss)` in step order: each bucket's lowest and highest
    /// finite loss at their own steps (one point when they coincide). Non-finite losses are
    /// left out; at most `2 × capacity` points.
    pub fn points(&self) -> Vec<(usize, f32)> {
        let mut out = Vec::with_capacity(self.buckets.len() * 2);
        for b in &self.buckets {
            if b.min.1 > b.max.1 {
                continue; // nothing finite in this bucket
            }
            let (a, c) = if b.min.0 <= b.max.0 {
                (b.min, b.max)
            } else {
                (b.max, b.min)
            };
            out.push(a);
            if c.0 != a.0 {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_after_a_million_pushes() {
        let mut h = LossHistory::with_capacity(1000);
        let cap_before = h.buckets.capacity();
        for i in 0..1_000_000u32 {
            h.push((i % 977) as f32);
        }
        assert_eq!(h.len(), 1_000_000);
        assert!(h.buckets() <= 1000 && h.buckets() > 250, "{}", h.buckets());
        assert_eq!(h.buckets.capacity(), cap_before, "no reallocation");
        assert!(h.points().len() <= 2000);
        assert!(h.steps_per_bucket().is_power_of_two());
        // Every step is in exactly one bucket.
        let mut next = 0;
        for b in &h.buckets {
            assert_eq!(b.first, next);
            assert!(b.steps <= h.steps_per_bucket());
            next += b.steps;
        }
        assert_eq!(next, 1_000_000);
    }

    #[test]
    fn steps_are_exact() {
        // loss == step, so each drawn point must sit at its own step.
        let mut h = LossHistory::with_capacity(8);
        for n in 0..1000usize {
            h.push(n as f32);
            let pts = h.points();
            assert!(pts.windows(2).all(|w| w[0].0 < w[1].0), "step order");
            for (s, l) in &pts {
                assert_eq!(*s as f32, *l);
            }
            assert_eq!(pts.first().unwrap().0, 0);
            // The last bucket's highest loss is the last step.
            assert_eq!(pts.last().unwrap().0, n);
        }
        assert_eq!(h.last(), Some(999.0));
    }

    #[test]
    fn spikes_survive() {
        let mut h = LossHistory::with_capacity(16);
        let mut losses = vec![1.0f32; 100_000];
        losses[12_345] = 1e6;
        losses[77_777] = 1e-6;
        losses[500] = f32::NAN;
        losses[501] = f32::INFINITY;
        h.extend(&losses);
        let pts = h.points();
        assert!(pts.contains(&(12_345, 1e6)));
        assert!(pts.contains(&(77_777, 1e-6)));
        assert!(pts.iter().all(|p| p.1.is_finite()));
        assert_eq!(h.extremes(), Some(((77_777, 1e-6), (12_345, 1e6))));
    }

    #[test]
    fn empty_and_non_finite() {
        let mut h = LossHistory::new();
        assert!(h.is_empty() && h.points().is_empty() && h.last().is_none());
        assert_eq!(h.extremes(), None);
        h.extend(&[f32::NAN, f32::NAN]);
        assert_eq!(h.len(), 2);
        assert!(h.points().is_empty());
        assert_eq!(h.extremes(), None);
        assert!(h.last().unwrap().is_nan());
        h.clear();
        assert!(h.is_empty() && h.buckets() == 0 && h.steps_per_bucket() == 1);
        assert_eq!(LossHistory::with_capacity(0).capacity(), 2);
        assert_eq!(LossHistory::with_capacity(7).capacity(), 8);
    }
}
