// Where the time of one training step goes, per tfjs kernel, on the gen-mnist backend, for any
// preset with its default configuration (what `gen-mnist train <preset>` runs):
//   npx tsx bench/profile.ts [preset] [threads] [--batch n]
//   npx tsx bench/profile.ts dcgan              the default DCGAN at its default batch (128)
//   npx tsx bench/profile.ts dcgan-published    the published DCGAN
// Kernel times come from tf.profile (the wasm backend times each kernel on the calling thread),
// so a kernel's time includes its worker threads' share.
import "./relaxed-simd-flag.js";
import * as tf from "@tensorflow/tfjs-core";
import { MODEL_NAMES, MODEL_PRESETS, createModel, useBackend, type ModelName } from "../src/index.js";
import { defaultKernelThreads, setKernelThreads } from "../src/kernels/index.js";
import { WasmKernels } from "../src/kernels/module.js";
import { trainingBatch } from "./batches.js";

const args = process.argv.slice(2);
const batchAt = args.indexOf("--batch");
const batchOption = batchAt >= 0 ? Number(args.splice(batchAt, 2)[1]) : undefined;
const name = (args[0] ?? "dcgan") as ModelName;
const preset = MODEL_PRESETS[name];
if (preset === undefined) {
  console.error(`usage: npx tsx bench/profile.ts [${MODEL_NAMES.join("|")}] [threads] [--batch n]`);
  process.exit(2);
}
await useBackend("gen-mnist");
const threads = setKernelThreads(args[1] === undefined ? defaultKernelThreads() : Number(args[1]));
await WasmKernels.get().startThreads();

const model = createModel(name, { seed: 1 });
const batchSize = batchOption ?? preset.defaults.batchSize ?? 64;
const batch = trainingBatch(model, batchSize);
for (let i = 0; i < 2; i++) await model.trainStep(batch); // warm-up
const start = performance.now();
const profile = await tf.profile(async () => void (await model.trainStep(batch)));
const wall = performance.now() - start;

const byKernel = new Map<string, { ms: number; calls: number }>();
for (const kernel of profile.kernels) {
  // "...__op" entries are op wrappers around a kernel listed on its own: skip them
  if (kernel.name.endsWith("__op")) continue;
  const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
  entry.ms += Number(await kernel.kernelTimeMs);
  entry.calls += 1;
  byKernel.set(kernel.name, entry);
}
const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = rows.reduce((sum, [, e]) => sum + e.ms, 0);
console.log(
  `${name} (default config), batch ${batchSize}, ${threads} kernel thread(s), ${WasmKernels.get().variant} kernels: ` +
    `${wall.toFixed(0)} ms for the step under the profiler, ${inKernels.toFixed(0)} ms in kernels`,
);
console.log(`${"kernel".padEnd(24)} ${"ms".padStart(8)} ${"calls".padStart(6)} ${"share".padStart(6)}`);
for (const [kernel, e] of rows) {
  if (e.ms < 0.05 * (inKernels / 100)) continue;
  console.log(`${kernel.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ${String(e.calls).padStart(6)} ${`${((100 * e.ms) / inKernels).toFixed(0)}%`.padStart(6)}`);
}
model.dispose();
tf.dispose(Object.values(batch));
