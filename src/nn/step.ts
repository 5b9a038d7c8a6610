import * as tf from "@tensorflow/tfjs-core";
import type { StepLosses } from "./model.js";

/** What a loss closure returns: the scalar to minimise and any other scalars worth logging. */
export type LossParts = LossToMinimize & Readonly<Record<string, tf.Scalar>>;

/** The scalar a loss closure minimises. */
export interface LossToMinimize {
  /** The loss to minimise. */
  readonly loss: tf.Scalar;
}

/**
 * One optimizer update of `variables` on the loss `f` returns, keeping the other named scalars
 * `f` returns (for logging): the core of every `trainStep`. Gradients are disposed; the returned
 * scalars (`loss` and the others) belong to the caller — pass them to {@link resolveScalars}.
 *
 * @example
 * ```ts
 * const parts = tf.tidy(() => minimizeWithParts(optimizer, trainableVariables(net), () => {
 *   const loss = tf.losses.meanSquaredError(x, net.apply(x) as tf.Tensor) as tf.Scalar;
 *   return { loss };
 * }));
 * const losses = await resolveScalars(parts); // { loss: 0.12 }
 * ```
 */
export function minimizeWithParts(
  optimizer: tf.Optimizer,
  variables: readonly tf.Variable[],
  f: () => LossParts,
): Record<string, tf.Scalar> {
  const kept: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const parts = f();
    for (const [name, t] of Object.entries(parts)) if (name !== "loss") kept[name] = tf.keep(t);
    return parts.loss;
  }, [...variables]);
  optimizer.applyGradients(grads);
  tf.dispose(grads);
  return { loss: value, ...kept };
}

/** Reads scalar tensors into numbers (one await for all) and disposes them: a `trainStep`'s named losses. */
export async function resolveScalars(scalars: Record<string, tf.Scalar>): Promise<StepLosses> {
  const names = Object.keys(scalars);
  const values = await Promise.all(names.map((n) => (scalars[n] as tf.Scalar).data()));
  tf.dispose(Object.values(scalars));
  return Object.fromEntries(names.map((n, i) => [n, (values[i] as ArrayLike<number>)[0] ?? Number.NaN]));
}
