import * as tfl from "@tensorflow/tfjs-layers";

/**
 * tfjs-layers classes whose output for one example depends on that example alone, whatever else
 * is in the batch (dropout draws its mask per element). Batch normalization in training mode is not
 * among them: it normalizes with the batch's statistics.
 */
const PER_EXAMPLE_LAYERS: ReadonlySet<string> = new Set([
  "InputLayer", "Dense", "Conv1D", "Conv2D", "Conv2DTranspose", "Conv3D", "DepthwiseConv2D", "SeparableConv2D",
  "Flatten", "Reshape", "Permute", "RepeatVector", "Concatenate", "Add", "Multiply", "Average", "Maximum", "Minimum",
  "Activation", "LeakyReLU", "ReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax",
  "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
  "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
  "GlobalMaxPooling1D", "GlobalMaxPooling2D", "UpSampling2D", "ZeroPadding2D", "Cropping2D", "LayerNormalization", "Embedding",
]);

/** Whether a layer's `axis` option (Softmax, LayerNormalization) leaves out the batch axis. */
function axisSparesBatch(layer: tfl.layers.Layer): boolean {
  const { axis } = layer.getConfig() as { axis?: number | number[] };
  if (axis === undefined) return true;
  let rank = 0;
  try {
    const input = layer.input as tfl.SymbolicTensor | tfl.SymbolicTensor[];
    rank = Array.isArray(input) ? 0 : input.shape.length;
  } catch {
    return false; // a layer used more than once has no single input: take it as batch-wide
  }
  return rank > 1 && (Array.isArray(axis) ? axis : [axis]).every((a) => (a < 0 ? a + rank : a) > 0);
}

/** Whether a dropout layer draws its mask per example (a `noiseShape` of batch size 1 shares one). */
function masksPerExample(layer: tfl.layers.Layer): boolean {
  const { noiseShape } = layer.getConfig() as { noiseShape?: (number | null)[] | null };
  return noiseShape === undefined || noiseShape === null || noiseShape[0] !== 1;
}

/** Whether one layer (not a nested model) computes each example on its own. */
function layerPerExample(layer: tfl.layers.Layer): boolean {
  const name = layer.getClassName();
  if (!PER_EXAMPLE_LAYERS.has(name)) return false;
  if (name === "Softmax" || name === "LayerNormalization") return axisSparesBatch(layer);
  if (name === "Dropout") return masksPerExample(layer);
  return true;
}

/**
 * Whether every layer of `model` (and of the models nested in it) computes each example on its
 * own: then running two batches as one concatenated batch gives the same outputs as running them
 * apart (dropout draws its masks in another order). Layers of other classes (batch normalization,
 * a user's own layers), a softmax or layer normalization over the batch axis and dropout with one
 * mask for the whole batch make it `false`.
 *
 * @example
 * ```ts
 * perExample(new DCGAN().discriminator); // true: convolutions, leaky ReLU, dropout, dense
 * perExample(new MlpGAN().generator);    // false: batch normalization
 * ```
 */
export function perExample(model: tfl.LayersModel): boolean {
  return model.layers.every((layer) => (layer instanceof tfl.LayersModel ? perExample(layer) : layerPerExample(layer)));
}
