import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { batchNormTraining, onGenMnistBackend } from "../kernels/ops.js";

interface BatchNormArgs {
  momentum?: number;
  epsilon?: number;
  name?: string;
}

/** The fields of tfjs-layers' BatchNormalization this layer reads (they are not in its public types). */
interface BatchNormFields {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly gamma: tfl.LayerVariable | null;
  readonly beta: tfl.LayerVariable | null;
  readonly movingMean: tfl.LayerVariable;
  readonly movingVariance: tfl.LayerVariable;
}

type CallInputs = Parameters<tfl.layers.Layer["call"]>[0];
type CallKwargs = Parameters<tfl.layers.Layer["call"]>[1];

// tfjs-layers does not export its BatchNormalization class; any instance's constructor is it (the
// probe is named, so that it takes no automatic name from tfjs-layers' counters)
const BatchNormBase = Object.getPrototypeOf(tfl.layers.batchNormalization({ name: "gen_mnist_batch_norm_probe" })).constructor as new (args: BatchNormArgs) => tfl.layers.Layer;

/**
 * tfjs-layers' `BatchNormalization` whose training-mode pass, on the `gen-mnist` backend, runs on
 * gen-mnist's batch-norm kernels (the statistics in one pass, the backward pass in two, where
 * tfjs tiles per-channel factors to the input's shape; a tenth of a default DCGAN step). The
 * values, gradients and moving averages are tfjs's; inference and other backends run tfjs's
 * code. It serializes as a plain `BatchNormalization`.
 * @internal
 */
export class FastBatchNormalization extends BatchNormBase {
  override call(inputs: CallInputs, kwargs: CallKwargs): ReturnType<tfl.layers.Layer["call"]> {
    const fields = this as unknown as BatchNormFields;
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = input !== undefined && (fields.axis === -1 || fields.axis === input.rank - 1);
    if (kwargs.training !== true || !onGenMnistBackend() || input === undefined || !lastAxis || input.dtype !== "float32" || fields.gamma === null || fields.beta === null) {
      return super.call(inputs, kwargs);
    }
    const { gamma, beta, movingMean, movingVariance, momentum, epsilon } = fields;
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(input, gamma.read() as tf.Tensor1D, beta.read() as tf.Tensor1D, epsilon);
      // tfjs-layers' moving averages: moving ← moving − (moving − batch) · (1 − momentum)
      for (const [variable, value] of [[movingMean, mean], [movingVariance, variance]] as const) {
        const previous = variable.read();
        variable.write(tf.sub(previous, tf.mul(tf.sub(previous, value), 1 - momentum)));
      }
      tf.dispose([mean, variance]);
      return y;
    });
  }
}
