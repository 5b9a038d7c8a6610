// Reference values of gen-mnist's metrics, for docs/metrics.md: what real data, noise, one digit
// and increasingly corrupted test images score, with both shipped oracles.
//   npx tsx scripts/metrics-reference.ts            (writes docs/metrics-reference.md's tables to stdout)
// Every row uses N = 10,000 on both sides (the full test split as the reference) and seed 0.
import os from "node:os";
import {
  evaluate,
  loadFashionMnist,
  loadMnist,
  metricValues,
  prepareReference,
  sampleImageSet,
  useBackend,
  type ImageSet,
  type ReferenceName,
} from "../src/index.js";
import { singleClass, uniformNoise, withBlur, withGaussianNoise, withOcclusion } from "../src/metrics/corruptions.js";

const N = 10000;
const backend = await useBackend("auto");
const lines: string[] = [];
const out = (line = ""): void => {
  lines.push(line);
  console.error(line);
};
out(`Made by \`npx tsx scripts/metrics-reference.ts\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? "cpu"}, ${os.availableParallelism()} cores, Node ${process.version}, tfjs backend \`${backend.backend}\`. N = ${N} on both sides, seed 0.`);
for (const [data, referenceName] of [["mnist", "mnist-test"], ["fashion-mnist", "fashion-mnist-test"]] as const) {
  const load = data === "mnist" ? loadMnist : loadFashionMnist;
  let train: ImageSet;
  try {
    train = sampleImageSet(await load({ split: "train" }), N, 0);
  } catch (err) {
    out(`\n### ${data}\n\nskipped: ${(err as Error).message}`);
    continue;
  }
  const reference = await prepareReference(referenceName as ReferenceName, { n: N });
  const test = reference.images;
  const rows: [string, ImageSet][] = [
    [`real: ${N} training images (a seeded random subset)`, train],
    ["the test split itself", test],
    [`uniform noise`, uniformNoise(N, 1)],
    [`one class only (${data === "mnist" ? "1s" : "trousers"}, from the training split)`, singleClass(await load({ split: "train" }), 1, N)],
    ...[0.05, 0.1, 0.25, 0.5].map((s): [string, ImageSet] => [`test + Gaussian noise σ = ${s}`, withGaussianNoise(test, s, 1)]),
    ...[1, 2, 3].map((r): [string, ImageSet] => [`test, box blur radius ${r}`, withBlur(test, r)]),
    ...[6, 10, 14].map((s): [string, ImageSet] => [`test, ${s}×${s} square blacked out`, withOcclusion(test, s, 1)]),
  ];
  const accuracy = reference.oracle.info.testAccuracy ?? Number.NaN;
  out(`\n### ${data} (oracle \`${data}\`, ${(100 * accuracy).toFixed(2)} % test accuracy)\n`);
  out("| images (vs the test split) | FID | KID | IS | precision | recall | density | coverage | classes covered | seconds |");
  out("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const [name, images] of rows) {
    const report = await evaluate(images, { reference, n: N });
    const v = metricValues(report);
    const f = (x: number | undefined, d = 3): string => (x === undefined ? "" : x.toFixed(d));
    const g = (x: number | undefined): string => (x === undefined ? "" : Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toPrecision(3));
    out(`| ${name} | ${f(v.fid, 2)} | ${g(v.kid)} ± ${g(v.kid_std)} | ${f(v.is, 2)} | ${f(v.precision)} | ${f(v.recall)} | ${f(v.density)} | ${f(v.coverage)} | ${v.classes_covered} | ${report.seconds.toFixed(1)} |`);
  }
  reference.oracle.dispose();
}
console.log(lines.join("\n"));
