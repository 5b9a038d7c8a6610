// Where the time of one training step goes, per tfjs kernel, on the gen-mnist backend:
//   npx tsx bench/profile.ts [mlp-gan|dcgan|conv-vae] [threads]
// Kernel times come from tf.profile (the wasm backend times each kernel on the calling thread),
// so a kernel's time includes its worker threads' share.
import * as tf from "@tensorflow/tfjs-core";
import { ConvVAE, DCGAN, PUBLISHED_DCGAN, PUBLISHED_MLP_GAN, VanillaGAN, defaultKernelThreads, setKernelThreads, useBackend, type GenerativeModel } from "../src/index.js";
import { WasmKernels } from "../src/kernels/module.js";

const MODELS: Record<string, { make: () => GenerativeModel; batch: number; low: number }> = {
  "mlp-gan": { make: () => new VanillaGAN(PUBLISHED_MLP_GAN), batch: 128, low: -1 },
  dcgan: { make: () => new DCGAN(PUBLISHED_DCGAN), batch: 64, low: -1 },
  "conv-vae": { make: () => new ConvVAE(), batch: 64, low: 0 },
};
const name = process.argv[2] ?? "dcgan";
const spec = MODELS[name];
if (spec === undefined) {
  console.error(`usage: npx tsx bench/profile.ts [${Object.keys(MODELS).join("|")}] [threads]`);
  process.exit(2);
}
await useBackend("gen-mnist");
const threads = setKernelThreads(process.argv[3] === undefined ? defaultKernelThreads() : Number(process.argv[3]));
await WasmKernels.get().startThreads();

const model = spec.make();
const images = tf.randomUniform([spec.batch, 28, 28, 1], spec.low, 1) as tf.Tensor4D;
for (let i = 0; i < 2; i++) await model.trainStep({ images }); // warm-up
const start = performance.now();
const profile = await tf.profile(async () => void (await model.trainStep({ images })));
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
console.log(`${name}, batch ${spec.batch}, ${threads} kernel thread(s): ${wall.toFixed(0)} ms for the step under the profiler, ${inKernels.toFixed(0)} ms in kernels`);
console.log(`${"kernel".padEnd(24)} ${"ms".padStart(8)} ${"calls".padStart(6)} ${"share".padStart(6)}`);
for (const [kernel, e] of rows) {
  if (e.ms < 0.05 * (inKernels / 100)) continue;
  console.log(`${kernel.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ${String(e.calls).padStart(6)} ${`${((100 * e.ms) / inKernels).toFixed(0)}%`.padStart(6)}`);
}
model.dispose();
images.dispose();
