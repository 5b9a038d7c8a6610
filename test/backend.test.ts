import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { BACKEND_REQUESTS, BackendUnavailableError, InvalidArgumentError, useBackend, type BackendRequest } from "../src/index.js";
import { defaultKernelThreads, getKernelThreads, relaxedSimdSupported, type KernelModuleRequest } from "../src/kernels/index.js";
import { WasmKernels } from "../src/kernels/module.js";

const ROOT = resolve(__dirname, "..");
/** Prints which kernel module a fresh process runs, and the error asking for the relaxed one gives there. */
const PROBE = `
const { useBackend } = await import("./src/index.ts");
const { relaxedSimdSupported } = await import("./src/kernels/index.ts");
const selection = await useBackend("gen-mnist");
let error;
try { await useBackend("gen-mnist", { kernels: "relaxed" }); } catch (err) { error = err.message; }
console.log(JSON.stringify({ supported: relaxedSimdSupported(), variant: selection.kernelModule, ...(error === undefined ? {} : { error }) }));
`;

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

  it("auto tries the documented order and takes the first backend that works, saying why each earlier one was skipped", async () => {
    // documented (BackendRequest, BACKEND_REQUESTS): tfjs-node-gpu, tfjs-node, gen-mnist, wasm, cpu
    expect(BACKEND_REQUESTS).toEqual(["auto", "tensorflow", "gen-mnist", "wasm", "cpu"]);
    const order = [
      { backend: "tensorflow", packageName: "@tensorflow/tfjs-node-gpu" },
      { backend: "tensorflow", packageName: "@tensorflow/tfjs-node" },
      { backend: "gen-mnist", packageName: "@tensorflow/tfjs-backend-wasm" },
      { backend: "wasm", packageName: "@tensorflow/tfjs-backend-wasm" },
      { backend: "cpu", packageName: "@tensorflow/tfjs-backend-cpu" },
    ];
    const selection = await useBackend("auto");
    // everything before the chosen one was skipped, in order, and the chosen one is the next
    const chosen = selection.skipped.length;
    expect(chosen).toBeLessThan(order.length);
    expect(selection.skipped.map((s) => s.packageName)).toEqual(order.slice(0, chosen).map((c) => c.packageName));
    expect({ backend: selection.backend, packageName: selection.packageName }).toEqual(order[chosen]);
    expect(tf.getBackend()).toBe(selection.backend);
    expect(selection.summary).toContain(`using tfjs backend '${selection.backend}' (${selection.packageName}`);
    // the summary is one short line; the details add why each earlier one was skipped
    expect(selection.summary).not.toContain("skipped");
    expect(selection.details.startsWith(selection.summary)).toBe(true);
    if (chosen > 0) expect(selection.details).toContain(`${selection.summary}; skipped `);
    else expect(selection.details).toBe(selection.summary);
    // each skip is explained, and "not installed" is true
    const require = createRequire(import.meta.url);
    for (const { packageName, reason } of selection.skipped) {
      expect(selection.details).toContain(`${packageName}: ${reason}`);
      if (reason.startsWith("package not installed")) {
        expect(reason).toBe(`package not installed (npm install ${packageName})`);
        expect(() => require.resolve(`${packageName}/package.json`)).toThrow();
      } else {
        expect(reason).toMatch(/^(failed to load|loaded, but|backend '.*' failed to initialise)/);
      }
    }
  });

  it("sets the gen-mnist backend's kernel threads and says how many; other backends report 1", async () => {
    const one = await useBackend("gen-mnist", { threads: 1 });
    expect(one.kernelThreads).toBe(1);
    expect(getKernelThreads()).toBe(1);
    expect(one.summary).toMatch(/\(@tensorflow\/tfjs-backend-wasm, (relaxed-SIMD|SIMD128) kernels on 1 thread\)/);
    const auto = await useBackend("gen-mnist");
    expect(auto.kernelThreads).toBe(defaultKernelThreads());
    expect(getKernelThreads()).toBe(defaultKernelThreads());
    expect((await useBackend("cpu", { threads: 3 })).kernelThreads).toBe(1);
    await expect(useBackend("gen-mnist", { threads: 0 })).rejects.toThrow(/threads must be an integer from 1 to 64 or "auto", got 0/);
  });

  it("runs the relaxed-SIMD kernel module by default on Node 22+, the plain one on Node 20 even where its flag validates relaxed, and says which", async () => {
    // the test runner starts Node 20 with --experimental-wasm-relaxed-simd (vitest.config.ts), so both run here
    expect(relaxedSimdSupported()).toBe(true);
    const byDefault = Number(process.versions.node.split(".")[0]) >= 22 ? "relaxed" : "plain";
    const auto = await useBackend("gen-mnist");
    expect(auto.kernelModule).toBe(byDefault);
    expect(auto.summary).toContain(byDefault === "relaxed" ? "relaxed-SIMD kernels on" : "(@tensorflow/tfjs-backend-wasm, SIMD128 kernels on");
    expect(WasmKernels.get().variant).toBe(byDefault);
    const relaxed = await useBackend("gen-mnist", { kernels: "relaxed" });
    expect(relaxed.kernelModule).toBe("relaxed");
    expect(relaxed.summary).toContain("relaxed-SIMD kernels on");
    expect(WasmKernels.get().variant).toBe("relaxed");
    const plain = await useBackend("gen-mnist", { kernels: "plain" });
    expect(plain.kernelModule).toBe("plain");
    expect(plain.summary).toContain("SIMD128 kernels on");
    expect(plain.summary).not.toContain("relaxed");
    expect(WasmKernels.get().variant).toBe("plain");
    expect((await useBackend("cpu", { kernels: "plain" })).kernelModule).toBeUndefined();
    await expect(useBackend("gen-mnist", { kernels: "fma" as KernelModuleRequest })).rejects.toThrow(
      'useBackend: kernel module must be one of "auto", "relaxed", "plain", got "fma"',
    );
    expect((await useBackend("gen-mnist")).kernelModule).toBe(byDefault);
  });

  it("falls back to the plain module where relaxed SIMD does not validate (Node 20 without its flag)", () => {
    // Node 22+ always validate relaxed SIMD (and reject the flag); Node 20 only with the flag
    const major = Number(process.versions.node.split(".")[0]);
    const flags = major < 22 ? ["--no-experimental-wasm-relaxed-simd"] : [];
    const node20 = spawnSync(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", PROBE], { encoding: "utf8", cwd: ROOT });
    expect(node20.stderr).toBe("");
    expect(JSON.parse(node20.stdout)).toEqual(
      major >= 22 ? { supported: true, variant: "relaxed" } : { supported: false, variant: "plain", error: expect.stringContaining("--experimental-wasm-relaxed-simd") },
    );
  });

  // where a native backend is installed there is nothing to report missing
  const nativeInstalled = ["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"].some((name) => {
    try {
      createRequire(import.meta.url).resolve(`${name}/package.json`);
      return true;
    } catch {
      return false;
    }
  });
  it.skipIf(nativeInstalled)("names the package to install when the native backend is missing (skipped where tfjs-node is installed)", async () => {
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
