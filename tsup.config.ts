import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The library: ESM + CJS + types. Dependencies and peers stay external.
    entry: { index: "src/index.ts" },
    format: ["esm", "cjs"],
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
