/**
 * The checks every pair passes before it is compared: both files must hold
 * the same datapoints. Shared by the in-memory and streamed routes.
 */
import { InputError } from '../errors.js';
import type { InputInfo, LoadedMatrix } from '../io/load.js';

/**
 * Two files can be compared only when their rows are the same datapoints.
 * Explains the two usual causes of a mismatch: a transposed dump and conv
 * maps of different spatial size.
 */
export function checkPairShapes(a: LoadedMatrix, b: LoadedMatrix): void {
  checkPairInfos(a.info, b.info);
}

/** {@link checkPairShapes} on the files' descriptions alone (the streamed route has no matrices). */
export function checkPairInfos(ia: InputInfo, ib: InputInfo): void {
  if (ia.datapoints === ib.datapoints) return;
  const where = `${ia.path} vs ${ib.path}`;
  const seen = `${ia.path} has shape [${ia.shape.join(', ')}] -> ${ia.datapoints} datapoints, ${ib.path} has shape [${ib.shape.join(', ')}] -> ${ib.datapoints} datapoints`;
  if (ia.reduction === 'flatten' && ib.reduction === 'flatten') {
    throw new InputError(`conv maps of different spatial size cannot be flattened together: ${seen}`, {
      where,
      hint: `spatial sizes [${ia.spatialShape.join(', ')}] and [${ib.spatialShape.join(', ')}] differ; pass --conv mean to average over space`,
    });
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
