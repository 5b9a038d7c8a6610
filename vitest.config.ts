import { defineConfig } from "vitest/config";

const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // Node 20 validates relaxed-SIMD WebAssembly only behind this flag (Node 22+ by default): with
    // it, the kernel tests run both kernel modules on every supported Node.
    poolOptions: { forks: { execArgv: NODE_MAJOR < 22 ? ["--experimental-wasm-relaxed-simd"] : [] } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
