import * as tf from "@tensorflow/tfjs-core";
import { useBackend, DCGAN, PUBLISHED_DCGAN, ConvVAE, type GenerativeModel } from "../src/index.js";
await useBackend("cpu");
const mk = () => new DCGAN({ ...PUBLISHED_DCGAN, seed: 3 });
for (const [name, make, range] of [["dcgan", mk, "[-1,1]"], ["convvae", () => new ConvVAE({ seed: 3 }), "[0,1]"]] as const) {
  // build on cpu, save weights, then run one step on each backend from the same weights
  await useBackend("cpu");
  const base: GenerativeModel = make();
  await base.save(`/tmp/eq-${name}`);
  const results: number[][][] = [];
  for (const be of ["cpu", "gen-mnist"] as const) {
    await useBackend(be);
    const { loadModel } = await import("../src/index.js");
    const m = await loadModel(`/tmp/eq-${name}`);
    const images = (range === "[-1,1]" ? tf.randomUniform([8, 28, 28, 1], -1, 1, "float32", 5) : tf.randomUniform([8, 28, 28, 1], 0, 1, "float32", 5)) as tf.Tensor4D;
    const t0 = Date.now();
    const l = await m.trainStep({ images });
    console.log(be, name, JSON.stringify(l), Date.now() - t0, "ms");
    results.push(Object.values(m.networks()).flatMap((n) => n.getWeights().map((w) => Array.from(w.dataSync()))));
  }
  let maxd = 0, maxv = 0; results[0]!.forEach((w, i) => w.forEach((v, j) => { maxd = Math.max(maxd, Math.abs(v - results[1]![i]![j]!)); maxv = Math.max(maxv, Math.abs(v)); }));
  console.log(name, "max weight diff after one step", maxd, "max |w|", maxv);
}
