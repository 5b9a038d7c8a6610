import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError, InvalidArgumentError, useBackend, type BackendRequest } from "../src/index.js";

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

  it("auto picks wasm here and says why tfjs-node(-gpu) were skipped", async () => {
    const selection = await useBackend("auto");
    expect(selection.backend).toBe("wasm");
    expect(selection.skipped.map((s) => s.packageName)).toEqual([
      "@tensorflow/tfjs-node-gpu",
      "@tensorflow/tfjs-node",
    ]);
    for (const skipped of selection.skipped) {
      expect(skipped.reason).toBe(`package not installed (npm install ${skipped.packageName})`);
    }
    expect(selection.summary).toContain("using tfjs backend 'wasm'");
    expect(selection.summary).toContain("@tensorflow/tfjs-node: package not installed");
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
    await expect(attempt).rejects.toThrow('unknown backend "webgl"; expected one of "auto", "tensorflow", "wasm", "cpu"');
  });
});
