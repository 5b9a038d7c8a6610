import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The library: ESM + CJS + types, as two entries: the root (`gen-mnist`) and the kernel
    // plumbing (`gen-mnist/kernels`). Dependencies and peers stay external.
    entry: { index: "src/index.ts", kernels: "src/kernels/index.ts" },
    format: ["esm", "cjs"],
    // Both entries share one copy of the kernel state (thread count, the loaded module) through
    // common chunks; `splitting` is esbuild's default for ESM and must be asked for CJS.
    splitting: true,
    dts: true,
    sourcemap: true,
    clean: true,
    shims: true,
    target: "node20",
    platform: "node",
  },
  {
    // The `gen-mnist` command: ESM only (it uses top-level await).
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    platform: "node",
  },
]);
