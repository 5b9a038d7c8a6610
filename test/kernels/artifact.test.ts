import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { KERNELS_WASM_BASE64 } from "../../src/kernels/_wasm.js";

const root = resolve(__dirname, "../..");
const hasCompiler = ["clang", "wasm-ld"].every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0);

describe("the committed kernel module", () => {
  it("the embedded base64 is kernels/gen-mnist-kernels.wasm, byte for byte, and a valid module", () => {
    const embedded = Buffer.from(KERNELS_WASM_BASE64, "base64");
    const file = readFileSync(resolve(root, "kernels/gen-mnist-kernels.wasm"));
    expect(embedded.equals(file)).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(file)).map((e) => e.name);
    expect(exports).toEqual(expect.arrayContaining(["sgemm", "sgemm_fused", "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter_part", "__stack_pointer"]));
  });

  it.skipIf(!hasCompiler)("is what kernels/kernels.c builds to (needs clang and lld)", () => {
    const check = spawnSync("bash", [resolve(root, "kernels/build.sh"), "--check"], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
