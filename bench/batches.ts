// A fixed random training batch for a model: images in its pixel range, one-hot labels when it is
// conditional. Shared by bench/bench.ts and bench/profile.ts.
import * as tf from "@tensorflow/tfjs-core";
import type { GenerativeModel, TrainBatch } from "../src/index.js";

/** `size` random images (and labels, for a conditional model) that `model.trainStep` takes. */
export function trainingBatch(model: GenerativeModel, size: number): TrainBatch {
  const low = model.pixelRange === "[-1,1]" ? -1 : 0;
  const images = tf.randomUniform([size, 28, 28, 1], low, 1, "float32", 1) as tf.Tensor4D;
  if (!model.conditional) return { images };
  const labels = tf.tensor1d(Array.from({ length: size }, (_, i) => i % 10), "int32");
  const oneHot = tf.cast(tf.oneHot(labels, 10), "float32") as tf.Tensor2D;
  labels.dispose();
  return { images, oneHot };
}
