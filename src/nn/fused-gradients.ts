import * as tf from "@tensorflow/tfjs-core";

/**
 * Gradients for tfjs's fused kernels (`FusedConv2D`, `_FusedMatMul`) called directly, with a
 * bias and a linear activation: one lazy gradient per input, so tfjs computes only those a backward pass
 * asks for. tfjs's own `fused.conv2d` / `fused.matMul` differentiate through `customGrad`, which
 * computes every input's gradient: the filter gradients of a discriminator during a generator
 * step, the image gradient of a first layer, each a full convolution or GEMM thrown away. Each
 * gradient is made of tfjs ops with registered gradients, so it differentiates again (a gradient
 * penalty). Registered once, for every backend (tfjs registers no gradient for these kernels and
 * never records them on its tape itself).
 * @internal
 */

interface FusedAttrs {
  readonly activation?: string;
}

function checkLinear(kernel: string, attrs: FusedAttrs): void {
  if ((attrs.activation ?? "linear") !== "linear") {
    throw new Error(`gen-mnist: the gradient it registers for ${kernel} covers a linear activation only, found '${String(attrs.activation)}'`);
  }
}

/** The gradient of a bias added along the last axis: `dy` summed over every other axis. */
function biasGradient(dy: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const summed = tf.sum(dy, dy.shape.slice(0, -1).map((_, i) => i));
  return summed.size === bias.size ? tf.reshape(summed, bias.shape) : summed;
}

let registered = false;

/** Registers the gradients of `FusedConv2D` and `_FusedMatMul` (idempotent). @internal */
export function registerFusedGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: "FusedConv2D",
    inputsToSave: ["x", "filter", "bias"],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, bias] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor];
      const a = attrs as unknown as FusedAttrs & { strides: [number, number] | number; pad: unknown; dataFormat: string; dilations: [number, number] | number; dimRoundingMode?: string };
      const dilations = typeof a.dilations === "number" ? [a.dilations, a.dilations] : a.dilations;
      if (a.dataFormat !== "NHWC" || dilations.some((d) => d !== 1)) {
        throw new Error(`gen-mnist: the gradient it registers for FusedConv2D covers NHWC without dilation, found ${a.dataFormat}, dilations ${dilations.join("x")}`);
      }
      checkLinear("FusedConv2D", a);
      const common = { strides: a.strides, pad: a.pad, dataFormat: "NHWC", dimRoundingMode: a.dimRoundingMode } as unknown as tf.NamedAttrMap;
      return {
        x: () => tf.engine().runKernel("Conv2DBackpropInput", { dy: dy as tf.Tensor, filter }, { ...common, inputShape: x.shape }) as tf.Tensor,
        filter: () => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: dy as tf.Tensor }, { ...common, filterShape: filter.shape }) as tf.Tensor,
        bias: () => biasGradient(dy as tf.Tensor, bias),
      };
    },
  });
  tf.registerGradient({
    kernelName: "_FusedMatMul",
    inputsToSave: ["a", "b", "bias"],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, bias] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const { transposeA, transposeB, ...rest } = attrs as unknown as FusedAttrs & { transposeA: boolean; transposeB: boolean };
      checkLinear("_FusedMatMul", rest);
      const g = dy as tf.Tensor;
      const dBias = { bias: () => biasGradient(g, bias) };
      // tfjs's BatchMatMul gradient, case by case
      if (!transposeA && !transposeB) return { a: () => tf.matMul(g, b, false, true), b: () => tf.matMul(a, g, true, false), ...dBias };
      if (!transposeA && transposeB) return { a: () => tf.matMul(g, b, false, false), b: () => tf.matMul(g, a, true, false), ...dBias };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b, g, false, true), b: () => tf.matMul(a, g, false, false), ...dBias };
      return { a: () => tf.matMul(b, g, true, true), b: () => tf.matMul(g, a, true, true), ...dBias };
    },
  });
}
