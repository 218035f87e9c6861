//! Keras' `TimeseriesGenerator`: windows of past values, each paired with the target of the
//! step that follows it.
//!
//! The definition is Keras 2's `keras.preprocessing.sequence.TimeseriesGenerator` (the
//! `keras_preprocessing` package; Keras 3 dropped the class). Row `r` of a batch gives the
//! window `data[r - length .. r]` taken every `sampling_rate` rows and the target
//! `targets[r]`; batch `i` holds the rows `start_index + length + batch_size·stride·i …`, step
//! `stride`, up to `end_index`. With `shuffle` each batch is `batch_size` rows drawn uniformly
//! (with replacement) from `start_index + length ..= end_index`, as Keras draws them, but from
//! a seeded stream: batch `i` of a seed is always the same.

use crate::error::{Error, Result};
use crate::limits::MAX_FLOATS;
use crate::rng::SeededRng;
use crate::tensor::Tensor;

/// The options of [`TimeseriesGenerator::new`], with Keras' names and defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeseriesOptions {
    /// Rows of history in a window (before sampling).
    pub length: usize,
    /// Period between the rows taken inside a window (Keras' default 1).
    pub sampling_rate: usize,
    /// Period between successive windows (default 1).
    pub stride: usize,
    /// Rows before this one are never used (default 0).
    pub start_index: usize,
    /// The last row that may be a window's target row (`None`: the last row).
    pub end_index: Option<usize>,
    /// Draw each batch's rows at random instead of in order (default false).
    pub shuffle: bool,
    /// Each window newest row first (default false).
    pub reverse: bool,
    /// Windows per batch (default 128).
    pub batch_size: usize,
    /// The seed of the rows drawn when `shuffle` is on (not a Keras option: Keras draws from
    /// NumPy's global stream).
    pub seed: u64,
}

impl TimeseriesOptions {
    /// Keras' defaults for a window of `length` rows.
    pub fn new(length: usize) -> Self {
        TimeseriesOptions {
            length,
            sampling_rate: 1,
            stride: 1,
            start_index: 0,
            end_index: None,
            shuffle: false,
            reverse: false,
            batch_size: 128,
            seed: crate::model::DEFAULT_SEED,
        }
    }
}

/// One batch: the windows and their targets.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeseriesBatch {
    /// The windows, one per row: `steps · features` values, step by step.
    pub samples: Tensor,
    /// Rows of `data` in each window (`ceil(length / sampling_rate)`).
    pub steps: usize,
    /// Values per row of `data`.
    pub features: usize,
    /// The targets, one row per window.
    pub targets: Tensor,
}

/// Keras' `TimeseriesGenerator` over `data` `(n, features)` and `targets` `(n, k)`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeseriesGenerator {
    data: Tensor,
    targets: Tensor,
    options: TimeseriesOptions,
    /// `start_index + length`: the first row that can be a target.
    first: usize,
    /// The last row that can be a target.
    last: usize,
}

impl TimeseriesGenerator {
    /// A generator with `options`.
    ///
    /// # Errors
    /// As Keras raises: [`Error::InvalidParameter`] naming `targets` when the row counts
    /// differ, `start_index` when `start_index + length > end_index`. nnplay also refuses a
    /// zero `length`, `sampling_rate`, `stride` or `batch_size` (Keras divides by zero or
    /// makes empty windows), an `end_index` past the data (Keras fails when it reaches the
    /// row) and a batch over [`MAX_FLOATS`] values.
    pub fn new(data: Tensor, targets: Tensor, options: TimeseriesOptions) -> Result<Self> {
        let n = data.rows();
        if n != targets.rows() {
            return Err(Error::invalid(
                "targets",
                format!(
                    "Data and targets have to be of same length. Data length is {n} while target length is {}",
                    targets.rows()
                ),
            ));
        }
        for (name, v) in [
            ("length", options.length),
            ("sampling_rate", options.sampling_rate),
            ("stride", options.stride),
            ("batch_size", options.batch_size),
        ] {
            if v == 0 {
                return Err(Error::invalid(name, "0 (must be ≥ 1)"));
            }
        }
        let last = match options.end_index {
            Some(e) if e >= n => {
                return Err(Error::invalid(
                    "end_index",
                    format!(
                        "{e} (the data has {n} rows, so at most {})",
                        n.saturating_sub(1)
                    ),
                ))
            }
            Some(e) => e,
            None => n.saturating_sub(1),
        };
        let first = options.start_index.saturating_add(options.length);
        if first > last {
            let end = options.end_index.map_or(n as i64 - 1, |e| e as i64);
            return Err(Error::invalid(
                "start_index",
                format!(
                    "`start_index+length={first} > end_index={end}` is disallowed, as no part of the sequence would be left to be used as current step.",
                ),
            ));
        }
        let g = TimeseriesGenerator {
            data,
            targets,
            options,
            first,
            last,
        };
        let rows = if options.shuffle {
            options.batch_size
        } else {
            options.batch_size.min((last - first) / options.stride + 1)
        };
        let floats = (rows as u64).saturating_mul((g.steps() * g.data.cols()) as u64);
        if floats > MAX_FLOATS {
            return Err(Error::invalid(
                "batch_size",
                format!(
                    "{} gives batches of {floats} values (at most {MAX_FLOATS})",
                    options.batch_size
                ),
            ));
        }
        Ok(g)
    }

    /// The options, as given.
    pub fn options(&self) -> &TimeseriesOptions {
        &self.options
    }

    /// Rows of `data` in each window.
    pub fn steps(&self) -> usize {
        self.options.length.div_ceil(self.options.sampling_rate)
    }

    /// Number of batches (Keras' `len(generator)`).
    pub fn len(&self) -> usize {
        let span = self.options.batch_size.saturating_mul(self.options.stride);
        (self.last - self.first) / span + 1
    }

    /// Whether there is no batch (never: a generator has at least one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The target rows of batch `index`.
    fn rows(&self, index: usize) -> Vec<usize> {
        let o = &self.options;
        if o.shuffle {
            let mut rng = SeededRng::derived(o.seed, index as u64);
            let count = (self.last - self.first + 1) as u64;
            (0..o.batch_size)
                .map(|_| self.first + rng.below(count) as usize)
                .collect()
        } else {
            let span = o.batch_size.saturating_mul(o.stride);
            let start = self.first + span * index;
            let end = start.saturating_add(span).min(self.last + 1);
            (start..end).step_by(o.stride).collect()
        }
    }

    /// Batch `index` (Keras' `generator[index]`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an index past the last batch (Keras returns an empty
    /// batch there).
    pub fn get(&self, index: usize) -> Result<TimeseriesBatch> {
        if index >= self.len() {
            return Err(Error::invalid(
                "index",
                format!(
                    "{index} (the generator has {} batches, 0 to {})",
                    self.len(),
                    self.len() - 1
                ),
            ));
        }
        let rows = self.rows(index);
        let (features, k) = (self.data.cols(), self.targets.cols());
        let (data, targets) = (self.data.as_slice(), self.targets.as_slice());
        let mut samples = Vec::with_capacity(rows.len() * self.steps() * features);
        let mut t = Vec::with_capacity(rows.len() * k);
        for &r in &rows {
            let mut window: Vec<usize> = (r - self.options.length..r)
                .step_by(self.options.sampling_rate)
                .collect();
            if self.options.reverse {
                window.reverse();
            }
            for i in window {
                samples.extend_from_slice(&data[i * features..(i + 1) * features]);
            }
            t.extend_from_slice(&targets[r * k..(r + 1) * k]);
        }
        Ok(TimeseriesBatch {
            samples: Tensor::from_vec(rows.len(), self.steps() * features, samples)?,
            steps: self.steps(),
            features,
            targets: Tensor::from_vec(rows.len(), k, t)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize) -> Tensor {
        Tensor::column(&(0..n).map(|v| v as f32).collect::<Vec<_>>())
    }

    #[test]
    fn the_tutorials_install_check() {
        // TimeseriesGenerator(y, y, length=3, batch_size=1) over 0..5.
        let o = TimeseriesOptions {
            batch_size: 1,
            ..TimeseriesOptions::new(3)
        };
        let g = TimeseriesGenerator::new(series(5), series(5), o).unwrap();
        assert_eq!(g.len(), 2);
        let b = g.get(1).unwrap();
        assert_eq!(b.samples.as_slice(), &[1.0, 2.0, 3.0]);
        assert_eq!(b.targets.as_slice(), &[4.0]);
        assert_eq!(
            g.get(2).unwrap_err().to_string(),
            "invalid index: 2 (the generator has 2 batches, 0 to 1)"
        );
    }

    #[test]
    fn shuffled_batches_are_seeded_and_in_range() {
        let o = TimeseriesOptions {
            shuffle: true,
            batch_size: 50,
            start_index: 2,
            end_index: Some(12),
            ..TimeseriesOptions::new(4)
        };
        let g = TimeseriesGenerator::new(series(20), series(20), o).unwrap();
        assert_eq!(g.len(), 1);
        let b = g.get(0).unwrap();
        assert_eq!(b.targets.rows(), 50);
        let t = b.targets.as_slice();
        assert!(t.iter().all(|&r| (6.0..=12.0).contains(&r)), "{t:?}");
        assert!(t.contains(&6.0) && t.contains(&12.0));
        for (w, r) in b.samples.to_rows().iter().zip(t) {
            assert_eq!(w, &[r - 4.0, r - 3.0, r - 2.0, r - 1.0]);
        }
        assert_eq!(g.get(0).unwrap(), b, "the same seed draws the same rows");
        let other =
            TimeseriesGenerator::new(series(20), series(20), TimeseriesOptions { seed: 7, ..o });
        assert_ne!(other.unwrap().get(0).unwrap(), b);
    }

    #[test]
    fn bad_options_are_refused_before_allocating() {
        let e = |o: TimeseriesOptions| {
            TimeseriesGenerator::new(series(10), series(10), o)
                .unwrap_err()
                .to_string()
        };
        let o = TimeseriesOptions::new(3);
        assert_eq!(
            e(TimeseriesOptions { stride: 0, ..o }),
            "invalid stride: 0 (must be ≥ 1)"
        );
        assert_eq!(
            e(TimeseriesOptions {
                end_index: Some(10),
                ..o
            }),
            "invalid end_index: 10 (the data has 10 rows, so at most 9)"
        );
        assert!(e(TimeseriesOptions {
            batch_size: usize::MAX,
            shuffle: true,
            ..o
        })
        .starts_with("invalid batch_size"));
        let e = TimeseriesGenerator::new(series(10), series(9), o)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "invalid targets: Data and targets have to be of same length. Data length is 10 while target length is 9");
    }
}
