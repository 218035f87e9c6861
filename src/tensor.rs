//! A 2-D `f32` tensor over ndarray, with the shape checks the model needs.

use crate::error::{Error, Result};
use ndarray::Array2;

/// A dense, row-major 2-D array of `f32`.
///
/// # Shapes
/// `(rows, cols)`: a batch of samples is `(batch, features)`, a Dense kernel `(inputs, units)`,
/// a bias `(1, units)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    data: Array2<f32>,
}

impl Tensor {
    /// A tensor of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Tensor {
            data: Array2::zeros((rows, cols)),
        }
    }

    /// A tensor from row-major values.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `values.len() != rows * cols`.
    pub fn from_vec(rows: usize, cols: usize, values: Vec<f32>) -> Result<Self> {
        // checked: a shape read from user data may be absurd, and must not overflow.
        if rows.checked_mul(cols) != Some(values.len()) {
            return Err(Error::shapes(
                "Tensor::from_vec (shape vs number of values)",
                (rows, cols),
                (values.len(), 1),
            ));
        }
        Array2::from_shape_vec((rows, cols), values)
            .map(|data| Tensor { data })
            .map_err(|e| Error::Model(e.to_string()))
    }

    /// A tensor from nested rows, as JSON and Keras write them.
    ///
    /// # Errors
    /// [`Error::EmptyData`] for no rows or empty rows, [`Error::ShapeMismatch`] for ragged rows.
    pub fn from_rows(rows: &[Vec<f32>]) -> Result<Self> {
        let first = rows
            .first()
            .ok_or_else(|| Error::EmptyData("a tensor needs at least one row".into()))?;
        let cols = first.len();
        if cols == 0 {
            return Err(Error::EmptyData("a tensor row has no values".into()));
        }
        let mut values = Vec::with_capacity(rows.len() * cols);
        for (i, row) in rows.iter().enumerate() {
            if row.len() != cols {
                return Err(Error::shapes(
                    format!("Tensor::from_rows (row 0 vs row {i})"),
                    (1, cols),
                    (1, row.len()),
                ));
            }
            values.extend_from_slice(row);
        }
        Tensor::from_vec(rows.len(), cols, values)
    }

    /// A column tensor `(n, 1)` from a slice.
    pub fn column(values: &[f32]) -> Self {
        Tensor {
            data: Array2::from_shape_vec((values.len(), 1), values.to_vec())
                .expect("a column always fits its values"),
        }
    }

    /// A row tensor `(1, n)` from a slice.
    pub fn row(values: &[f32]) -> Self {
        Tensor {
            data: Array2::from_shape_vec((1, values.len()), values.to_vec())
                .expect("a row always fits its values"),
        }
    }

    /// Wraps an ndarray array (made contiguous).
    pub fn from_array(data: Array2<f32>) -> Self {
        let data = if data.is_standard_layout() {
            data
        } else {
            data.as_standard_layout().into_owned()
        };
        Tensor { data }
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        self.data.dim()
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.data.nrows()
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.data.ncols()
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor holds no value.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The values in row-major order.
    pub fn as_slice(&self) -> &[f32] {
        self.data
            .as_slice()
            .expect("tensors are kept in standard layout")
    }

    /// The values in row-major order, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.data
            .as_slice_mut()
            .expect("tensors are kept in standard layout")
    }

    /// The value at `(row, col)`.
    pub fn get(&self, row: usize, col: usize) -> f32 {
        self.data[(row, col)]
    }

    /// The underlying ndarray array.
    pub fn array(&self) -> &Array2<f32> {
        &self.data
    }

    /// Consumes the tensor, returning its values row-major.
    pub fn into_vec(self) -> Vec<f32> {
        self.data.into_raw_vec_and_offset().0
    }

    /// Nested rows, as JSON and Keras write them.
    pub fn to_rows(&self) -> Vec<Vec<f32>> {
        self.data.outer_iter().map(|r| r.to_vec()).collect()
    }

    /// Rows `start..end` as a new tensor.
    pub fn slice_rows(&self, start: usize, end: usize) -> Tensor {
        Tensor::from_array(self.data.slice(ndarray::s![start..end, ..]).to_owned())
    }

    /// Requires every value to be finite.
    ///
    /// # Errors
    /// [`Error::NonFinite`] naming `what`, the row and column of the first bad value.
    pub fn check_finite(&self, what: &str) -> Result<()> {
        for ((row, col), v) in self.data.indexed_iter() {
            if !v.is_finite() {
                return Err(Error::NonFinite {
                    what: what.to_string(),
                    row,
                    col,
                    value: v.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Requires at least one row.
    ///
    /// # Errors
    /// [`Error::EmptyData`] naming `what`.
    pub fn check_not_empty(&self, what: &str) -> Result<()> {
        if self.is_empty() {
            return Err(Error::EmptyData(format!("{what} has no rows")));
        }
        Ok(())
    }

    /// Matrix product `self · rhs`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] naming both shapes when the inner sizes differ.
    pub fn matmul(&self, rhs: &Tensor) -> Result<Tensor> {
        if self.cols() != rhs.rows() {
            return Err(Error::shapes("matmul", self.shape(), rhs.shape()));
        }
        Ok(Tensor::from_array(self.data.dot(&rhs.data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_checks_shapes_and_multiplies() {
        let a = Tensor::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
        let b = Tensor::column(&[1.0, -1.0]);
        assert_eq!(a.matmul(&b).unwrap().as_slice(), &[-1.0, -1.0]);
        let err = b.matmul(&b).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch in matmul: (2, 1) and (2, 1)"
        );
    }

    #[test]
    fn ragged_and_empty_rows_are_errors() {
        assert!(matches!(
            Tensor::from_rows(&[vec![1.0], vec![1.0, 2.0]]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(Tensor::from_rows(&[]), Err(Error::EmptyData(_))));
        assert!(matches!(
            Tensor::from_vec(2, 2, vec![1.0]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            Tensor::from_vec(usize::MAX, 2, vec![1.0]),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn non_finite_values_are_located() {
        let t = Tensor::from_rows(&[vec![1.0], vec![f32::NAN]]).unwrap();
        let msg = t.check_finite("x_train").unwrap_err().to_string();
        assert_eq!(
            msg,
            "x_train contains a non-finite value (NaN) at row 1, column 0"
        );
    }
}
