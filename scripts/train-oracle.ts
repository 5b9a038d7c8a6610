// Trains a shipped oracle classifier with gen-mnist itself and writes it to oracles/<data>/:
//   npm run train-oracle -- --data mnist            (or fashion-mnist; --epochs, --seed, --out)
// Seeded: with one seed, backend and kernel-thread count, two runs write the same weights. The
// weights are stored as float16 and the test accuracy recorded in oracle.json is measured on the
// stored (float16) weights, over the full test split.
import { parseArgs } from "node:util";
import {
  FASHION_MNIST_CLASSES,
  loadFashionMnist,
  loadMnist,
  loadOracle,
  saveOracle,
  trainOracle,
  useBackend,
} from "../src/index.js";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: "mnist" },
    epochs: { type: "string" },
    seed: { type: "string", default: "0" },
    out: { type: "string" },
  },
});
const data = values.data ?? "mnist";
if (data !== "mnist" && data !== "fashion-mnist") {
  console.error(`train-oracle: --data must be mnist or fashion-mnist, found ${data}`);
  process.exit(2);
}
// per dataset: digits are shifted more and never mirrored (a mirrored 2 is not a 2); clothing is
// mirrored, shifted less (it fills its frame) and needs less dropout (it underfits at 0.5)
const recipe = data === "mnist" ? { epochs: 15, dropout: 0.5, shift: 2, flip: false } : { epochs: 20, dropout: 0.3, shift: 1, flip: true };
const epochs = values.epochs === undefined ? recipe.epochs : Number(values.epochs);
const seed = Number(values.seed);
const out = values.out ?? `oracles/${data}`;
const backend = await useBackend("auto");
console.log(backend.summary);
const load = data === "mnist" ? loadMnist : loadFashionMnist;
const [train, test] = await Promise.all([load({ split: "train" }), load({ split: "test" })]);
const classNames = data === "mnist" ? Array.from({ length: 10 }, (_, i) => String(i)) : [...FASHION_MNIST_CLASSES];
const settings = { ...recipe, epochs, seed, batchSize: 128, learningRate: 2e-3 };
const started = Date.now();
const { oracle, history } = await trainOracle(train, {
  ...settings,
  test,
  info: { name: data, classNames },
  onEpochEnd: (r) => {
    console.log(`epoch ${r.epoch}/${epochs}: loss ${r.loss.toFixed(4)}, train ${(100 * r.trainAccuracy).toFixed(2)}%, test ${(100 * (r.testAccuracy ?? 0)).toFixed(2)}% (${r.seconds.toFixed(0)} s)`);
  },
});
const seconds = (Date.now() - started) / 1000;
const training = { ...settings, seconds: Math.round(seconds), backend: backend.backend, kernelThreads: backend.kernelThreads, node: process.version, history };
await saveOracle(oracle, out, { training });
oracle.dispose();
// the accuracy of the weights as stored (float16), on the whole test split
const stored = await loadOracle(out);
const testAccuracy = await stored.accuracy(test);
await saveOracle(stored, out, { training, info: { testAccuracy, testSet: { name: test.name, size: test.size } } });
console.log(`wrote ${out}: test accuracy ${(100 * testAccuracy).toFixed(2)}% (float16 weights, ${test.size} images), trained in ${seconds.toFixed(0)} s`);
