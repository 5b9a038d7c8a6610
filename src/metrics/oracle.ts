import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { imageSetBatch, type ImageSet } from "../data/image-set.js";
import { InvalidArgumentError } from "../errors.js";
import { checkInteger } from "../_internals/check.js";
import { logSumExp } from "../_internals/logsumexp.js";
import type { FeatureMatrix } from "./matrix.js";

/**
 * Images an {@link Oracle} reads: an {@link ImageSet} of bytes (a `Dataset`, samples, files), or
 * a float tensor `[n, h, w, c]` with values in [0, 1].
 */
export type OracleInput = ImageSet | tf.Tensor4D;

/** What is known about an {@link Oracle}: where it came from and how well it classifies. */
export interface OracleInfo {
  /** Short name, e.g. `"mnist"` or `"fashion-mnist"`. */
  readonly name: string;
  /** Data it was trained on, e.g. `"mnist/train"`. */
  readonly trainedOn?: string | undefined;
  /** Accuracy on the full test split of its dataset, in [0, 1], when measured. */
  readonly testAccuracy?: number | undefined;
  /** Test split the accuracy was measured on. */
  readonly testSet?: OracleTestSet | undefined;
  /** A name for each class, indexed by label. */
  readonly classNames: readonly string[];
}

/** The labelled images an oracle's accuracy was measured on. */
export interface OracleTestSet {
  /** Name, e.g. `"mnist/test"`. */
  readonly name: string;
  /** Number of images. */
  readonly size: number;
}

/** The two outputs of {@link Oracle.embed}. */
export interface OracleEmbedding {
  /** Feature-layer activations `[n, featureDim]`: the space of FID, KID, precision/recall, density/coverage. */
  readonly features: FeatureMatrix;
  /** Class logits `[n, numClasses]` (log-probabilities for a classifier that outputs probabilities). */
  readonly logits: FeatureMatrix;
}

/** Options of the {@link Oracle} constructor. */
export interface OracleOptions {
  /**
   * The layer whose output is the feature space: its name, or its index in `model.layers`
   * (negative counts from the end: `-2` is the layer before the output layer).
   */
  readonly featureLayer: string | number;
  /**
   * Whether the model outputs class logits or class probabilities (a softmax).
   * @defaultValue `"probabilities"` when the last layer's activation is softmax, else `"logits"`
   */
  readonly output?: "logits" | "probabilities";
  /** Name, provenance and accuracy; `name` defaults to the model's name. */
  readonly info?: Partial<OracleInfo>;
}

/** Options of the oracle's batched methods. */
export interface OracleRunOptions {
  /**
   * Images per forward pass, so that 10,000 images never sit in one tensor.
   * @defaultValue 500
   */
  readonly batchSize?: number;
}

const softmaxRow = (logits: Float64Array, offset: number, k: number, out: Float64Array): void => {
  const lse = logSumExp(logits, offset, k);
  for (let j = 0; j < k; j++) out[offset + j] = Math.exp((logits[offset + j] ?? -Infinity) - lse);
};

/**
 * Softmax of every row of a logits matrix, in float64.
 *
 * @example
 * ```ts
 * const p = softmax(featureMatrix([[0, Math.log(3)]])); // [[0.25, 0.75]]
 * ```
 */
export function softmax(logits: FeatureMatrix): FeatureMatrix {
  const data = new Float64Array(logits.data.length);
  for (let i = 0; i < logits.rows; i++) softmaxRow(logits.data, i * logits.cols, logits.cols, data);
  return { rows: logits.rows, cols: logits.cols, data };
}

/** The arg-max of every row (the predicted class of each image). */
export function argmaxRows(m: FeatureMatrix): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let j = 1; j < m.cols; j++) if ((m.data[i * m.cols + j] ?? 0) > (m.data[i * m.cols + best] ?? 0)) best = j;
    out[i] = best;
  }
  return out;
}

/**
 * A classifier that metrics see images through: its feature layer (the space of FID, KID,
 * precision/recall, density/coverage) and its class outputs (inception score, class coverage).
 * gen-mnist ships one for MNIST and one for Fashion-MNIST (`loadOracle`); wrap any tfjs
 * `LayersModel` classifier of your own with `new Oracle(model, { featureLayer })`.
 *
 * Inputs are images in [0, 1] with a black background, as MNIST stores them.
 *
 * @example
 * ```ts
 * const oracle = await loadOracle("mnist");
 * const test = await loadMnist({ split: "test" });
 * const { features, logits } = await oracle.embed(test); // [10000, 128], [10000, 10]
 * console.log(await oracle.accuracy(test));             // 0.99…
 * // your own classifier, any tfjs LayersModel:
 * const mine = new Oracle(await tf.loadLayersModel("file://my/model.json"), { featureLayer: -2 });
 * ```
 */
export class Oracle {
  /** The classifier: image → class logits (or probabilities, see {@link OracleOptions.output}). */
  readonly model: tfl.LayersModel;
  /** Name, provenance and measured accuracy. */
  readonly info: OracleInfo;
  /** Shape of one input image, `[height, width, channels]`. */
  readonly imageShape: readonly [number, number, number];
  /** Number of feature dimensions. */
  readonly featureDim: number;
  /** Number of classes. */
  readonly numClasses: number;
  /** Name of the feature layer. */
  readonly featureLayer: string;
  /** Whether {@link Oracle.model} outputs logits or probabilities. */
  readonly outputKind: "logits" | "probabilities";
  private readonly embedder: tfl.LayersModel;

  /**
   * Wraps a classifier. It must take one image input `[B, h, w, c]` and give one output `[B, classes]`.
   * @throws {@link InvalidArgumentError} when the model has another form or the feature layer does not exist.
   */
  constructor(model: tfl.LayersModel, options: OracleOptions) {
    const inputShape = model.inputs[0]?.shape ?? [];
    const outputShape = model.outputs[0]?.shape ?? [];
    if (model.inputs.length !== 1 || inputShape.length !== 4 || model.outputs.length !== 1 || outputShape.length !== 2) {
      throw new InvalidArgumentError(
        `Oracle: the classifier must map one image input [B, h, w, c] to one output [B, classes]; found inputs ` +
          `${model.inputs.map((i) => `[${i.shape.join(", ")}]`).join(", ")} and outputs ${model.outputs.map((o) => `[${o.shape.join(", ")}]`).join(", ")}`,
      );
    }
    const layer = findLayer(model, options.featureLayer);
    const featureOut = layer.output as tfl.SymbolicTensor;
    const flat = featureOut.shape.length === 2 ? featureOut : (tfl.layers.flatten({ name: `${model.name}/oracle_flatten_features` }).apply(featureOut) as tfl.SymbolicTensor);
    this.model = model;
    this.featureLayer = layer.name;
    this.embedder = tfl.model({ inputs: model.inputs, outputs: [flat, model.outputs[0] as tfl.SymbolicTensor] });
    const [, h = 0, w = 0, c = 0] = inputShape;
    this.imageShape = [h ?? 0, w ?? 0, c ?? 0];
    this.featureDim = flat.shape[1] ?? 0;
    this.numClasses = outputShape[1] ?? 0;
    const last = model.layers[model.layers.length - 1];
    const lastActivation = (last?.getConfig() as { activation?: unknown } | undefined)?.activation;
    this.outputKind = options.output ?? (lastActivation === "softmax" ? "probabilities" : "logits");
    const classNames = options.info?.classNames ?? Array.from({ length: this.numClasses }, (_, i) => String(i));
    if (classNames.length !== this.numClasses) {
      throw new InvalidArgumentError(`Oracle: info.classNames has ${classNames.length} names for ${this.numClasses} classes`);
    }
    this.info = { ...options.info, name: options.info?.name ?? model.name, classNames };
  }

  /**
   * Features and class logits of every image, computed `batchSize` images at a time.
   * @throws {@link InvalidArgumentError} when the images are not of the oracle's shape, or hold NaN.
   */
  async embed(images: OracleInput, options: OracleRunOptions = {}): Promise<OracleEmbedding> {
    const { batchSize = 500 } = options;
    checkInteger("Oracle.embed", "options.batchSize", batchSize, 1);
    const n = this.checkInput(images);
    const features = new Float64Array(n * this.featureDim);
    const logits = new Float64Array(n * this.numClasses);
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const [f, l, nan] = tf.tidy(() => {
        const x = images instanceof tf.Tensor ? tf.slice(images, [start, 0, 0, 0], [end - start, -1, -1, -1]) : imageSetBatch(images, start, end);
        const out = this.embedder.apply(x, { training: false }) as tf.Tensor[];
        const hasNaN = images instanceof tf.Tensor ? tf.any(tf.isNaN(x)) : tf.scalar(false, "bool");
        return [out[0] as tf.Tensor, out[1] as tf.Tensor, hasNaN];
      });
      const [fv, lv, bad] = await Promise.all([f.data(), l.data(), nan.data()]);
      tf.dispose([f, l, nan]);
      if (bad[0]) throw new InvalidArgumentError(`Oracle.embed: the images ${start}..${end - 1} hold NaN pixels; expected values in [0, 1]`);
      features.set(fv, start * this.featureDim);
      if (this.outputKind === "logits") logits.set(lv, start * this.numClasses);
      else for (let i = 0; i < lv.length; i++) logits[start * this.numClasses + i] = Math.log(Math.max(lv[i] ?? 0, 1e-300));
    }
    return {
      features: { rows: n, cols: this.featureDim, data: features },
      logits: { rows: n, cols: this.numClasses, data: logits },
    };
  }

  /** Feature-layer activations `[n, featureDim]`. */
  async features(images: OracleInput, options: OracleRunOptions = {}): Promise<FeatureMatrix> {
    return (await this.embed(images, options)).features;
  }

  /** Class probabilities `[n, numClasses]`, a softmax in float64. */
  async probabilities(images: OracleInput, options: OracleRunOptions = {}): Promise<FeatureMatrix> {
    return softmax((await this.embed(images, options)).logits);
  }

  /** The predicted class of every image. */
  async predict(images: OracleInput, options: OracleRunOptions = {}): Promise<Int32Array> {
    return argmaxRows((await this.embed(images, options)).logits);
  }

  /**
   * Share of correctly classified images of a labelled set, in [0, 1].
   * @throws {@link InvalidArgumentError} when the set has no labels.
   */
  async accuracy(data: ImageSet, options: OracleRunOptions = {}): Promise<number> {
    const labels = data.labels;
    if (labels === undefined) throw new InvalidArgumentError(`Oracle.accuracy: ${data.name} has no labels`);
    const predicted = await this.predict(data, options);
    let right = 0;
    predicted.forEach((p, i) => { if (p === labels[i]) right++; });
    return right / Math.max(1, predicted.length);
  }

  /** Releases the classifier's weights. */
  dispose(): void {
    this.model.dispose();
  }

  private checkInput(images: OracleInput): number {
    const [h, w, c] = this.imageShape;
    if (images instanceof tf.Tensor) {
      if (images.rank !== 4 || images.shape[1] !== h || images.shape[2] !== w || images.shape[3] !== c) {
        throw new InvalidArgumentError(`Oracle ${this.info.name}: images must have shape [n, ${h}, ${w}, ${c}], found [${images.shape.join(", ")}]`);
      }
      if (images.dtype !== "float32") {
        throw new InvalidArgumentError(`Oracle ${this.info.name}: image tensors must be float32 in [0, 1], found dtype ${images.dtype}`);
      }
      return images.shape[0] ?? 0;
    }
    if (images === null || typeof images !== "object" || !(images.pixels instanceof Uint8Array)) {
      throw new InvalidArgumentError(`Oracle ${this.info.name}: images must be an ImageSet (bytes) or a float32 tensor [n, ${h}, ${w}, ${c}]`);
    }
    const channels = images.channels ?? 1;
    if (images.height !== h || images.width !== w || channels !== c) {
      throw new InvalidArgumentError(
        `Oracle ${this.info.name}: ${images.name} holds ${images.height}x${images.width}x${channels} images, the oracle takes ${h}x${w}x${c}` +
          "; the oracle metrics (FID, KID, IS, precision/recall, class coverage) need images of the oracle's shape",
      );
    }
    return images.size;
  }
}

function findLayer(model: tfl.LayersModel, which: string | number): tfl.layers.Layer {
  if (typeof which === "number") {
    const index = which < 0 ? model.layers.length + which : which;
    const layer = model.layers[index];
    if (!Number.isInteger(which) || layer === undefined) {
      throw new InvalidArgumentError(`Oracle: featureLayer ${which} is not a layer index of ${model.name} (it has ${model.layers.length} layers)`);
    }
    return layer;
  }
  const layer = model.layers.find((l) => l.name === which);
  if (layer === undefined) {
    throw new InvalidArgumentError(`Oracle: ${model.name} has no layer named ${JSON.stringify(which)}; its layers are ${model.layers.map((l) => l.name).join(", ")}`);
  }
  return layer;
}
