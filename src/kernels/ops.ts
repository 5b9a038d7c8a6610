import * as tf from "@tensorflow/tfjs-core";
import { GEN_MNIST_BACKEND } from "./names.js";

/**
 * Differentiable ops on gen-mnist's own kernels, for the layers whose tfjs composition is slow
 * on the wasm backend (batch norm's `Tile`s and transposed reductions, dropout's JavaScript
 * random numbers). Each runs only on the `gen-mnist` backend; {@link onGenMnistBackend} says
 * whether to call them.
 * @internal
 */

/** Kernel names gen-mnist registers for these ops (its backend only). */
export const BATCH_NORM_FORWARD = "GenMnistBatchNormForward";
export const BATCH_NORM_BACKWARD = "GenMnistBatchNormBackward";
export const SEEDED_DROPOUT = "GenMnistDropout";
export const LEAKY_RELU_GRAD = "GenMnistLeakyReluGrad";
export const RELU_GRAD = "GenMnistReluGrad";
export const ADAM_UPDATE = "GenMnistAdam";

/** Attributes of the {@link ADAM_UPDATE} kernel. @internal */
export interface AdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  /** `1 − β₁ᵗ`, as tfjs computes it (float32). */
  readonly oneMinusAccBeta1: number;
  /** `1 − β₂ᵗ`, as tfjs computes it (float32). */
  readonly oneMinusAccBeta2: number;
  readonly epsilon: number;
  readonly learningRate: number;
}

/**
 * One fused Adam update on gen-mnist's kernel: the new value, first and second moments of a
 * variable from its gradient (tfjs's arithmetic, one pass instead of a dozen ops). Not
 * differentiable (an optimizer step is not).
 * @internal
 */
export function adamUpdate(value: tf.Tensor, m: tf.Tensor, v: tf.Tensor, gradient: tf.Tensor, attrs: AdamUpdateAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(ADAM_UPDATE, { value, m, v, gradient }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** Whether the active backend is gen-mnist's (the ops below need its kernels). @internal */
export const onGenMnistBackend = (): boolean => tf.getBackend() === GEN_MNIST_BACKEND;

/** Whether the engine records ops for a gradient now (a backward pass inside another gradient). */
const recording = (): boolean => (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();

/**
 * The gradient of tfjs's `LeakyRelu` kernel, for every backend: `x > 0 ? dy : alpha · dy`. On the
 * gen-mnist backend one kernel, differentiable again (a gradient penalty's second order, see
 * {@link activationGradient}). Elsewhere tfjs's own composition
 * (`where(greater(x, 0), dy, mul(dy, alpha))`).
 * @internal
 */
export function leakyReluGradient(dy: tf.Tensor, x: tf.Tensor, alpha: number): tf.Tensor {
  return activationGradient(LEAKY_RELU_GRAD, dy, x, { alpha }, () => tf.where(tf.greater(x, 0), dy, tf.mul(dy, alpha)));
}

/**
 * The gradient of tfjs's `Relu` kernel, for every backend: `dy · step(x)` (`dy` above 0, `0 · dy`
 * at or below, NaN at NaN). On the gen-mnist backend one kernel instead of tfjs's `Step`, `Cast`
 * and `Multiply`, differentiable again. Elsewhere tfjs's own composition.
 * @internal
 */
export function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return activationGradient(RELU_GRAD, dy, x, {}, () => tf.mul(dy, tf.cast(tf.step(x), "float32")));
}

/**
 * A piecewise-linear activation's gradient on gen-mnist's `kernel` (`composed` elsewhere). It is
 * linear in `dy`, so its own gradient is the same kernel applied to the incoming gradient, and
 * zero in `x` almost everywhere. Inside {@link withoutActivationMaskGradients}, a kernel recorded
 * for a second order reads `x` through a tensor the tape does not connect to `x`.
 */
function activationGradient(kernel: typeof LEAKY_RELU_GRAD | typeof RELU_GRAD, dy: tf.Tensor, x: tf.Tensor, attrs: tf.NamedAttrMap, composed: () => tf.Tensor): tf.Tensor {
  if (!onGenMnistBackend() || dy.dtype !== "float32" || x.dtype !== "float32" || !sameShape(dy.shape, x.shape)) return composed();
  registerActivationGradientGradient(kernel);
  return tf.engine().runKernel(kernel, { dy, x: maskGradientsCut > 0 && recording() ? detached(x) : x }, attrs) as tf.Tensor;
}

let maskGradientsCut = 0;

/**
 * Runs `f` (which computes a gradient that is differentiated again, a gradient penalty) with the
 * zero gradient of each ReLU and leaky-ReLU gradient in its activation's input left out. That
 * gradient only carries zeros back, through every op that made the input (a gradient penalty
 * would backpropagate zeros through the whole critic on its interpolates: a fifth of a WGAN-GP
 * step). Left out, a variable that reaches the result only through an activation's on/off pattern
 * gets no gradient from it instead of a zero one, so call this only where every variable also has
 * another path to the loss (a critic's loss besides its penalty). On gen-mnist's backend only.
 * @internal
 */
export function withoutActivationMaskGradients<T>(f: () => T): T {
  maskGradientsCut++;
  try {
    return f();
  } finally {
    maskGradientsCut--;
  }
}

/**
 * A tensor on `x`'s data that the gradient tape does not connect to `x` (tfjs has no
 * `stopGradient`): no gradient flows from it back to what made `x`. Disposed like any tensor.
 */
function detached(x: tf.Tensor): tf.Tensor {
  const copy = tf.engine().makeTensorFromTensorInfo({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
  tf.backend().incRef(x.dataId); // the new tensor's reference to the shared data
  return copy;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

const differentiable = new Set<string>();

/** Registers the gradient of an {@link activationGradient} kernel (idempotent). */
function registerActivationGradientGradient(kernel: typeof LEAKY_RELU_GRAD | typeof RELU_GRAD): void {
  if (differentiable.has(kernel)) return;
  differentiable.add(kernel);
  tf.registerGradient({
    kernelName: kernel,
    inputsToSave: ["x"],
    gradFunc: (ddx, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      // zero almost everywhere (never asked for when x is detached; the tape needs one per input)
      const again = kernel === RELU_GRAD ? reluGradient : (d: tf.Tensor, v: tf.Tensor) => leakyReluGradient(d, v, Number((attrs as { alpha?: number }).alpha ?? 0.2));
      return { dy: () => again(ddx as tf.Tensor, x), x: () => tf.zerosLike(x) };
    },
  });
}

/** What {@link batchNormTraining} returns. @internal */
export interface BatchNormTrainingResult {
  /** The normalised input, scaled by γ and shifted by β. */
  readonly y: tf.Tensor;
  /** Per-channel batch mean `[C]` (not differentiable; for the moving averages). */
  readonly mean: tf.Tensor1D;
  /** Per-channel biased batch variance `[C]` (not differentiable; for the moving averages). */
  readonly variance: tf.Tensor1D;
}

/**
 * Batch normalisation in training mode over every axis but the last, on gen-mnist's kernels:
 * the same values and gradients as tfjs-layers' `moments` + `batchNormalization`, in one pass
 * for the statistics and one for the output (and two for the backward pass, where tfjs tiles
 * every per-channel factor to the input's shape). Differentiable to any order: inside another
 * gradient (a gradient penalty through a normalised critic) the backward pass is composed of
 * tfjs ops.
 * @internal
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTrainingResult {
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, m, v] = tf.engine().runKernel(BATCH_NORM_FORWARD, { x: xIn, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
    save([xIn, g, m as tf.Tensor, v as tf.Tensor]);
    mean = tf.keep(m as tf.Tensor1D);
    variance = tf.keep(v as tf.Tensor1D);
    return {
      value: y as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sv] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        if (recording()) return batchNormGradComposed(dy, sx, sg, sm, sv, epsilon);
        return tf.engine().runKernel(BATCH_NORM_BACKWARD, { dy, x: sx, gamma: sg, mean: sm, variance: sv }, { epsilon }) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta);
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** Batch norm's gradients composed of tfjs ops, so that they can be differentiated again. */
function batchNormGradComposed(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number): tf.Tensor[] {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const r = tf.rsqrt(tf.add(variance, epsilon));
  const xhat = tf.mul(tf.sub(x, mean), r);
  const dbeta = tf.sum(dy, axes);
  const dgamma = tf.sum(tf.mul(dy, xhat), axes);
  const n = x.size / (x.shape[x.rank - 1] ?? 1);
  const inner = tf.sub(tf.sub(tf.mul(dy, n), dbeta), tf.mul(xhat, dgamma));
  const dx = tf.mul(inner, tf.div(tf.mul(gamma, r), n));
  return [dx, dgamma, dbeta];
}

/**
 * Dropout with a mask drawn from `seed` by gen-mnist's kernel (`x · keep / (1 − rate)`): the
 * same seed gives the same mask on any thread count. Its gradient is the same op on `dy`
 * (dropout is linear in its input), so it is differentiable to any order.
 * @internal
 */
export function seededDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const op = tf.customGrad(((xIn: tf.Tensor) => ({
    value: tf.engine().runKernel(SEEDED_DROPOUT, { x: xIn }, { rate, seed }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor) => seededDropout(dy, rate, seed),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x);
}
