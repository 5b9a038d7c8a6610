import * as tf from "@tensorflow/tfjs-core";
import type { StepLosses } from "./model.js";

/** What a loss closure returns: the scalar to minimise and any other scalars worth logging. */
export type LossParts = { readonly loss: tf.Scalar } & Readonly<Record<string, tf.Scalar>>;

/**
 * One optimizer update of `variables` on the loss `f` returns, keeping the other named scalars
 * `f` returns (for logging). Gradients are disposed; the returned scalars belong to the caller.
 * @internal
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

/**
 * Reads scalar tensors into numbers (one await for all) and disposes them.
 * @internal
 */
export async function resolveScalars(scalars: Record<string, tf.Scalar>): Promise<StepLosses> {
  const names = Object.keys(scalars);
  const values = await Promise.all(names.map((n) => (scalars[n] as tf.Scalar).data()));
  tf.dispose(Object.values(scalars));
  return Object.fromEntries(names.map((n, i) => [n, (values[i] as ArrayLike<number>)[0] ?? Number.NaN]));
}
