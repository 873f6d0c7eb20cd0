/**
 * The checks every pair passes before it is compared: both files must hold
 * the same datapoints. Shared by the in-memory and streamed routes.
 */
import { InputError } from '../errors.js';
import { describeLayoutMismatch } from '../io/layout.js';
import type { InputInfo, LoadedMatrix } from '../io/load.js';

/**
 * Two files can be compared only when their rows are the same datapoints.
 * Explains the usual causes of a mismatch: a transposed dump, conv maps of
 * different spatial size, and a file stored in another axis order than the
 * layout says (an NHWC file among NCHW ones) - the last one is an error even
 * when the datapoints agree (`--conv mean`), since its channels would be
 * compared with positions.
 */
export function checkPairShapes(a: LoadedMatrix, b: LoadedMatrix): void {
  checkPairInfos(a.info, b.info);
}

/** {@link checkPairShapes} on the files' descriptions alone (the streamed route has no matrices). */
export function checkPairInfos(ia: InputInfo, ib: InputInfo): void {
  const where = `${ia.path} vs ${ib.path}`;
  checkAxisOrders(ia, ib, where);
  if (ia.datapoints === ib.datapoints) return;
  const seen = `${ia.path} has shape [${ia.shape.join(', ')}] -> ${ia.datapoints} datapoints, ${ib.path} has shape [${ib.shape.join(', ')}] -> ${ib.datapoints} datapoints`;
  if (ia.reduction === 'flatten' && ib.reduction === 'flatten') {
    throw new InputError(`conv maps of different spatial size cannot be flattened together: ${seen}`, {
      where,
      hint: `spatial sizes [${ia.spatialShape.join(', ')}] and [${ib.spatialShape.join(', ')}] differ; pass --conv mean to average over space`,
    });
  }
  // A flattened conv map against a 2-D layer of the same inputs: N * positions rows against N.
  const [conv, dense] = ia.reduction === 'flatten' && ib.reduction === 'none' ? [ia, ib] : ib.reduction === 'flatten' && ia.reduction === 'none' ? [ib, ia] : [];
  if (conv && dense) {
    const positions = conv.spatialShape.reduce((product, size) => product * size, 1);
    if (conv.datapoints === dense.datapoints * positions) {
      throw new InputError(`a flattened conv map and a 2-D layer have different numbers of datapoints: ${seen}`, {
        where,
        hint: `--conv flatten makes each of the ${positions} positions a datapoint; pass --conv mean to compare a conv layer with a dense one (one row per input)`,
      });
    }
  }
  const transposedMatches =
    ia.shape.length === 2 && ib.shape.length === 2 && (ia.shape[1] === ib.datapoints || ib.shape[1] === ia.datapoints);
  throw new InputError(`different numbers of datapoints: ${seen}`, {
    where,
    hint: transposedMatches
      ? 'a file looks transposed (neurons x datapoints, as google/svcca stores them): re-save it as (datapoints, neurons), or pass --layout neurons-first when both files are stored that way'
      : 'both files must hold activations for the same probe inputs, in the same order',
  });
}

/** Transposes that turn one common layout into the other, for hints. */
const TRANSPOSE_HINTS: Readonly<Record<number, string>> = {
  3: 'np.transpose(x, (0, 2, 1)) swaps ntc and nct',
  4: 'np.transpose(x, (0, 3, 1, 2)) turns nhwc into nchw, (0, 2, 3, 1) nchw into nhwc',
  5: 'np.transpose(x, (0, 4, 1, 2, 3)) turns ndhwc into ncdhw',
};

/**
 * Two arrays read with the same axis layout whose sizes only line up in
 * another common layout: one of them is stored in a different axis order.
 * Says which layout each looks like; suggests no reduction, since averaging
 * or flattening would compare channels with positions.
 */
function checkAxisOrders(ia: InputInfo, ib: InputInfo, where: string): void {
  if (ia.reduction === 'none' || ib.reduction === 'none' || ia.layout !== ib.layout) return;
  const mismatch = describeLayoutMismatch({ source: ia.path, shape: ia.shape }, { source: ib.path, shape: ib.shape }, ia.layout);
  if (mismatch === undefined) return;
  throw new InputError(`the files store their axes in different orders, so under layout ${ia.layout} their channels and positions do not line up: ${mismatch}`, {
    where,
    hint: `re-save one file in the other's axis order (${TRANSPOSE_HINTS[ia.shape.length] ?? 'np.transpose'}), then compare them with one --layout`,
  });
}
