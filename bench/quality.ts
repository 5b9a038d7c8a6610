// Quality per CPU minute: FID against wall-clock training time for DCGAN configurations, on this
// machine, through the Trainer as `gen-mnist train` runs them. Writes docs/quality-per-minute.md
// and a sample grid per configuration (docs/quality/<label>.png).
//   npx tsx bench/quality.ts                      every configuration below, 15 minutes each
//   npx tsx bench/quality.ts --only a,b           the configurations labelled a and b
//   npx tsx bench/quality.ts --minutes 2 --every 1   a short run
//   npx tsx bench/quality.ts --only none          no training: rewrites the page from the recorded points
// Results accumulate in docs/quality/points.json (a run replaces the labels it ran), and the page
// is written from all of them, so configurations can be run in several sittings.
// The training clock stops while a point is evaluated (2,000 samples against 2,000 test images:
// FID on the MNIST oracle's features, and the oracle's class counts), so evaluation costs no
// training time.
import "./relaxed-simd-flag.js";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import {
  MODEL_PRESETS, Trainer, evaluate, imageGrid, loadMnist, prepareReference, useBackend, writePng, type GANConfig, type GenerativeModel, type ModelName,
} from "../src/index.js";
import { WasmKernels } from "../src/kernels/module.js";

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const MINUTES = arg("--minutes", 15);
const EVERY = arg("--every", 2.5);
const N = arg("--n", 2000);

interface Config {
  readonly label: string;
  readonly preset: ModelName;
  readonly batchSize: number;
  /** Changes to the preset's config, besides the batch size. */
  readonly overrides?: GANConfig;
  /** One line on what it is. */
  readonly about: string;
}

const ALL_CONFIGS: readonly Config[] = [
  { label: "dcgan-published-b128", preset: "dcgan-published", batchSize: 128, about: "the published DCGAN: no batch norm, no label smoothing, batch 128" },
  { label: "dcgan-bn-ls-b128", preset: "dcgan-published", batchSize: 128, overrides: { batchNorm: true, labelSmoothing: 0.1 }, about: "batch norm in G, label smoothing 0.1, batch 128" },
  { label: "dcgan-bn-ls-b64", preset: "dcgan-published", batchSize: 64, overrides: { batchNorm: true, labelSmoothing: 0.1 }, about: "batch norm in G, label smoothing 0.1, batch 64" },
  { label: "dcgan-ls-b64", preset: "dcgan-published", batchSize: 64, overrides: { labelSmoothing: 0.1 }, about: "no batch norm, label smoothing 0.1, batch 64" },
  { label: "dcgan-published-b64", preset: "dcgan-published", batchSize: 64, about: "the published networks and optimizer at batch 64" },
  { label: "dcgan-ls-b32", preset: "dcgan-published", batchSize: 32, overrides: { labelSmoothing: 0.1 }, about: "no batch norm, label smoothing 0.1, batch 32" },
  {
    label: "dcgan-ls-b64-lr4e-4",
    preset: "dcgan-published",
    batchSize: 64,
    overrides: { labelSmoothing: 0.1, generatorOptimizer: { type: "adam", learningRate: 4e-4, beta1: 0.5 }, discriminatorOptimizer: { type: "adam", learningRate: 4e-4, beta1: 0.5 } },
    about: "no batch norm, label smoothing 0.1, batch 64, Adam 4e-4 for both networks",
  },
];
const only = process.argv.includes("--only") ? (process.argv[process.argv.indexOf("--only") + 1] ?? "").split(",") : undefined;
const unknown = (only ?? []).filter((label) => label !== "none" && !ALL_CONFIGS.some((c) => c.label === label));
if (unknown.length > 0) {
  throw new Error(`bench/quality.ts: --only names unknown configurations ${unknown.join(", ")}; expected "none" or labels among ${ALL_CONFIGS.map((c) => c.label).join(", ")}`);
}
const CONFIGS = ALL_CONFIGS.filter((c) => only === undefined || only.includes(c.label));

interface Point {
  minutes: number;
  steps: number;
  fid: number;
  classes: number;
  largestShare: number;
  /** The oracle's share of the samples in each class (absent from points of older runs). */
  shares?: number[];
}

/** The share of the class the oracle finds least among a point's samples; undefined for points recorded without shares. */
const rarestShare = (p: Point | undefined): number | undefined => (p?.shares === undefined || p.shares.length === 0 ? undefined : Math.min(...p.shares));

const selection = await useBackend("gen-mnist");
await WasmKernels.get().startThreads();
const data = CONFIGS.length > 0 ? await loadMnist({ split: "train", range: "[-1,1]" }) : undefined;
const reference = CONFIGS.length > 0 ? await prepareReference("mnist-test", { n: N }) : undefined;

async function point(model: GenerativeModel, minutes: number, steps: number): Promise<Point> {
  const report = await evaluate(model, { reference, n: N, metrics: ["fid", "classes"], seed: 0 });
  const coverage = report.metrics.classCoverage;
  return {
    minutes,
    steps,
    fid: report.metrics.fid?.value ?? Number.NaN,
    classes: coverage?.coveredClasses ?? 0,
    largestShare: Math.max(...(coverage?.shares ?? [0])),
    shares: [...(coverage?.shares ?? [])],
  };
}

async function run(config: Config): Promise<Point[]> {
  if (data === undefined) throw new Error("bench/quality.ts: no training data loaded");
  const preset = MODEL_PRESETS[config.preset];
  const model: GenerativeModel = preset.kind === "gan" ? preset.create({ ...config.overrides, seed: 1 }) : preset.create({ seed: 1 });
  const points: Point[] = [];
  let trained = 0; // milliseconds of training, evaluation excluded
  let since = performance.now();
  let next = EVERY;
  let steps = 0;
  const trainer = new Trainer(model, data, {
    epochs: 1000,
    batchSize: config.batchSize,
    callbacks: [
      {
        onBatchEnd: async ({ stopTraining }) => {
          steps += 1;
          trained += performance.now() - since;
          if (trained >= next * 60_000 || trained >= MINUTES * 60_000) {
            const p = await point(model, trained / 60_000, steps);
            points.push(p);
            process.stderr.write(`${config.label}: ${p.minutes.toFixed(1)} min, ${steps} steps, FID ${p.fid.toFixed(2)}, ${p.classes} classes, largest share ${p.largestShare.toFixed(2)}, smallest ${rarestShare(p)?.toFixed(3) ?? "–"}\n`);
            next += EVERY;
            if (trained >= MINUTES * 60_000) stopTraining(`${MINUTES} minutes of training`);
          }
          since = performance.now();
        },
      },
    ],
  });
  await trainer.fit();
  mkdirSync("docs/quality", { recursive: true });
  const samples = model.sample(100, { seed: 1 });
  const grid = imageGrid(samples, { rows: 10, cols: 10, range: "[-1,1]" });
  samples.dispose();
  await writePng(`docs/quality/${config.label}.png`, grid);
  model.dispose();
  return points;
}

const POINTS = "docs/quality/points.json";
/** When each row was measured: steps per minute differ between sittings, so compare rows of one sitting. */
const SITTINGS =
  "The rows come from several sittings on this machine, whose speed varies between them. **dcgan-ls-b64**, " +
  "**dcgan-ls-b32** and **dcgan-ls-b64-lr4e-4** were measured together in a later sitting of 2026-12-03; " +
  "**dcgan-published-b128** earlier that day, with the same kernels (that sitting's dcgan-ls-b64 took 1,712 steps " +
  "in 15 minutes, against 1,636 in the later one). The other three rows are from 2026-11-23, when a DCGAN step " +
  "took about 1.9x as long: the two batch-norm rows in one sitting, **dcgan-published-b64** in another.";
const results: Record<string, Point[]> = existsSync(POINTS) ? (JSON.parse(readFileSync(POINTS, "utf8")) as Record<string, Point[]>) : {};
for (const config of CONFIGS) results[config.label] = await run(config);
const ran = ALL_CONFIGS.filter((c) => results[c.label] !== undefined);
const cell = (p: Point | undefined): string => (p === undefined ? "–" : `${p.fid.toFixed(1)} · ${p.classes} · ${p.largestShare.toFixed(2)} · ${p.steps}`);
const columns = Math.max(...ran.map((c) => results[c.label]?.length ?? 0));

const PAGE = "docs/quality-per-minute.md";
/** The page's machine line: this run's, or the page's own when nothing was trained (`--only none`). */
const previousMachineLine = CONFIGS.length === 0 && existsSync(PAGE) ? readFileSync(PAGE, "utf8").split("\n").find((l) => l.startsWith("Measured by")) : undefined;
const lines = [
  "# Quality per CPU minute",
  "",
  previousMachineLine ??
  `Measured by \`npm run bench:quality\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? "unknown CPU"}, ` +
    `${os.availableParallelism()} cores, Node ${process.version}; ${selection.summary.replace(/^gen-mnist: /, "").replace(/;.*$/, "")}.`,
  "",
  `Each configuration trains through the \`Trainer\` on full MNIST for ${MINUTES} minutes of wall-clock time on this machine. ` +
    `Every ${EVERY} minutes the clock stops and ${N.toLocaleString("en")} samples are compared with ${N.toLocaleString("en")} test images. ` +
    "Each cell reads **FID · classes · largest class share · steps**: FID on the shipped MNIST oracle's features (lower is " +
    "better; FIDs from other feature extractors are not comparable), how many of the 10 classes the oracle finds among the " +
    "samples, the largest class's share (0.1 is balanced, 1.0 is a single digit), and the training steps taken by then.",
  "",
  `| configuration | batch | ${Array.from({ length: columns }, (_, i) => `${((i + 1) * EVERY).toFixed(1)} min`).join(" | ")} | rarest class at the end |`,
  `| --- | --- | ${Array.from({ length: columns }, () => "---").join(" | ")} | --- |`,
];
for (const config of ran) {
  const points = results[config.label] ?? [];
  const rarest = rarestShare(points.at(-1))?.toFixed(3) ?? "–";
  lines.push(`| **${config.label}**: ${config.about} | ${config.batchSize} | ${Array.from({ length: columns }, (_, i) => cell(points[i])).join(" | ")} | ${rarest} |`);
}
lines.push(
  "",
  "The last column is the share of the samples in the class the oracle finds least (a class is counted as found " +
    "from half its share of the test digits, about 0.05; `–` where the run predates its recording).",
  "",
  "gen-mnist's default DCGAN (`new DCGAN()`, `gen-mnist train dcgan`) is the **dcgan-ls-b32** configuration, chosen " +
    "from this table: the lowest FID after 15 minutes, and every class found from the tenth minute on, with at least " +
    "half its share. Adam 4e-4 at batch 64 reached a lower FID at 10 minutes but not at 15, and lost a class on the way. " +
    "`dcgan-published` keeps the published setup.",
  "",
  SITTINGS,
);
lines.push("", `Samples after ${MINUTES} minutes (100 draws, seed 1):`, "");
for (const config of ran) lines.push(`**${config.label}**`, "", `![${config.label}](quality/${config.label}.png)`, "");
mkdirSync("docs/quality", { recursive: true });
writeFileSync(PAGE, `${lines.join("\n")}\n`);
writeFileSync(POINTS, `${JSON.stringify(results, null, 2)}\n`);
console.log(lines.join("\n"));
