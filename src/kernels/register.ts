import * as tf from "@tensorflow/tfjs-core";
import { WasmKernels, type ConvGeometry, type KernelActivation, type KernelEpilogue } from "./module.js";
import { GEN_MNIST_BACKEND } from "./names.js";
import { ADAM_UPDATE, BATCH_NORM_BACKWARD, BATCH_NORM_FORWARD, LEAKY_RELU_GRAD, RELU_GRAD, SEEDED_DROPOUT, leakyReluGradient, reluGradient, type AdamUpdateAttrs } from "./ops.js";

export { GEN_MNIST_BACKEND };

/**
 * The kernels gen-mnist replaces; every other kernel is tfjs's wasm one. Besides GEMM and
 * convolutions: LeakyRelu and the Greater / Select of its gradient, which tfjs's wasm backend runs
 * several times slower than a plain loop (they were a tenth of a DCGAN step), Relu (whose gradient
 * tfjs composes of Step, Cast and Multiply: three kernels per layer, one here), and Sum over every
 * axis but the last (bias gradients), which it computes by transposing first. `Identity` shares
 * its input's memory (as `Reshape` does) instead of copying it: the engine clones every tensor a
 * gradient saves, hundreds per training step. `Tanh` (a generator's output) is a vectorised rational
 * approximation where tfjs's wasm kernel calls libm's `tanhf` per element, ten times slower.
 * `Concat` of float32 tensors writes its result into the kernels' memory, where the next GEMM
 * reads it, instead of copying its inputs out to tfjs's memory and the result back in. `Cast` to
 * the tensor's own dtype shares its input's memory as tfjs's cpu backend does (the engine's
 * gradient of every clone it saves is such a cast; tfjs's wasm backend copies), and a cast to
 * bool is `x ≠ 0` (tfjs's wasm kernel converts to a byte, so -2.5 became 254). `Add` of a float
 * tensor and one value, one value per last-axis channel (a bias) or a tensor of its shape is one
 * threaded pass; tfjs's wasm Add computes a broadcast index per element and runs several times
 * slower on the bias a transposed convolution adds (a twentieth of a DCGAN step).
 */
export const GEN_MNIST_KERNELS = [
  "BatchMatMul",
  "_FusedMatMul",
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "LeakyRelu",
  "Relu",
  "Tanh",
  "Greater",
  "Select",
  "Sum",
  "Identity",
  "Cast",
  "Concat",
  "Add",
] as const;

/**
 * Kernels only gen-mnist's backend has, behind the batch-norm and dropout layers gen-mnist builds
 * (see `src/kernels/ops.ts`).
 */
const OWN_KERNELS = [BATCH_NORM_FORWARD, BATCH_NORM_BACKWARD, SEEDED_DROPOUT, LEAKY_RELU_GRAD, RELU_GRAD, ADAM_UPDATE] as const;

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: tf.DataId): void;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

/** What {@link keepResults} wraps of tfjs's wasm backend. */
interface WasmBackendInternals extends WasmBackendLike {
  readSync(dataId: tf.DataId, start?: number, end?: number): tf.backend_util.BackendValues;
  move(dataId: tf.DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void;
  read(dataId: tf.DataId): Promise<tf.backend_util.BackendValues>;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  dispose(): void;
  readonly dataIdMap: { has(dataId: tf.DataId): boolean };
}

type Attrs = Record<string, unknown>;
type Activation = "linear" | "relu" | "relu6" | "elu" | "leakyrelu" | "sigmoid" | "prelu";

/**
 * A result of gen-mnist's kernels that backs a tensor where the kernels left it, in their own
 * memory: gen-mnist's kernels read it there, and it is copied to tfjs's memory (the tensor's own)
 * only when something else reads it — a tfjs kernel, `dataSync`, `data`. Most results of a
 * training step are only ever read by gen-mnist's kernels, so most never are.
 */
interface Resident {
  readonly kernels: WasmKernels;
  /** The kernels' memory block holding it (see `WasmKernels.claim`). */
  readonly block: number;
  readonly view: Float32Array | Uint8Array;
  /** Whether tfjs's memory for the tensor is yet to be written. */
  stale: boolean;
}

/** Tensors backed by a {@link Resident} result, by data id (tensors that share a data id share it). */
const residents = new Map<tf.DataId, Resident>();

/** Writes a resident result into tfjs's memory for its tensor, if not done yet. */
function materialize(backend: WasmBackendLike, dataId: tf.DataId): void {
  const resident = residents.get(dataId);
  if (resident === undefined || !resident.stale) return;
  const { view } = resident;
  const info: tf.TensorInfo = { dataId, shape: [view.length], dtype: view instanceof Uint8Array ? "bool" : "float32" };
  (backend.typedArrayFromHeap(info) as Float32Array | Uint8Array).set(view);
  resident.stale = false;
}

/** Forgets a tensor's resident result (its data was disposed) and frees the block with its last claim. */
function forget(dataId: tf.DataId): void {
  const resident = residents.get(dataId);
  if (resident === undefined) return;
  residents.delete(dataId);
  resident.kernels.unclaim(resident.block);
}

/** Writes every input of a tfjs kernel that is a stale resident result into tfjs's memory. */
function materializeInputs(backend: WasmBackendLike, inputs: tf.NamedTensorInfoMap): void {
  if (residents.size === 0) return;
  for (const input of Object.values(inputs)) if (input !== undefined && input !== null) materialize(backend, input.dataId);
}

/** A tensor's values for gen-mnist's kernels: its resident result, else tfjs's memory. */
function readValues(backend: WasmBackendLike, t: tf.TensorInfo, type: typeof Float32Array | typeof Uint8Array): Float32Array | Uint8Array {
  const resident = residents.get(t.dataId);
  if (resident !== undefined && resident.view instanceof type && resident.view.length === size(t)) return resident.view;
  materialize(backend, t.dataId);
  return backend.typedArrayFromHeap(t) as Float32Array | Uint8Array;
}

const read = (backend: WasmBackendLike, t: tf.TensorInfo): Float32Array => readValues(backend, t, Float32Array) as Float32Array;

/**
 * A tensor for a kernel's result: the result stays where the kernels left it, claimed for the
 * tensor, when it is a block of the last call (see {@link Resident}); else it is copied into tfjs's memory.
 */
function output(backend: WasmBackendLike, shape: number[], values: Float32Array | Uint8Array): tf.TensorInfo {
  const out = backend.makeOutput(shape, values instanceof Uint8Array ? "bool" : "float32");
  const kernels = WasmKernels.get();
  const block = kernels.claim(values);
  if (block !== undefined) residents.set(out.dataId, { kernels, block, view: values, stale: true });
  else (backend.typedArrayFromHeap(out) as Float32Array | Uint8Array).set(values);
  return out;
}

/**
 * Makes tfjs's wasm backend instance serve resident results: reading a tensor's values
 * (`dataSync`, `data`, moving it to another backend) writes them into tfjs's memory first, and
 * disposing a tensor's data frees its result.
 */
function keepResults(backend: tf.KernelBackend): tf.KernelBackend {
  const wasm = backend as unknown as WasmBackendInternals;
  const { readSync, read: readAsync, disposeData, dispose, move } = wasm;
  // new values for a data id (tfjs moves a tensor's data in this way) replace any result kept for it
  wasm.move = (dataId, values, shape, dtype, refCount) => {
    forget(dataId);
    move.call(wasm, dataId, values, shape, dtype, refCount);
  };
  wasm.readSync = (dataId, start, end) => {
    materialize(wasm, dataId);
    return readSync.call(wasm, dataId, start, end);
  };
  wasm.read = async (dataId) => {
    materialize(wasm, dataId);
    return readAsync.call(wasm, dataId);
  };
  wasm.disposeData = (dataId, force) => {
    const released = disposeData.call(wasm, dataId, force);
    if (!wasm.dataIdMap.has(dataId)) forget(dataId);
    return released;
  };
  wasm.dispose = () => {
    [...residents.keys()].forEach(forget);
    dispose.call(wasm);
  };
  return backend;
}

/** tfjs kernels that only give their input's data a new shape (same data id): nothing to write for them. */
const ALIASING_KERNELS: ReadonlySet<string> = new Set(["Reshape", "ExpandDims", "Squeeze"]);

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const size = (t: tf.TensorInfo): number => t.shape.reduce((a, b) => a * b, 1);

/**
 * Adds a bias (scalar or per last-axis channel) and applies an activation, in place: the
 * JavaScript path for the activations the kernels do not fuse themselves (elu, sigmoid, prelu).
 */
function epilogue(values: Float32Array, channels: number, backend: WasmBackendLike, biasInfo: tf.TensorInfo | undefined, preluInfo: tf.TensorInfo | undefined, attrs: Attrs): void {
  const bias = biasInfo && read(backend, biasInfo);
  const prelu = preluInfo && read(backend, preluInfo);
  const activation = (attrs.activation ?? "linear") as Activation;
  const alpha = Number(attrs.leakyreluAlpha ?? 0.2);
  if (bias !== undefined) {
    for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) + (bias.length === 1 ? (bias[0] ?? 0) : (bias[i % channels] ?? 0));
  }
  if (activation === "linear") return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    switch (activation) {
      case "relu": values[i] = v > 0 ? v : 0; break;
      case "relu6": values[i] = Math.min(Math.max(v, 0), 6); break;
      case "elu": values[i] = v > 0 ? v : Math.exp(v) - 1; break;
      case "leakyrelu": values[i] = v > 0 ? v : alpha * v; break;
      case "sigmoid": values[i] = 1 / (1 + Math.exp(-v)); break;
      case "prelu": {
        const a = prelu === undefined ? 0 : prelu.length === 1 ? (prelu[0] ?? 0) : (prelu[i % channels] ?? 0);
        values[i] = v > 0 ? v : a * v;
        break;
      }
    }
  }
}

const KERNEL_ACTIVATIONS: ReadonlySet<string> = new Set<KernelActivation>(["linear", "relu", "relu6", "leakyrelu"]);

/**
 * The epilogue the kernels apply themselves (bias and linear / relu / relu6 / leaky relu), or
 * undefined when `activation` needs {@link epilogue} in JavaScript instead (elu, sigmoid, prelu).
 */
function kernelEpilogue(backend: WasmBackendLike, bias: tf.TensorInfo | undefined, attrs: Attrs): KernelEpilogue | undefined {
  const activation = String(attrs.activation ?? "linear");
  if (!KERNEL_ACTIVATIONS.has(activation)) return undefined;
  return { bias: bias && read(backend, bias), activation: activation as KernelActivation, alpha: Number(attrs.leakyreluAlpha ?? 0.2) };
}

/** Whether a bias / prelu tensor is a scalar or one value per output channel (what `epilogue` handles). */
const perChannel = (t: tf.TensorInfo | undefined, channels: number): boolean => {
  if (t === undefined) return true;
  const size = t.shape.reduce((a, b) => a * b, 1);
  return size === 1 || (size === channels && t.shape[t.shape.length - 1] === channels);
};

function matMul(
  backend: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue?: KernelEpilogue,
): { values: Float32Array; shape: number[] } {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? (a.shape[ra - 1] ?? 0) : (a.shape[ra - 2] ?? 0);
  const k = transposeA ? (a.shape[ra - 2] ?? 0) : (a.shape[ra - 1] ?? 0);
  const n = transposeB ? (b.shape[rb - 2] ?? 0) : (b.shape[rb - 1] ?? 0);
  const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const outerShape = (batchA >= batchB ? a.shape : b.shape).slice(0, -2);
  const values = WasmKernels.get().matMul(read(backend, a), read(backend, b), batchA, batchB, m, n, k, transposeA, transposeB, epilogue);
  return { values, shape: [...outerShape, m, n] };
}

/** Degenerate geometry (a dilated filter larger than the padded input) is left to tfjs's kernel. */
const degenerate = (info: tf.backend_util.Conv2DInfo): boolean => info.outHeight < 1 || info.outWidth < 1;

function convGeometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

type Conv2DPad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;

function conv2dInfo(xShape: number[], filterShape: number[], attrs: Attrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations ?? 1) as number | [number, number],
    attrs.pad as Conv2DPad,
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    false,
    "channelsLast",
  );
}

const isFloat = (...ts: (tf.TensorInfo | undefined)[]): boolean => ts.every((t) => t === undefined || t.dtype === "float32");
const isNHWC = (attrs: Attrs): boolean => attrs.dataFormat === undefined || attrs.dataFormat === "NHWC";

type KernelFn = (args: { inputs: tf.NamedTensorInfoMap; backend: WasmBackendLike; attrs: Attrs }) => tf.TensorInfo;

/** Our implementation of each kernel; `undefined` means "not this case, use tfjs's kernel". */
const IMPLEMENTATIONS: Record<(typeof GEN_MNIST_KERNELS)[number], (args: Parameters<KernelFn>[0]) => tf.TensorInfo | undefined> = {
  BatchMatMul: ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!isFloat(a, b)) return undefined;
    const { values, shape } = matMul(backend, a, b, Boolean(attrs.transposeA), Boolean(attrs.transposeB));
    return output(backend, shape, values);
  },
  _FusedMatMul: ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
    if (a === undefined || b === undefined || !isFloat(a, b, bias, preluActivationWeights)) return undefined;
    const ta = Boolean(attrs.transposeA);
    const tb = Boolean(attrs.transposeB);
    const n = tb ? (b.shape[b.shape.length - 2] ?? 1) : (b.shape[b.shape.length - 1] ?? 1);
    if (!perChannel(bias, n) || !perChannel(preluActivationWeights, n)) return undefined;
    const fused = kernelEpilogue(backend, bias, attrs);
    const { values, shape } = matMul(backend, a, b, ta, tb, fused);
    if (fused === undefined) epilogue(values, n, backend, bias, preluActivationWeights, attrs);
    return output(backend, shape, values);
  },
  Conv2D: ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    if (!isFloat(x, filter) || !isNHWC(attrs)) return undefined;
    const info = conv2dInfo(x.shape, filter.shape, attrs);
    if (degenerate(info)) return undefined;
    return output(backend, info.outShape, WasmKernels.get().conv2d(convGeometry(info), read(backend, x), read(backend, filter)));
  },
  FusedConv2D: ({ inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
    if (x === undefined || filter === undefined || !isFloat(x, filter, bias, preluActivationWeights) || !isNHWC(attrs)) return undefined;
    const info = conv2dInfo(x.shape, filter.shape, attrs);
    if (degenerate(info) || !perChannel(bias, info.outChannels) || !perChannel(preluActivationWeights, info.outChannels)) return undefined;
    const fused = kernelEpilogue(backend, bias, attrs);
    const values = WasmKernels.get().conv2d(convGeometry(info), read(backend, x), read(backend, filter), fused);
    if (fused === undefined) epilogue(values, info.outChannels, backend, bias, preluActivationWeights, attrs);
    return output(backend, info.outShape, values);
  },
  Conv2DBackpropInput: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    if (!isFloat(dy, filter) || !isNHWC(attrs)) return undefined;
    const inputShape = attrs.inputShape as number[];
    const info = conv2dInfo(inputShape, filter.shape, { ...attrs, dilations: 1 });
    if (degenerate(info)) return undefined;
    return output(backend, inputShape, WasmKernels.get().conv2dBackpropInput(convGeometry(info), read(backend, dy), read(backend, filter)));
  },
  Conv2DBackpropFilter: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    if (!isFloat(x, dy) || !isNHWC(attrs)) return undefined;
    const filterShape = attrs.filterShape as number[];
    const info = conv2dInfo(x.shape, filterShape, { ...attrs, dilations: 1 });
    if (degenerate(info)) return undefined;
    return output(backend, filterShape, WasmKernels.get().conv2dBackpropFilter(convGeometry(info), read(backend, x), read(backend, dy)));
  },
  LeakyRelu: ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (!isFloat(x)) return undefined;
    return output(backend, x.shape, WasmKernels.get().leakyRelu(read(backend, x), Number(attrs.alpha ?? 0.2)));
  },
  Relu: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (!isFloat(x)) return undefined;
    return output(backend, x.shape, WasmKernels.get().relu(read(backend, x)));
  },
  Tanh: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (!isFloat(x)) return undefined;
    return output(backend, x.shape, WasmKernels.get().tanh(read(backend, x)));
  },
  Greater: ({ inputs, backend }) => {
    // float tensors of one shape, or compared with one value (x > 0 in LeakyRelu's gradient)
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    // (a one-value b of higher rank would broadcast the output to its rank: tfjs's kernel then)
    if (!isFloat(a, b) || !(sameShape(a.shape, b.shape) || (size(b) === 1 && b.shape.length <= a.shape.length))) return undefined;
    return output(backend, a.shape, WasmKernels.get().greater(read(backend, a), read(backend, b)));
  },
  Sum: ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const rank = x.shape.length;
    // tfjs's own parsing: null means every axis, negative ones count from the end
    const axes = new Set(tf.util.parseAxisParam((attrs.axis ?? null) as unknown as number | number[], x.shape));
    // only every axis but the last (the bias gradient of a dense or conv layer)
    if (!isFloat(x) || rank < 2 || axes.size !== rank - 1 || axes.has(rank - 1)) return undefined;
    const cols = x.shape[rank - 1] ?? 0;
    const sums = WasmKernels.get().columnSums(read(backend, x), size(x) / Math.max(1, cols), cols);
    return output(backend, attrs.keepDims === true ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols], sums);
  },
  Identity: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    return x.dtype === "string" ? undefined : sharing(backend, x);
  },
  Cast: ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") return undefined;
    if (attrs.dtype === x.dtype) return sharing(backend, x);
    if (attrs.dtype !== "bool" || (x.dtype !== "float32" && x.dtype !== "int32")) return undefined;
    // x ≠ 0 (NaN is true), as tfjs's cpu backend casts; its wasm kernel converts to a byte (-2.5 → 254)
    materialize(backend, x.dataId);
    const values = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const out = backend.makeOutput(x.shape, "bool");
    const bytes = backend.typedArrayFromHeap(out) as Uint8Array;
    for (let i = 0; i < values.length; i++) bytes[i] = values[i] !== 0 ? 1 : 0;
    return out;
  },
  Add: ({ inputs, backend }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!isFloat(a, b)) return undefined;
    // addition commutes: the tensor of the output's shape first (the larger, or of equal size the
    // higher rank), the one repeated along it second
    const [big, small] = size(b) > size(a) || (size(b) === size(a) && b.shape.length > a.shape.length) ? [b, a] : [a, b];
    if (!repeatsAlong(small, big)) return undefined;
    return output(backend, big.shape, WasmKernels.get().add(read(backend, big), read(backend, small)));
  },
  Concat: ({ inputs, backend, attrs }) => {
    const parts = Object.keys(inputs).sort((a, b) => Number(a) - Number(b)).map((key) => inputs[key] as tf.TensorInfo);
    const first = parts[0];
    if (first === undefined || !isFloat(...parts) || parts.some((t) => size(t) === 0)) return undefined;
    const rank = first.shape.length;
    const axis = tf.util.parseAxisParam(attrs.axis as number | number[], first.shape)[0] ?? 0;
    // every part has the first's rank and dimensions but along the axis (else tfjs's kernel says what is wrong)
    if (parts.some((t) => t.shape.length !== rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i]))) return undefined;
    const outer = first.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inners = parts.map((t) => t.shape.slice(axis).reduce((a, b) => a * b, 1));
    const shape = [...first.shape];
    shape[axis] = parts.reduce((total, t) => total + (t.shape[axis] ?? 0), 0);
    return output(backend, shape, WasmKernels.get().concat(parts.map((t) => read(backend, t)), outer, inners));
  },
  Select: ({ inputs, backend }) => {
    const { condition, t, e } = inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
    if (condition.dtype !== "bool" || !isFloat(t, e) || !sameShape(condition.shape, t.shape) || !sameShape(t.shape, e.shape)) return undefined;
    const values = WasmKernels.get().select(readValues(backend, condition, Uint8Array) as Uint8Array, read(backend, t), read(backend, e));
    return output(backend, t.shape, values);
  },
};

/** A tensor of `x`'s data, shape and dtype: one more reference to its memory, no copy. */
function sharing(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Whether `small` broadcasts along `big` as one repeated block, leaving `big`'s shape as it is:
 * `small` has `big`'s shape, or is one value, or holds `big`'s last dimension with every other
 * dimension 1 (a bias), and no more dimensions than `big`.
 */
function repeatsAlong(small: tf.TensorInfo, big: tf.TensorInfo): boolean {
  const rank = big.shape.length;
  if (small.shape.length > rank || size(big) === 0) return false;
  if (sameShape(small.shape, big.shape) || size(small) === 1) return true;
  const last = small.shape[small.shape.length - 1];
  return last === big.shape[rank - 1] && size(small) === last;
}

/** `[rows, channels]` of a tensor normalised over every axis but the last. */
const rowsAndChannels = (t: tf.TensorInfo): [number, number] => {
  const channels = t.shape[t.shape.length - 1] ?? 1;
  return [size(t) / Math.max(1, channels), channels];
};

const OWN_IMPLEMENTATIONS: Record<(typeof OWN_KERNELS)[number], KernelFn | ((args: Parameters<KernelFn>[0]) => tf.TensorInfo[])> = {
  [BATCH_NORM_FORWARD]: ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
    const [rows, cols] = rowsAndChannels(x);
    const out = WasmKernels.get().batchNormForward(read(backend, x), rows, cols, read(backend, gamma), read(backend, beta), Number(attrs.epsilon));
    return [output(backend, x.shape, out.y), output(backend, [cols], out.mean), output(backend, [cols], out.variance)];
  },
  [BATCH_NORM_BACKWARD]: ({ inputs, backend, attrs }) => {
    const { dy, x, gamma, mean, variance } = inputs as Record<"dy" | "x" | "gamma" | "mean" | "variance", tf.TensorInfo>;
    const [rows, cols] = rowsAndChannels(x);
    const out = WasmKernels.get().batchNormBackward(
      read(backend, dy), read(backend, x), read(backend, mean), read(backend, variance), read(backend, gamma), rows, cols, Number(attrs.epsilon),
    );
    return [output(backend, x.shape, out.dx), output(backend, [cols], out.dgamma), output(backend, [cols], out.dbeta)];
  },
  [LEAKY_RELU_GRAD]: ({ inputs, backend, attrs }) => {
    const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    return output(backend, x.shape, WasmKernels.get().leakyReluGrad(read(backend, dy), read(backend, x), Number(attrs.alpha)));
  },
  [RELU_GRAD]: ({ inputs, backend }) => {
    const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
    return output(backend, x.shape, WasmKernels.get().reluGrad(read(backend, dy), read(backend, x)));
  },
  [ADAM_UPDATE]: ({ inputs, backend, attrs }) => {
    const { value, m, v, gradient } = inputs as Record<"value" | "m" | "v" | "gradient", tf.TensorInfo>;
    const out = WasmKernels.get().adam(read(backend, value), read(backend, m), read(backend, v), read(backend, gradient), attrs as unknown as AdamUpdateAttrs);
    return [output(backend, value.shape, out.w), output(backend, value.shape, out.m), output(backend, value.shape, out.v)];
  },
  [SEEDED_DROPOUT]: ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    return output(backend, x.shape, WasmKernels.get().dropout(read(backend, x), Number(attrs.rate), Number(attrs.seed)));
  },
};

/**
 * Registers the `gen-mnist` tfjs backend: an instance of tfjs's wasm backend (same factory, all
 * its kernels) whose GEMM and convolution kernels are gen-mnist's WASM SIMD ones, including the
 * `Conv2DBackpropFilter` that tfjs's wasm backend lacks. Idempotent.
 *
 * @returns false when `@tensorflow/tfjs-backend-wasm` has not been loaded (no `wasm` backend).
 */
export function registerGenMnistBackend(): boolean {
  if (tf.findBackendFactory(GEN_MNIST_BACKEND) !== null) return true;
  const factory = tf.findBackendFactory("wasm");
  if (factory === null) return false;
  tf.registerBackend(GEN_MNIST_BACKEND, async () => keepResults(await factory()), 1);
  const ours = new Set<string>(GEN_MNIST_KERNELS);
  for (const kernel of tf.getKernelsForBackend("wasm")) {
    if (ours.has(kernel.kernelName)) continue;
    const { kernelFunc } = kernel;
    tf.registerKernel({
      ...kernel,
      backendName: GEN_MNIST_BACKEND,
      kernelFunc: ALIASING_KERNELS.has(kernel.kernelName)
        ? kernelFunc
        : (args) => {
            materializeInputs(args.backend as unknown as WasmBackendLike, args.inputs);
            return kernelFunc(args);
          },
    });
  }
  for (const name of GEN_MNIST_KERNELS) {
    const fallback = tf.getKernel(name, "wasm");
    tf.registerKernel({
      kernelName: name,
      backendName: GEN_MNIST_BACKEND,
      ...(fallback?.setupFunc ? { setupFunc: fallback.setupFunc } : {}),
      kernelFunc: (args) => {
        const mine = IMPLEMENTATIONS[name]({ inputs: args.inputs, backend: args.backend as unknown as WasmBackendLike, attrs: args.attrs as Attrs });
        if (mine !== undefined) return mine;
        if (fallback === undefined) throw new Error(`gen-mnist backend: no kernel for this case of ${name}`);
        materializeInputs(args.backend as unknown as WasmBackendLike, args.inputs);
        return fallback.kernelFunc(args) as tf.TensorInfo;
      },
    });
  }
  // LeakyRelu's and Relu's gradients as one kernel each on this backend (tfjs's compositions on
  // the others), themselves differentiable (see activationGradient in ops.ts), so higher-order
  // gradients run them too: the same values, a third of the passes over memory
  tf.registerGradient({
    kernelName: "LeakyRelu",
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => leakyReluGradient(dy as tf.Tensor, x, Number((attrs as { alpha?: number }).alpha ?? 0.2)) };
    },
  });
  tf.registerGradient({
    kernelName: "Relu",
    inputsToSave: ["x"],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => reluGradient(dy as tf.Tensor, x) };
    },
  });
  for (const name of OWN_KERNELS) {
    const impl = OWN_IMPLEMENTATIONS[name];
    tf.registerKernel({
      kernelName: name,
      backendName: GEN_MNIST_BACKEND,
      kernelFunc: (args) => impl({ inputs: args.inputs, backend: args.backend as unknown as WasmBackendLike, attrs: args.attrs as Attrs }),
    });
  }
  return true;
}
