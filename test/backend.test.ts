import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError, defaultKernelThreads, getKernelThreads, InvalidArgumentError, useBackend, type BackendRequest } from "../src/index.js";

describe("useBackend", () => {
  it("selects the pure-JS cpu backend", async () => {
    const selection = await useBackend("cpu");
    expect(selection.backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(selection.packageName).toBe("@tensorflow/tfjs-backend-cpu");
    expect(selection.skipped).toEqual([]);
  });

  it("selects the wasm backend and computes on it", async () => {
    const selection = await useBackend("wasm");
    expect(selection.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    const product = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(await product.data()).toEqual(new Float32Array([11]));
  });

  it("selects the gen-mnist backend: wasm with gen-mnist's kernels, including Conv2DBackpropFilter", async () => {
    const selection = await useBackend("gen-mnist");
    expect(selection.backend).toBe("gen-mnist");
    expect(selection.packageName).toBe("@tensorflow/tfjs-backend-wasm");
    expect(tf.getKernel("Conv2DBackpropFilter", "gen-mnist")).toBeDefined();
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeUndefined();
    const dw = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, "valid")))(tf.ones([2, 2, 1, 1]));
    expect(Array.from(await dw.data())).toEqual([4, 4, 4, 4]);
  });

  it("auto picks gen-mnist's kernels here and says why tfjs-node(-gpu) were skipped", async () => {
    const selection = await useBackend("auto");
    expect(selection.backend).toBe("gen-mnist");
    expect(selection.skipped.map((s) => s.packageName)).toEqual([
      "@tensorflow/tfjs-node-gpu",
      "@tensorflow/tfjs-node",
    ]);
    for (const skipped of selection.skipped) {
      expect(skipped.reason).toBe(`package not installed (npm install ${skipped.packageName})`);
    }
    expect(selection.summary).toContain("using tfjs backend 'gen-mnist'");
    expect(selection.summary).toContain("@tensorflow/tfjs-node: package not installed");
  });

  it("sets the gen-mnist backend's kernel threads and says how many; other backends report 1", async () => {
    const one = await useBackend("gen-mnist", { threads: 1 });
    expect(one.kernelThreads).toBe(1);
    expect(getKernelThreads()).toBe(1);
    expect(one.summary).toContain("(@tensorflow/tfjs-backend-wasm, 1 kernel thread)");
    const auto = await useBackend("gen-mnist");
    expect(auto.kernelThreads).toBe(defaultKernelThreads());
    expect(getKernelThreads()).toBe(defaultKernelThreads());
    expect((await useBackend("cpu", { threads: 3 })).kernelThreads).toBe(1);
    await expect(useBackend("gen-mnist", { threads: 0 })).rejects.toThrow(/threads must be an integer from 1 to 64 or "auto", got 0/);
  });

  it("names the package to install when the native backend is missing", async () => {
    const attempt = useBackend("tensorflow");
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toMatchObject({ packageName: "@tensorflow/tfjs-node" });
    await expect(attempt).rejects.toThrow(/install @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node/);
  });

  it("rejects an unknown backend name with the list of valid ones", async () => {
    const attempt = useBackend("webgl" as BackendRequest);
    await expect(attempt).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(attempt).rejects.toThrow('unknown backend "webgl"; expected one of "auto", "tensorflow", "gen-mnist", "wasm", "cpu"');
  });
});
