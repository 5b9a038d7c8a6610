import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { NonFiniteError } from "../errors.js";

/** Where non-finite values were found by {@link findNonFinite}. */
export interface NonFiniteReport {
  /** What holds them, e.g. `"weights of 'generator'"` or `"optimizer state of 'discriminator'"`. */
  readonly where: string;
  /** How many values of it are NaN or ±Infinity. */
  readonly count: number;
}

/** The parts of a model {@link findNonFinite} looks at. */
export interface FiniteCheckable {
  /** The networks whose weights are checked. */
  networks(): Record<string, tfl.LayersModel>;
  /** The optimizers whose state (moments, accumulators) is checked. */
  optimizers(): Record<string, tf.Optimizer>;
}

/**
 * Looks for NaN or ±Infinity in every weight and every optimizer state (Adam moments…) of a model.
 * One reduction per group runs on the backend and one number per group comes back, so it is cheap
 * enough to run every few dozen steps; values are counted only in a group that has some.
 *
 * @returns the first group with non-finite values, or `null` when all are finite.
 *
 * @example
 * ```ts
 * const bad = await findNonFinite(model);
 * if (bad !== null) console.error(`${bad.where}: ${bad.count} non-finite values`);
 * ```
 */
export async function findNonFinite(model: FiniteCheckable): Promise<NonFiniteReport | null> {
  const groups: { where: string; tensors: tf.Tensor[] }[] = [];
  const temporary: tf.Tensor[] = [];
  for (const [name, net] of Object.entries(model.networks())) {
    groups.push({ where: `weights of '${name}'`, tensors: net.weights.map((w) => w.read()) });
  }
  for (const [name, optimizer] of Object.entries(model.optimizers())) {
    const state = (await optimizer.getWeights()).map((w) => w.tensor);
    // getWeights returns the optimizer's own variables plus fresh tensors (the iteration count)
    temporary.push(...state.filter((t) => !(t instanceof tf.Variable)));
    groups.push({ where: `optimizer state of '${name}'`, tensors: state });
  }
  try {
    const present = groups.filter((g) => g.tensors.length > 0);
    if (present.length === 0) return null;
    // x * 0 is 0 for a finite x and NaN for NaN or ±Infinity, so each sum is NaN exactly when its group has one
    const flags = tf.tidy(() => tf.stack(present.map((g) => tf.addN(g.tensors.map((t) => tf.sum(tf.mul(t, 0)))))));
    const values = await flags.data();
    flags.dispose();
    const index = Array.from(values).findIndex((v) => !Number.isFinite(v));
    const group = present[index];
    if (group === undefined) return null;
    let count = 0;
    for (const t of group.tensors) for (const v of t.dataSync()) if (!Number.isFinite(v)) count++;
    return { where: group.where, count };
  } finally {
    tf.dispose(temporary);
  }
}

/**
 * Throws a {@link NonFiniteError} when {@link findNonFinite} finds anything, so that nothing
 * non-finite is ever written to `target`.
 * @internal
 */
export async function assertFiniteModel(model: FiniteCheckable, target: string): Promise<void> {
  const bad = await findNonFinite(model);
  if (bad !== null) {
    throw new NonFiniteError(`not saving ${target}: ${bad.count} non-finite value${bad.count === 1 ? "" : "s"} (NaN or ±Infinity) in the ${bad.where}`, bad);
  }
}
