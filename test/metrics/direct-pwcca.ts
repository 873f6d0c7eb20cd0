/**
 * An independent PWCCA for tests: the paper's formula taken literally over
 * the datapoints with ml-matrix (QR bases, SVD), sharing no code with pwcca.
 */
import { Matrix as MlMatrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import type { Matrix } from '../../src/types.js';

/**
 * The paper's formula taken literally, in N-space with ml-matrix: orthonormal
 * bases of the centred activations by QR, canonical variates from the SVD of
 * Qx^T Qy, weights sum_j |<h_i, z_j>| over the centred neurons.
 */
export function directPaperPwcca(x: Matrix, y: Matrix): { rho: number[]; fromA: number; fromB: number } {
  const centred = (m: Matrix) => {
    const mat = new MlMatrix(m.rows, m.cols);
    for (let c = 0; c < m.cols; c++) {
      let mean = 0;
      for (let r = 0; r < m.rows; r++) mean += m.data[r * m.cols + c];
      mean /= m.rows;
      for (let r = 0; r < m.rows; r++) mat.set(r, c, m.data[r * m.cols + c] - mean);
    }
    return mat;
  };
  const xc = centred(x);
  const yc = centred(y);
  const qx = new QrDecomposition(xc).orthogonalMatrix.subMatrix(0, x.rows - 1, 0, x.cols - 1);
  const qy = new QrDecomposition(yc).orthogonalMatrix.subMatrix(0, y.rows - 1, 0, y.cols - 1);
  const decomposition = new SingularValueDecomposition(qx.transpose().mmul(qy), { autoTranspose: true });
  const k = Math.min(x.cols, y.cols);
  const rho = decomposition.diagonal.slice(0, k);
  const weighted = (q: MlMatrix, directions: MlMatrix, acts: MlMatrix) => {
    const variates = q.mmul(directions.subMatrix(0, directions.rows - 1, 0, k - 1));
    const projections = variates.transpose().mmul(acts); // k x d
    const weights = projections.abs().sum('row');
    const total = weights.reduce((s, w) => s + w, 0);
    return weights.reduce((s, w, i) => s + (w / total) * rho[i], 0);
  };
  return {
    rho,
    fromA: weighted(qx, decomposition.leftSingularVectors, xc),
    fromB: weighted(qy, decomposition.rightSingularVectors, yc),
  };
}
