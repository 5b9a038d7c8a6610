import type * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { FastBatchNormalization } from "./batch-norm.js";
import { LazyConv2D, LazyDense } from "./lazy-layers.js";
import { SeededDropout } from "./seeded-dropout.js";
import { GenMnistError } from "../errors.js";
import type { LayerSpec, NetworkSpec } from "./spec.js";

/** A network spec does not build: a layer gets an input it cannot take, or the output shape is wrong. */
export class NetworkShapeError extends GenMnistError {}

const shapeText = (shape: readonly (number | null)[]): string => `[${shape.map((d) => (d === null ? "B" : d)).join(", ")}]`;

function describeLayer(spec: LayerSpec): string {
  switch (spec.type) {
    case "dense": return `dense(${spec.units})`;
    case "conv2d": return `conv2d(${spec.filters}, k${spec.kernelSize}, s${spec.strides ?? 1})`;
    case "conv2dTranspose": return `conv2dTranspose(${spec.filters}, k${spec.kernelSize}, s${spec.strides ?? 1})`;
    case "maxPool2d": return `maxPool2d(${spec.poolSize}, s${spec.strides ?? spec.poolSize})`;
    case "batchNorm": return "batchNorm";
    case "dropout": return `dropout(${spec.rate})`;
    case "activation": return spec.activation;
    case "reshape": return `reshape${shapeText(spec.targetShape)}`;
    case "flatten": return "flatten";
  }
}

/** Options of {@link buildNetwork}. */
export interface BuildNetworkOptions {
  /**
   * Seed of the starting weights: every dense and (transposed) convolution kernel is drawn from
   * tfjs's Glorot-uniform initializer (its default) seeded from this and the layer's name, so a
   * network built twice with one seed starts from the same weights. Without it, tfjs draws them
   * from `Math.random`.
   */
  readonly seed?: number;
}

/** A 31-bit seed for the layer `name` of a network built with `seed` (FNV-1a of both). */
function layerSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5;
  for (const ch of `${seed}:${name}`) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193);
  return (hash >>> 0) & 0x7fffffff;
}

/** The kernel initializer of layer `name`: tfjs's default (Glorot uniform), seeded when `seed` is set. */
const kernelInit = (seed: number | undefined, name: string): { kernelInitializer?: ReturnType<typeof tfl.initializers.glorotUniform> } =>
  seed === undefined ? {} : { kernelInitializer: tfl.initializers.glorotUniform({ seed: layerSeed(seed, name) }) };

function makeLayer(spec: LayerSpec, name: string, seed: number | undefined): tfl.layers.Layer {
  switch (spec.type) {
    case "dense":
      return new LazyDense({ units: spec.units, useBias: spec.useBias ?? true, name, ...kernelInit(seed, name) });
    case "conv2d":
      return new LazyConv2D({
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        strides: spec.strides ?? 1,
        padding: spec.padding ?? "same",
        dilationRate: spec.dilationRate ?? 1,
        name,
        ...kernelInit(seed, name),
      });
    case "conv2dTranspose":
      return tfl.layers.conv2dTranspose({
        filters: spec.filters,
        kernelSize: spec.kernelSize,
        strides: spec.strides ?? 1,
        padding: spec.padding ?? "same",
        name,
        ...kernelInit(seed, name),
      });
    case "maxPool2d":
      return tfl.layers.maxPooling2d({ poolSize: spec.poolSize, strides: spec.strides ?? spec.poolSize, padding: spec.padding ?? "valid", name });
    case "batchNorm":
      return new FastBatchNormalization({ momentum: spec.momentum ?? 0.99, epsilon: spec.epsilon ?? 1e-3, name });
    case "dropout":
      return new SeededDropout({ rate: spec.rate, name });
    case "activation":
      return spec.activation === "leakyRelu"
        ? tfl.layers.leakyReLU({ alpha: spec.alpha ?? 0.2, name })
        : tfl.layers.activation({ activation: spec.activation, name });
    case "reshape":
      return tfl.layers.reshape({ targetShape: [...spec.targetShape], name });
    case "flatten":
      return tfl.layers.flatten({ name });
  }
}

function checkShape(where: string, got: readonly (number | null)[], want: readonly number[] | undefined): void {
  if (want === undefined) return;
  const body = got.slice(1);
  if (body.length !== want.length || body.some((d, i) => d !== want[i])) {
    throw new NetworkShapeError(`${where}: output shape should be ${shapeText([null, ...want])}, but the layers produce ${shapeText(got)}`);
  }
}

/** Checks tfjs-layers does not make at build time; returns why `spec` cannot take `shape`, if it cannot. */
function precheck(spec: LayerSpec, shape: readonly (number | null)[]): string | undefined {
  const body = shape.slice(1);
  if (spec.type === "reshape") {
    const have = body.reduce((a: number, b) => a * (b ?? 1), 1);
    const want = spec.targetShape.reduce((a, b) => a * b, 1);
    if (have !== want) return `${have} values per example cannot be reshaped to ${want}`;
  }
  if ((spec.type === "conv2d" || spec.type === "conv2dTranspose" || spec.type === "maxPool2d") && body.length !== 3) {
    return `a ${spec.type === "maxPool2d" ? "pooling layer" : "convolution"} needs an image input [B, h, w, c] (add a reshape)`;
  }
  return undefined;
}

function applyLayers(
  networkName: string,
  prefix: string,
  layers: readonly LayerSpec[],
  input: tfl.SymbolicTensor,
  seed: number | undefined,
  firstIndex = 0,
): tfl.SymbolicTensor {
  let x = input;
  layers.forEach((spec, j) => {
    const i = j + firstIndex;
    const name = `${networkName}/${prefix}${i}_${spec.type}`;
    try {
      const problem = precheck(spec, x.shape);
      if (problem !== undefined) throw new Error(problem);
      x = makeLayer(spec, name, seed).apply(x) as tfl.SymbolicTensor;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw new NetworkShapeError(
        `${networkName}: ${prefix}layer ${i} (${describeLayer(spec)}) cannot take input of shape ${shapeText(x.shape)}: ${reason}`,
      );
    }
  });
  return x;
}

/**
 * Joins the label input to the network input. A flat input (or an image input whose first layer
 * is a flatten) gets the label concatenated after flattening; an image input gets it as an extra
 * channel. Returns the joined tensor and how many spec layers it already consumed.
 */
function conditionInput(spec: NetworkSpec, x: tfl.SymbolicTensor, label: tfl.SymbolicTensor, seed: number | undefined): [tfl.SymbolicTensor, number] {
  const { condition } = spec;
  if (condition === undefined) return [x, 0];
  const { mode = "onehot", embeddingDim = 50 } = condition;
  const embedded =
    mode === "embedding"
      ? (tfl.layers.dense({ units: embeddingDim, useBias: false, name: `${spec.name}/label_embedding`, ...kernelInit(seed, `${spec.name}/label_embedding`) }).apply(label) as tfl.SymbolicTensor)
      : label;
  const flattenFirst = spec.layers[0]?.type === "flatten";
  if (spec.inputShape.length === 1 || flattenFirst) {
    const flat = flattenFirst ? (tfl.layers.flatten({ name: `${spec.name}/0_flatten` }).apply(x) as tfl.SymbolicTensor) : x;
    const joined = tfl.layers.concatenate({ name: `${spec.name}/concat_label` }).apply([flat, embedded]) as tfl.SymbolicTensor;
    return [joined, flattenFirst ? 1 : 0];
  }
  if (spec.inputShape.length === 3) {
    const [h = 0, w = 0] = spec.inputShape;
    const plane = tfl.layers.dense({ units: h * w, name: `${spec.name}/label_plane`, ...kernelInit(seed, `${spec.name}/label_plane`) }).apply(embedded) as tfl.SymbolicTensor;
    const map = tfl.layers.reshape({ targetShape: [h, w, 1], name: `${spec.name}/label_map` }).apply(plane) as tfl.SymbolicTensor;
    return [tfl.layers.concatenate({ axis: -1, name: `${spec.name}/concat_label` }).apply([x, map]) as tfl.SymbolicTensor, 0];
  }
  throw new NetworkShapeError(
    `${spec.name}: a conditional network needs a flat [d] or image [h, w, c] input, found ${shapeText([null, ...spec.inputShape])}`,
  );
}

/**
 * Builds a tfjs-layers model from a {@link NetworkSpec}. Shapes are checked while building:
 * a layer that cannot take its input, or an output of the wrong shape, raises a
 * {@link NetworkShapeError} naming the network, the layer and the shapes.
 *
 * A conditional spec gets a second input, the one-hot label `[B, numClasses]`; a spec with
 * heads gets one output per head after the trunk's. With `options.seed`, the starting weights
 * are the same every time (see {@link BuildNetworkOptions.seed}).
 *
 * @example
 * ```ts
 * const g = buildNetwork({
 *   name: "tiny-generator",
 *   inputShape: [16],
 *   layers: [{ type: "dense", units: 784 }, { type: "activation", activation: "tanh" }, { type: "reshape", targetShape: [28, 28, 1] }],
 *   outputShape: [28, 28, 1],
 * }, { seed: 1 });
 * ```
 */
export function buildNetwork(spec: NetworkSpec, options: BuildNetworkOptions = {}): tfl.LayersModel {
  const { seed } = options;
  const input = tfl.input({ shape: [...spec.inputShape], name: `${spec.name}/input` });
  const label =
    spec.condition === undefined
      ? undefined
      : tfl.input({ shape: [spec.condition.numClasses], name: `${spec.name}/label` });
  const [first, consumed] = label === undefined ? [input, 0] : conditionInput(spec, input, label, seed);
  const trunk = applyLayers(spec.name, "", spec.layers.slice(consumed), first, seed, consumed);
  const outputs = [trunk];
  if (spec.heads === undefined) {
    checkShape(spec.name, trunk.shape, spec.outputShape);
  }
  for (const head of spec.heads ?? []) {
    const out = applyLayers(spec.name, `${head.name}_`, head.layers, trunk, seed);
    checkShape(`${spec.name} head '${head.name}'`, out.shape, head.outputShape);
    outputs.push(out);
  }
  const inputs = label === undefined ? [input] : [input, label];
  const headOutputs = spec.heads === undefined ? outputs : outputs.slice(1);
  return tfl.model({ inputs, outputs: headOutputs.length === 1 ? headOutputs[0] : headOutputs, name: spec.name });
}

/**
 * The same network without its final activation layer (sharing weights), e.g. a decoder that
 * returns logits for a numerically stable cross-entropy. Returns the model itself when its last
 * layer is not an activation.
 */
export function withoutFinalActivation(model: tfl.LayersModel): tfl.LayersModel {
  const last = model.layers[model.layers.length - 1];
  if (last === undefined || !(last.getClassName() === "Activation")) return model;
  return tfl.model({ inputs: model.inputs, outputs: last.input as tfl.SymbolicTensor, name: `${model.name}/logits` });
}

/** Number of trainable parameters (scalars) of a model. */
export function countTrainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

/** The trainable variables of one or more models, for optimizers and gradient tests. */
export function trainableVariables(...models: tfl.LayersModel[]): tf.Variable[] {
  return models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
}
