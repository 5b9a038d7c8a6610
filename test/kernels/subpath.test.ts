import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Options } from "tsup";
import { describe, expect, it } from "vitest";
import * as root from "../../src/index.js";
import * as kernels from "../../src/kernels/index.js";

/** The kernel plumbing: exported by `gen-mnist/kernels`, not by the root module. */
const PLUMBING = [
  "GEN_MNIST_KERNELS",
  "registerGenMnistBackend",
  "setKernelThreads",
  "getKernelThreads",
  "defaultKernelThreads",
  "MAX_KERNEL_THREADS",
  "relaxedSimdSupported",
  "KERNEL_MODULE_REQUESTS",
] as const;

describe("gen-mnist/kernels", () => {
  it("exports the kernel plumbing, and only it", () => {
    expect(Object.keys(kernels).sort()).toEqual([...PLUMBING].sort());
    expect(typeof kernels.registerGenMnistBackend).toBe("function");
    expect(kernels.GEN_MNIST_KERNELS).toContain("Conv2DBackpropFilter");
    expect(kernels.MAX_KERNEL_THREADS).toBe(64);
    expect(kernels.KERNEL_MODULE_REQUESTS).toEqual(["auto", "relaxed", "plain"]);
    expect(typeof kernels.relaxedSimdSupported()).toBe("boolean");
    const defaulted = kernels.defaultKernelThreads();
    expect(Number.isInteger(defaulted) && defaulted >= 1 && defaulted <= kernels.MAX_KERNEL_THREADS).toBe(true);
  });

  it("type exports: KernelModule and KernelModuleRequest", () => {
    const module: kernels.KernelModule = "plain";
    const request: kernels.KernelModuleRequest = "auto";
    expect(kernels.KERNEL_MODULE_REQUESTS).toContain(module);
    expect(kernels.KERNEL_MODULE_REQUESTS).toContain(request);
  });

  it("the root module no longer exports the plumbing, but keeps the backend's name", () => {
    for (const name of PLUMBING) expect(root, name).not.toHaveProperty(name);
    expect(root.GEN_MNIST_BACKEND).toBe("gen-mnist");
  });

  it("is published as ./kernels, built beside the root entry with shared chunks (one copy of the kernel state)", async () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, "../../package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(pkg.exports["./kernels"]).toEqual({
      import: { types: "./dist/types/kernels/index.d.ts", default: "./dist/kernels.js" },
      require: { types: "./dist/types/kernels/index.d.cts", default: "./dist/kernels.cjs" },
    });
    const { default: config } = await import("../../tsup.config.js");
    const library = (Array.isArray(config) ? config : [config])
      .filter((c): c is Options => typeof c === "object")
      .find((c) => c.entry !== undefined && !Array.isArray(c.entry) && "kernels" in c.entry);
    expect(library?.entry).toEqual({ index: "src/index.ts", kernels: "src/kernels/index.ts" });
    expect(library?.format).toEqual(["esm", "cjs"]);
    // without splitting, CJS (and ESM) would bundle a second copy of the thread count and kernel module
    expect(library?.splitting).toBe(true);
    // declarations come from tsc (tsconfig.build.json: one file per module, with declaration maps)
    expect(library?.dts).toBe(false);
  });
});
