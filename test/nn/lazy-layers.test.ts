import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { useBackend } from "../../src/index.js";
import { WasmKernels } from "../../src/kernels/module.js";
import { LazyConv2D, LazyDense } from "../../src/nn/lazy-layers.js";

// gen-mnist's Conv2D and Dense compute, under a gradient tape, only the gradients a backward pass
// asks for, where tfjs's fused ops compute every input's; values and gradients are tfjs's.

const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233));

interface Pair {
  readonly ours: tfl.layers.Layer;
  readonly theirs: tfl.layers.Layer;
  readonly input: () => tf.Tensor;
}

/** gen-mnist's layer and tfjs's, built on the same input shape with the same (non-zero) weights. */
function pair(kind: "conv" | "winograd" | "dense"): Pair {
  // "winograd": a 3x3 stride-1 convolution the gen-mnist backend runs as Winograd F(2x2, 3x3)
  const [ours, theirs, shape] =
    kind === "conv"
      ? [new LazyConv2D({ filters: 8, kernelSize: 3, strides: 2, padding: "same" }), tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same" }), [2, 7, 7, 4]]
      : kind === "winograd"
        ? [new LazyConv2D({ filters: 12, kernelSize: 3, padding: "same" }), tfl.layers.conv2d({ filters: 12, kernelSize: 3, padding: "same" }), [2, 6, 5, 8]]
        : [new LazyDense({ units: 5 }), tfl.layers.dense({ units: 5 }), [3, 6]];
  ours.build([null, ...shape.slice(1)]);
  theirs.build([null, ...shape.slice(1)]);
  const weights = ours.getWeights().map((w, i) => tf.tensor(values(w.size, i + 1), w.shape));
  ours.setWeights(weights);
  theirs.setWeights(weights);
  tf.dispose(weights);
  return { ours, theirs, input: () => tf.tensor(values(shape.reduce((a, b) => a * b, 1), 9), shape) };
}

/** Frees a layer's variables (a layer only applied to tensors cannot be disposed by tfjs-layers). */
const release = (...layers: tfl.layers.Layer[]): void => layers.forEach((layer) => layer.weights.forEach((w) => w.dispose()));

const apply = (layer: tfl.layers.Layer, x: tf.Tensor): tf.Tensor => layer.apply(x, { training: true }) as tf.Tensor;

/** Gradients of Σ layer(x)·r with respect to x and every weight of the layer. */
function gradients(layer: tfl.layers.Layer, x: tf.Tensor): tf.Tensor[] {
  const weights = layer.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const y = apply(layer, x);
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 4), y.shape))) as tf.Scalar;
    }, weights);
    const dx = tf.grad((xx: tf.Tensor) => {
      const y = apply(layer, xx);
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 4), y.shape)));
    })(x);
    return [dx, ...weights.map((w) => grads[w.name] as tf.Tensor)];
  });
}

/** Kernel names run by `f`, one per call. */
async function kernelsRun(f: () => tf.Tensor): Promise<string[]> {
  const profile = await tf.profile(() => {
    tf.dispose(f());
  });
  return profile.kernels.map((k) => k.name).filter((name) => !name.endsWith("__op"));
}

describe.each(["cpu", "gen-mnist"] as const)("lazy Conv2D and Dense on the %s backend", (backend) => {
  it.each(["conv", "winograd", "dense"] as const)("%s: the same values and gradients (input, kernel, bias) as tfjs's layer", async (kind) => {
    await useBackend(backend);
    const { ours, theirs, input } = pair(kind);
    const x = input();
    const [a, b] = [gradients(ours, x), gradients(theirs, x)];
    expect(a.length).toBe(3);
    a.forEach((t, i) => {
      expect(t.shape).toEqual(b[i]?.shape);
      const want = (b[i] as tf.Tensor).dataSync();
      t.dataSync().forEach((v, j) => expect(Math.abs(v - (want[j] ?? Number.NaN))).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[j] ?? 0))));
    });
    // outside a tape: tfjs's own (fused) path, or on the gen-mnist backend the same kernel on 2-D operands
    const [y1, y2] = [ours.apply(x) as tf.Tensor, theirs.apply(x) as tf.Tensor];
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync()));
    tf.dispose([...a, ...b, x, y1, y2]);
    release(ours, theirs);
  });

  it("computes only the gradients asked for: no filter gradient for the input's, no input gradient for the filter's", async () => {
    await useBackend(backend);
    const { ours, theirs, input } = pair("conv");
    const x = input();
    const kernel = (layer: tfl.layers.Layer): tf.Variable => (layer.trainableWeights[0] as unknown as { read(): tf.Variable }).read();
    const wrtInput = (layer: tfl.layers.Layer) => () => tf.grad((xx: tf.Tensor) => tf.sum(apply(layer, xx)))(x);
    const wrtKernel = (layer: tfl.layers.Layer) => () => tf.variableGrads(() => tf.sum(apply(layer, x)) as tf.Scalar, [kernel(layer)]).grads[kernel(layer).name] as tf.Tensor;
    const [oursInput, theirsInput] = [await kernelsRun(wrtInput(ours)), await kernelsRun(wrtInput(theirs))];
    expect(oursInput).toContain("Conv2DBackpropInput");
    expect(oursInput).not.toContain("Conv2DBackpropFilter");
    expect(theirsInput).toContain("Conv2DBackpropFilter"); // what the lazy layer saves
    const oursKernel = await kernelsRun(wrtKernel(ours));
    expect(oursKernel).toContain("Conv2DBackpropFilter");
    expect(oursKernel).not.toContain("Conv2DBackpropInput");
    // dense: one product for one gradient, where tfjs's fused matMul runs two
    const dense = pair("dense");
    const dx = dense.input();
    const products = (names: string[]): number => names.filter((n) => n === "BatchMatMul" || n === "_FusedMatMul").length;
    const wrt = (layer: tfl.layers.Layer) => () => tf.grad((xx: tf.Tensor) => tf.sum(apply(layer, xx)))(dx);
    expect(products(await kernelsRun(wrt(dense.ours)))).toBe(2); // forward + input gradient
    expect(products(await kernelsRun(wrt(dense.theirs)))).toBe(3);
    tf.dispose([x, dx]);
    release(ours, theirs, dense.ours, dense.theirs);
  });

  it.each(["conv", "winograd", "dense"] as const)("%s: differentiates twice as tfjs's layer does (a gradient penalty's gradient) and leaks no tensor", async (kind) => {
    await useBackend(backend);
    const { ours, theirs, input } = pair(kind);
    const x = input();
    const penaltyGrads = (layer: tfl.layers.Layer): tf.Tensor[] => {
      const weights = layer.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
      return tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(apply(layer, xx))))(x);
          return tf.sum(tf.square(dx)) as tf.Scalar;
        }, weights);
        return weights.map((w) => grads[w.name] as tf.Tensor);
      });
    };
    const want = penaltyGrads(theirs);
    const before = tf.memory().numTensors;
    const winogradBefore = WasmKernels.get().winogradCalls;
    const got = penaltyGrads(ours);
    // the gen-mnist backend ran the stride-1 layer's convolutions, second order included, as Winograd
    if (kind === "winograd" && backend === "gen-mnist") expect(WasmKernels.get().winogradCalls - winogradBefore).toBeGreaterThanOrEqual(4);
    tf.dispose(penaltyGrads(ours));
    expect(tf.memory().numTensors).toBe(before + got.length);
    got.forEach((g, i) => {
      const w = (want[i] as tf.Tensor).dataSync();
      g.dataSync().forEach((v, j) => expect(Math.abs(v - (w[j] ?? Number.NaN))).toBeLessThan(1e-4 * Math.max(1, Math.abs(w[j] ?? 0))));
    });
    tf.dispose([...want, ...got, x]);
    release(ours, theirs);
  });
});

it("on the gen-mnist backend, Dense multiplies its 2-D operands as they are: no Reshape, taped, untaped or backward", async () => {
  await useBackend("gen-mnist");
  const dense = pair("dense");
  const x = dense.input();
  // reshapes to or from the 3-D operands tfjs's kernels take (the sum's gradient reshapes a scalar)
  const reshapes3d = async (f: () => tf.Tensor): Promise<number> => {
    const profile = await tf.profile(() => void tf.dispose(f()));
    return profile.kernels.filter((k) => k.name === "Reshape" && [...k.inputShapes, ...k.outputShapes].some((s) => s?.length === 3)).length;
  };
  expect(await kernelsRun(() => dense.ours.apply(x) as tf.Tensor)).toEqual(["_FusedMatMul"]);
  const wrtInput = (layer: tfl.layers.Layer) => () => tf.grad((xx: tf.Tensor) => tf.sum(apply(layer, xx)))(x);
  expect(await kernelsRun(wrtInput(dense.ours))).toContain("_FusedMatMul");
  expect(await reshapes3d(wrtInput(dense.ours))).toBe(0);
  // tfjs's layer reshapes the input, the kernel and the product, and the gradient back
  expect(await reshapes3d(wrtInput(dense.theirs))).toBeGreaterThanOrEqual(3);
  tf.dispose(x);
  release(dense.ours, dense.theirs);
});

it("the lazy layers serialize as tfjs's Conv2D and Dense, and load back as them", async () => {
  await useBackend("cpu");
  const model = tfl.sequential({ layers: [new LazyConv2D({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] }), tfl.layers.flatten(), new LazyDense({ units: 3 })] });
  const json = model.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } };
  expect(json.config.layers.map((l) => l.class_name)).toEqual(["Conv2D", "Flatten", "Dense"]);
  const loaded = await tfl.models.modelFromJSON({ modelTopology: json } as unknown as Parameters<typeof tfl.models.modelFromJSON>[0]);
  loaded.setWeights(model.getWeights());
  const x = tf.tensor4d(values(2 * 25, 3), [2, 5, 5, 1]);
  expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
  model.dispose();
  loaded.dispose();
});
