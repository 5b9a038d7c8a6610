import * as tf from "@tensorflow/tfjs-core";

const COMPARISONS = ["Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual"] as const;
let registered = false;

/**
 * tfjs registers no gradient for comparison kernels, so second-order autodiff (the WGAN-GP
 * penalty's gradient of a gradient) fails on any activation whose gradient uses one, e.g.
 * LeakyReLU (`where(x > 0, dy, alpha · dy)`). A comparison is piecewise constant, so its gradient
 * is zero almost everywhere; this registers exactly that, once, for kernels that have none.
 */
export function ensureComparisonGradients(): void {
  if (registered) return;
  registered = true;
  for (const kernelName of COMPARISONS) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ["a", "b"],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
}
