import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import type { Dataset } from "../data/dataset.js";
import { InvalidArgumentError } from "../errors.js";
import { buildNetwork, trainableVariables } from "../nn/build.js";
import { createOptimizer, setLearningRate } from "../nn/optimizer.js";
import type { NetworkSpec } from "../nn/spec.js";
import { checkInteger, checkRange } from "../_internals/check.js";
import { createRng, randomInt, randomSeed, type Rng } from "../_internals/random.js";
import { Oracle, type OracleInfo } from "./oracle.js";

/** Index of the feature layer (the ReLU after the 128-unit dense layer) in {@link oracleNetwork}'s layers. */
const FEATURE_INDEX = 6;

/**
 * The oracle classifiers' network: conv 5×5 stride 2, 32 filters → ReLU → conv 5×5 stride 2, 64
 * filters → ReLU → dense 128 → ReLU (the 128 features) → dense `numClasses` (logits): 454,922
 * parameters for 28 × 28 × 1 images and 10 classes. Strided convolutions instead of pooling and
 * no batch norm keep a training step to the GEMM kernels gen-mnist runs fastest (tfjs-layers'
 * batch norm and tfjs's wasm max-pool gradient made the same network ten times slower to train).
 *
 * @param name - network name; the feature layer is `<name>/6_activation` ({@link oracleFeatureLayer}).
 */
export function oracleNetwork(name: string, numClasses = 10, imageShape: readonly [number, number, number] = [28, 28, 1]): NetworkSpec {
  return {
    name,
    inputShape: imageShape,
    layers: [
      { type: "conv2d", filters: 32, kernelSize: 5, strides: 2 },
      { type: "activation", activation: "relu" },
      { type: "conv2d", filters: 64, kernelSize: 5, strides: 2 },
      { type: "activation", activation: "relu" },
      { type: "flatten" },
      { type: "dense", units: 128 },
      { type: "activation", activation: "relu" },
      { type: "dense", units: numClasses },
    ],
    outputShape: [numClasses],
  };
}

/** Name of the feature layer of a network built from {@link oracleNetwork}`(name)`. */
export const oracleFeatureLayer = (name: string): string => `${name}/${FEATURE_INDEX}_activation`;

/** One epoch of {@link trainOracle}. */
export interface OracleEpochRecord {
  /** Epoch, from 1. */
  readonly epoch: number;
  /** Mean training cross-entropy (on augmented images, with dropout). */
  readonly loss: number;
  /** Accuracy on the training batches as trained (augmented, dropout), in [0, 1]. */
  readonly trainAccuracy: number;
  /** Accuracy on `options.test`, when given. */
  readonly testAccuracy?: number;
  /** Seconds the epoch took (evaluation included). */
  readonly seconds: number;
}

/** Options of {@link trainOracle}. */
export interface TrainOracleOptions {
  /** Labelled images to measure accuracy on after every epoch (the test split). */
  readonly test?: Dataset;
  /**
   * Passes over the training data.
   * @defaultValue 12
   */
  readonly epochs?: number;
  /** @defaultValue 128 */
  readonly batchSize?: number;
  /**
   * Adam's starting learning rate, decayed along a cosine to 1% of it by the last step.
   * @defaultValue 2e-3
   */
  readonly learningRate?: number;
  /**
   * Dropout on the 128 features while training (seeded, so runs repeat).
   * @defaultValue 0.5
   */
  readonly dropout?: number;
  /**
   * Largest random shift of a training image, in pixels (each axis; 0 turns it off).
   * @defaultValue 2
   */
  readonly shift?: number;
  /**
   * Mirror half of the training images left-to-right (for clothing; never for digits).
   * @defaultValue false
   */
  readonly flip?: boolean;
  /**
   * Seed of the starting weights, the data order, the shifts, flips and dropout masks.
   * @defaultValue 0
   */
  readonly seed?: number;
  /** Name and class names of the oracle. */
  readonly info?: Partial<OracleInfo>;
  /** Called after every epoch (e.g. to print progress). */
  readonly onEpochEnd?: (record: OracleEpochRecord) => void | Promise<void>;
}

/** What {@link trainOracle} returns. */
export interface TrainedOracle {
  /** The trained classifier. */
  readonly oracle: Oracle;
  /** One record per epoch. */
  readonly history: readonly OracleEpochRecord[];
}

/**
 * The images `indices` of `data` as a float batch in [0, 1], each shifted by up to `shift` pixels
 * and, with `flip`, mirrored with probability ½ (zeros fill what shifts in).
 */
function augmentedBatch(data: Dataset, indices: ArrayLike<number>, shift: number, flip: boolean, rng: Rng): tf.Tensor4D {
  const { height: h, width: w } = data;
  const out = new Float32Array(indices.length * h * w);
  for (let i = 0; i < indices.length; i++) {
    const src = (indices[i] ?? 0) * h * w;
    const dy = shift > 0 ? randomInt(rng, -shift, shift) : 0;
    const dx = shift > 0 ? randomInt(rng, -shift, shift) : 0;
    const mirror = flip && randomInt(rng, 0, 1) === 1;
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx0 = x - dx;
        if (sx0 < 0 || sx0 >= w) continue;
        const sx = mirror ? w - 1 - sx0 : sx0;
        out[i * h * w + y * w + x] = (data.pixels[src + sy * w + sx] ?? 0) / 255;
      }
    }
  }
  return tf.tensor4d(out, [indices.length, h, w, 1]);
}

/**
 * Trains an oracle classifier ({@link oracleNetwork}) on a labelled dataset with gen-mnist's own
 * building blocks: seeded starting weights, seeded data order, random shifts (and flips),
 * seeded dropout on the features, Adam with a cosine learning-rate decay. With one seed and one
 * backend and thread count, two runs give the same weights. This is how the shipped MNIST and
 * Fashion-MNIST oracles were made (`npm run train-oracle`); use it for an oracle of your own data.
 *
 * @example
 * ```ts
 * const train = await loadMnist({ split: "train" });
 * const test = await loadMnist({ split: "test" });
 * const { oracle, history } = await trainOracle(train, { test, epochs: 12, info: { name: "mnist" } });
 * await saveOracle(oracle, "my-oracle");
 * ```
 */
export async function trainOracle(train: Dataset, options: TrainOracleOptions = {}): Promise<TrainedOracle> {
  const { test, epochs = 12, batchSize = 128, learningRate = 2e-3, dropout = 0.5, shift = 2, flip = false, seed = 0, onEpochEnd } = options;
  checkInteger("trainOracle", "options.epochs", epochs, 1);
  checkInteger("trainOracle", "options.batchSize", batchSize, 1);
  checkInteger("trainOracle", "options.shift", shift, 0);
  checkRange("trainOracle", "options.dropout", dropout, 0, 1, true);
  checkRange("trainOracle", "options.learningRate", learningRate, Number.MIN_VALUE, Infinity, false);
  if (train.size < batchSize) {
    throw new InvalidArgumentError(`trainOracle: ${train.name} has ${train.size} images, fewer than one batch of ${batchSize}`);
  }
  const name = options.info?.name ?? "oracle";
  const net = buildNetwork(oracleNetwork(`${name}-oracle`, train.numClasses, [train.height, train.width, 1]), { seed });
  const featureName = oracleFeatureLayer(`${name}-oracle`);
  const trunk = tfl.model({ inputs: net.inputs, outputs: net.getLayer(featureName).output as tfl.SymbolicTensor });
  const head = net.layers[net.layers.length - 1] as tfl.layers.Layer;
  const optimizer = createOptimizer({ type: "adam", learningRate }, "trainOracle");
  const variables = trainableVariables(net);
  const stepsPerEpoch = Math.floor(train.size / batchSize);
  const totalSteps = epochs * stepsPerEpoch;
  const history: OracleEpochRecord[] = [];
  // the network as an oracle, to measure test accuracy after every epoch
  const probe = new Oracle(net, { featureLayer: featureName, output: "logits" });
  let step = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = Date.now();
      const order = train.order({ seed, epoch });
      const rng = createRng(seed ^ 0x5eed, epoch);
      let lossSum = 0;
      let right = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        const progress = step / Math.max(1, totalSteps - 1);
        setLearningRate(optimizer, learningRate * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * progress))));
        const indices = order.subarray(b * batchSize, (b + 1) * batchSize);
        const x = augmentedBatch(train, indices, shift, flip, rng);
        const labels = tf.tensor1d(Array.from(indices, (i) => train.labels[i] ?? 0), "int32");
        const dropSeed = randomSeed(rng);
        const [loss, correct] = tf.tidy(() => {
          const oneHot = tf.oneHot(labels, train.numClasses);
          let hits: tf.Scalar = tf.scalar(0);
          const cost = optimizer.minimize(() => {
            const features = trunk.apply(x, { training: true }) as tf.Tensor2D;
            const dropped = dropout > 0 ? tf.dropout(features, dropout, undefined, dropSeed) : features;
            const logits = head.apply(dropped) as tf.Tensor2D;
            hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")));
            return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
          }, true, variables) as tf.Scalar;
          return [cost, hits];
        });
        const [l, c] = await Promise.all([loss.data(), correct.data()]);
        tf.dispose([x, labels, loss, correct]);
        lossSum += l[0] ?? Number.NaN;
        right += c[0] ?? 0;
        step++;
      }
      const record: OracleEpochRecord = {
        epoch: epoch + 1,
        loss: lossSum / stepsPerEpoch,
        trainAccuracy: right / (stepsPerEpoch * batchSize),
        ...(test === undefined ? {} : { testAccuracy: await probe.accuracy(test) }),
        seconds: (Date.now() - started) / 1000,
      };
      history.push(record);
      await onEpochEnd?.(record);
    }
  } finally {
    optimizer.dispose();
  }
  const final = history[history.length - 1];
  const oracle = new Oracle(net, {
    featureLayer: featureName,
    output: "logits",
    info: {
      ...options.info,
      name,
      trainedOn: train.name,
      ...(test === undefined ? {} : { testAccuracy: final?.testAccuracy, testSet: { name: test.name, size: test.size } }),
    },
  });
  return { oracle, history };
}
