import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from "../../src/kernels/_wasm.js";

const root = resolve(__dirname, "../..");
const hasCompiler = ["clang-19", "wasm-ld-19"].every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0);

/** Every WebAssembly instruction of a module's code section that is in the relaxed-SIMD range (0xfd 0x100-0x113). */
function relaxedOpcodes(bytes: Buffer): number {
  // f32x4.relaxed_madd is 0xfd 0x85 0x02 (LEB128 of 0x105); count any 0xfd prefix followed by 0x80-0x93 0x02
  let count = 0;
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] === 0xfd && (bytes[i + 1] ?? 0) >= 0x80 && (bytes[i + 1] ?? 0) <= 0x93 && bytes[i + 2] === 0x02) count++;
  }
  return count;
}

describe.each([
  ["gen-mnist-kernels.wasm", KERNELS_WASM_BASE64, false],
  ["gen-mnist-kernels-relaxed.wasm", KERNELS_RELAXED_WASM_BASE64, true],
] as const)("the committed kernel module %s", (file, base64, relaxed) => {
  it("is the embedded base64, byte for byte, and a module with every kernel", () => {
    const embedded = Buffer.from(base64, "base64");
    const bytes = readFileSync(resolve(root, "kernels", file));
    expect(embedded.equals(bytes)).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    expect(exports).toEqual(expect.arrayContaining(["sgemm", "sgemm_fused", "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter_part", "dgemm_nt", "__stack_pointer"]));
  });

  it(relaxed ? "uses relaxed-SIMD multiply-adds" : "uses no relaxed-SIMD instruction (it must run on Node 20 without flags)", () => {
    const count = relaxedOpcodes(readFileSync(resolve(root, "kernels", file)));
    if (relaxed) expect(count).toBeGreaterThan(0);
    else expect(count).toBe(0);
  });
});

describe("the kernel build", () => {
  it.skipIf(!hasCompiler)("kernels/kernels.c builds to the committed modules (needs clang-19 and lld-19)", () => {
    const check = spawnSync("bash", [resolve(root, "kernels/build.sh"), "--check"], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
