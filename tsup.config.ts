import { resolve } from "node:path";
import { defineConfig, type Options } from "tsup";

type Plugin = NonNullable<Options["esbuildPlugins"]>[number];

/**
 * The CLI imports the library as the package's own entry points (`gen-mnist`, `gen-mnist/kernels`:
 * package.json "exports" allows a package to import itself) instead of bundling a second copy of
 * it: a relative import of src/index.ts or src/kernels/index.ts becomes an external self-reference.
 */
const selfReference: Plugin = {
  name: "gen-mnist-self-reference",
  setup(build) {
    const entries = new Map([
      [resolve("src/index.ts"), "gen-mnist"],
      [resolve("src/kernels/index.ts"), "gen-mnist/kernels"],
    ]);
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const name = entries.get(resolve(args.resolveDir, args.path).replace(/\.js$/, ".ts"));
      return name === undefined ? undefined : { path: name, external: true };
    });
  },
};

export default defineConfig([
  {
    // The library: ESM + CJS, as two entries: the root (`gen-mnist`) and the kernel plumbing
    // (`gen-mnist/kernels`). Dependencies and peers stay external. The declarations (with
    // declaration maps into src/) come from tsc: see tsconfig.build.json and scripts/cts-types.mjs.
    entry: { index: "src/index.ts", kernels: "src/kernels/index.ts" },
    format: ["esm", "cjs"],
    // Both entries share one copy of the kernel state (thread count, the loaded module) through
    // common chunks; `splitting` is esbuild's default for ESM and must be asked for CJS.
    splitting: true,
    dts: false,
    sourcemap: true,
    clean: true,
    shims: true,
    target: "node20",
    platform: "node",
  },
  {
    // The `gen-mnist` command: ESM only (it uses top-level await), on top of the library's ESM entry.
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    platform: "node",
    esbuildPlugins: [selfReference],
  },
]);
