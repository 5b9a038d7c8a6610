import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { onGenMnistBackend } from "../kernels/ops.js";
import { registerFusedGradients } from "./fused-gradients.js";

type CallInputs = Parameters<tfl.layers.Layer["call"]>[0];
type CallKwargs = Parameters<tfl.layers.Layer["call"]>[1];
type CallResult = ReturnType<tfl.layers.Layer["call"]>;

/** The fields of tfjs-layers' Conv2D and Dense this file reads (they are not in its public types). */
interface LayerFields {
  readonly kernel: tfl.LayerVariable | null;
  readonly bias: tfl.LayerVariable | null;
  readonly activation: { getClassName(): string } | null;
  readonly strides?: number[];
  readonly padding?: string;
  readonly dataFormat?: string;
  readonly dilationRate?: number[];
}

// tfjs-layers exports neither class; any instance's constructor is it (the probes are named, so
// that they take no automatic name from tfjs-layers' counters: a user's layer names stay as they were)
const Conv2DBase = Object.getPrototypeOf(tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: "gen_mnist_conv2d_probe" })).constructor as new (args: Parameters<typeof tfl.layers.conv2d>[0]) => tfl.layers.Layer;
const DenseBase = Object.getPrototypeOf(tfl.layers.dense({ units: 1, name: "gen_mnist_dense_probe" })).constructor as new (args: Parameters<typeof tfl.layers.dense>[0]) => tfl.layers.Layer;

/** Whether the engine records ops for a gradient now. */
const recording = (): boolean => (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();

/**
 * The input, kernel and bias when a call can take the lazy path (under a gradient tape, or also
 * outside one when `untaped`), else undefined.
 */
function lazyOperands(layer: LayerFields, inputs: CallInputs, rank: number, untaped = false): [tf.Tensor, tf.Tensor, tf.Tensor] | undefined {
  const input = Array.isArray(inputs) ? inputs[0] : inputs;
  const linear = layer.activation === null || layer.activation.getClassName() === "linear";
  if (!(untaped || recording()) || !linear || input === undefined || input.rank !== rank || input.dtype !== "float32" || layer.kernel === null || layer.bias === null) return undefined;
  return [input, layer.kernel.read(), layer.bias.read()];
}

/**
 * tfjs-layers' `Conv2D` whose training pass computes only the gradients the backward pass needs.
 * tfjs's fused convolution differentiates through `customGrad`, computing the filter gradient even
 * when only the input's is asked for (a discriminator's layers during a generator step) and the
 * input's even when only the filter's is (a first layer): on a default DCGAN step, four of sixteen
 * filter gradients and two image gradients thrown away. Under a gradient tape it runs tfjs's
 * `FusedConv2D` kernel with lazy gradients (`fused-gradients.ts`), on any backend; otherwise it is
 * tfjs's layer. The values are the same. It serializes as a plain `Conv2D`.
 * @internal
 */
export class LazyConv2D extends Conv2DBase {
  override call(inputs: CallInputs, kwargs: CallKwargs): CallResult {
    const fields = this as unknown as LayerFields;
    const operands = lazyOperands(fields, inputs, 4);
    const { strides, padding, dataFormat, dilationRate } = fields;
    if (operands === undefined || dataFormat !== "channelsLast" || (dilationRate ?? [1]).some((d) => d !== 1) || strides === undefined || padding === undefined) {
      return super.call(inputs, kwargs);
    }
    registerFusedGradients();
    const [x, filter, bias] = operands;
    const attrs = { strides, pad: padding, dataFormat: "NHWC", dilations: [1, 1], activation: "linear" };
    return tf.engine().runKernel("FusedConv2D", { x, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
}

/**
 * tfjs-layers' `Dense` whose training pass computes only the gradients the backward pass needs
 * (see {@link LazyConv2D}: tfjs's fused matMul computes both the input's and the kernel's). Under
 * a gradient tape, on a 2-D input, it runs tfjs's `_FusedMatMul` kernel with lazy gradients, on
 * the operands reshaped to the 3-D ones tfjs's kernels take; otherwise it is tfjs's layer. On the
 * gen-mnist backend it runs the kernel on the 2-D operands, taped or not. It serializes as a plain `Dense`.
 * @internal
 */
export class LazyDense extends DenseBase {
  override call(inputs: CallInputs, kwargs: CallKwargs): CallResult {
    // gen-mnist's kernel multiplies 2-D operands as they are, taped or not; tfjs's kernels want 3-D
    // ones, and each reshape is one more kernel call (on a tape, with its saved input, and one more
    // in the backward pass)
    const onGenMnist = onGenMnistBackend();
    const operands = lazyOperands(this as unknown as LayerFields, inputs, 2, onGenMnist);
    if (operands === undefined) return super.call(inputs, kwargs);
    registerFusedGradients();
    const [x, kernel, bias] = operands;
    const attrs = { transposeA: false, transposeB: false, activation: "linear" } as unknown as tf.NamedAttrMap;
    // (gen-mnist's kernel hands other dtypes and bias shapes to tfjs's, which needs 3-D operands)
    const direct = onGenMnist && kernel.dtype === "float32" && bias.dtype === "float32" && bias.rank === 1;
    if (direct) return tf.engine().runKernel("_FusedMatMul", { a: x, b: kernel, bias }, attrs) as tf.Tensor;
    const [n, k] = x.shape as [number, number];
    const units = kernel.shape[1] as number;
    return tf.tidy(() => {
      const inputs3d = { a: tf.reshape(x, [1, n, k]), b: tf.reshape(kernel, [1, k, units]), bias };
      return tf.reshape(tf.engine().runKernel("_FusedMatMul", inputs3d, attrs) as tf.Tensor, [n, units]);
    });
  }
}
