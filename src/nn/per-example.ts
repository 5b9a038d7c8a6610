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

/**
 * Whether every layer of `model` (and of the models nested in it) computes each example on its
 * own: then running two batches as one concatenated batch gives the same outputs as running them
 * apart. Layers of other classes (batch normalization, a user's own layers) make it `false`.
 *
 * @example
 * ```ts
 * perExample(new DCGAN().discriminator); // true: convolutions, leaky ReLU, dropout, dense
 * perExample(new MlpGAN().generator);    // false: batch normalization
 * ```
 */
export function perExample(model: tfl.LayersModel): boolean {
  return model.layers.every((layer) => (layer instanceof tfl.LayersModel ? perExample(layer) : PER_EXAMPLE_LAYERS.has(layer.getClassName())));
}
