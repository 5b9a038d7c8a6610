import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const NODE_MAJOR = Number(process.versions.node.split(".")[0]);

export default defineConfig({
  // examples/ import "gen-mnist" as users do: resolve it to the source (tsconfig.json "paths" does the same for tsc and tsx)
  resolve: {
    alias: [
      { find: /^gen-mnist$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^gen-mnist\/kernels$/, replacement: fileURLToPath(new URL("./src/kernels/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    pool: "forks",
    // Node 20 validates relaxed-SIMD WebAssembly only behind this flag (Node 22+ by default): with
    // it, the kernel tests run both kernel modules on every supported Node.
    poolOptions: { forks: { execArgv: NODE_MAJOR < 22 ? ["--experimental-wasm-relaxed-simd"] : [] } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
