// npm run bench: speed of gen-mnist's kernels (relaxed-SIMD and plain modules) vs tfjs's wasm and
// cpu kernels, and of every preset's default config trained end to end through the Trainer, vs
// PyTorch running the same configurations on the same machine in the same run. Writes
// docs/benchmarks.md.
//   npm run bench                          full run (about 15 minutes on 2 cores)
//   npm run bench -- --quick               fewer repetitions
//   npm run bench -- --also-node <node>    the training table on a second Node too (e.g. Node 24)
//   GEN_MNIST_THREADS=n npm run bench      gen-mnist's kernels (and PyTorch) on n threads instead of every core
import "./relaxed-simd-flag.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import {
  ConvVAE, DCGAN, MODEL_PRESETS, MlpVAE, Trainer, MlpGAN, createModel, loadMnist,
  useBackend, writeIdx, type Dataset, type GenerativeModel, type ModelName,
} from "../src/index.js";
import { defaultKernelThreads, relaxedSimdSupported, type KernelModule } from "../src/kernels/index.js";
import { WasmKernels } from "../src/kernels/module.js";
import { relaxedPreferredOn } from "../src/kernels/variant.js";

const quick = process.argv.includes("--quick");
/** Threads gen-mnist's kernels use by default here (every core unless GEN_MNIST_THREADS says otherwise). */
const THREADS = defaultKernelThreads();
/** The kernel table's columns: gen-mnist's two modules on every thread and on one, tfjs's wasm and cpu backends. */
type Column = "relaxed" | "relaxed-1" | "plain" | "plain-1" | "wasm" | "cpu";
const GEN_MNIST_COLUMNS = ["relaxed", "relaxed-1", "plain", "plain-1"] as const;

/** Selects a column's backend (for gen-mnist, its module and thread count, with the workers up). */
async function select(column: Column): Promise<void> {
  if (column === "wasm" || column === "cpu") {
    await useBackend(column);
    return;
  }
  await useBackend("gen-mnist", { kernels: column.startsWith("relaxed") ? "relaxed" : "plain", threads: column.endsWith("-1") ? 1 : THREADS });
  await WasmKernels.get().startThreads();
}

/** Median milliseconds of `fn` over `reps` runs after one warm-up run; `undefined` if the warm-up exceeds `budgetMs`. */
async function time(fn: () => Promise<void>, reps: number, budgetMs: number): Promise<number | undefined> {
  const t0 = performance.now();
  await fn();
  if (performance.now() - t0 > budgetMs) return undefined;
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    await fn();
    samples.push(performance.now() - s);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

interface KernelCase {
  name: string;
  flops: number;
  run: () => tf.Tensor | tf.Tensor[];
  /** Only gen-mnist's modules have it (no tfjs backend column). */
  oursOnly?: boolean;
}

/** Rounds of the peak multiply-add yardstick per run (96 flops a round). */
const PEAK_ROUNDS = 4_000_000;

const conv = { n: 64, h: 14, w: 14, cin: 64, cout: 128, k: 3 };
const convFlops = 2 * conv.n * conv.h * conv.w * conv.cin * conv.cout * conv.k * conv.k;
const kernelCases = (): KernelCase[] => {
  const s = 1024;
  const a = tf.randomNormal([s, s]);
  const b = tf.randomNormal([s, s]);
  const x = tf.randomNormal([conv.n, conv.h, conv.w, conv.cin]) as tf.Tensor4D;
  const w = tf.randomNormal([conv.k, conv.k, conv.cin, conv.cout]) as tf.Tensor4D;
  const dy = tf.randomNormal([conv.n, conv.h, conv.w, conv.cout]) as tf.Tensor4D;
  const x2 = tf.randomNormal([conv.n, conv.h, conv.w, 128]) as tf.Tensor4D;
  const w2 = tf.randomNormal([3, 3, 128, 256]) as tf.Tensor4D;
  return [
    {
      // the yardstick: 12 multiply-add chains in registers, no memory (about the most a GEMM micro-kernel can reach)
      name: "multiply-add peak (registers only)",
      flops: 96 * PEAK_ROUNDS,
      run: () => tf.scalar(WasmKernels.get().peakMultiplyAdd(PEAK_ROUNDS)),
      oursOnly: true,
    },
    { name: "matMul 1024³", flops: 2 * s ** 3, run: () => tf.matMul(a, b) },
    { name: "matMul 1024³, Bᵀ", flops: 2 * s ** 3, run: () => tf.matMul(a, b, false, true) },
    { name: "matMul 1024³, Aᵀ", flops: 2 * s ** 3, run: () => tf.matMul(a, b, true, false) },
    ...convCases(x, w, dy, ""),
    // the same kernels by im2col + GEMM (gen-mnist's Winograd path off; tfjs's backends run them as before)
    ...convCases(x, w, dy, " (im2col + GEMM)", false),
    // a stride-2 convolution (the DCGAN's last critic layer, 128→256): im2col + GEMM, no Winograd
    { name: "conv2d 64×14×14×128→256 k3 stride 2", flops: convFlops, run: () => tf.conv2d(x2, w2, 2, "same") },
  ];
};

/** Runs `f` with gen-mnist's Winograd convolutions on or off (no effect on tfjs's backends). */
function withWinograd<T>(on: boolean, f: () => T): T {
  const kernels = WasmKernels.get();
  const before = kernels.winograd;
  kernels.winograd = on;
  try {
    return f();
  } finally {
    kernels.winograd = before;
  }
}

/** The 64×14×14×64→128 3x3 convolution's three kernels (stride 1), `winograd` on or off on gen-mnist's backend. */
function convCases(x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor4D, suffix: string, winograd = true): KernelCase[] {
  const cases: KernelCase[] = [
    { name: `conv2d 64×14×14×64→128 k3`, flops: convFlops, run: () => tf.conv2d(x, w, 1, "same") },
    { name: "conv2d backprop input", flops: convFlops, run: () => tf.conv2dTranspose(dy, w, [conv.n, conv.h, conv.w, conv.cin], 1, "same") },
    {
      // the kernel alone (a gradient through tf.conv2d would time the forward convolution too)
      name: "conv2d backprop filter",
      flops: convFlops,
      run: () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: w.shape }) as tf.Tensor,
    },
  ];
  return cases.map((c) => ({ ...c, name: c.name + suffix, run: () => withWinograd(winograd, c.run) }));
}

/** Runs a kernel case once, waiting for its outputs. */
async function runCase(c: KernelCase): Promise<void> {
  const out = c.run();
  await Promise.all((Array.isArray(out) ? out : [out]).map((t) => t.data()));
  tf.dispose(out);
}

/**
 * gen-mnist's columns measured alternately (one run of each per round), so that the ratios
 * between modules and thread counts compare runs taken side by side on a noisy machine.
 */
async function alternated(c: KernelCase, columns: readonly Column[], rounds: number): Promise<number[]> {
  const samples = columns.map((): number[] => []);
  for (let round = -1; round < rounds; round++) {
    for (const [i, column] of columns.entries()) {
      await select(column);
      const start = performance.now();
      await runCase(c);
      if (round >= 0) samples[i]?.push(performance.now() - start); // round -1 warms up
    }
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  return samples.map(median);
}

async function kernelTable(ourOnly = false): Promise<Record<string, Partial<Record<Column, string>>>> {
  const table: Record<string, Partial<Record<Column, string>>> = {};
  const gflops = (c: KernelCase, ms: number | undefined): string => (ms === undefined ? "> 20 s" : (c.flops / ms / 1e6).toFixed(1));
  const ours = GEN_MNIST_COLUMNS.filter((column) => relaxedSimdSupported() || !column.startsWith("relaxed"));
  await select("plain");
  for (const c of kernelCases()) {
    const row = (table[c.name] ??= {});
    const times = await alternated(c, ours, quick ? 3 : 7);
    ours.forEach((column, i) => (row[column] = gflops(c, times[i])));
    process.stderr.write(`kernel ${c.name}: ${ours.map((column) => `${column} ${row[column]}`).join(", ")} GFLOP/s\n`);
  }
  for (const backend of ourOnly ? [] : (["wasm", "cpu"] as const)) {
    await select(backend);
    for (const c of kernelCases()) {
      const row = (table[c.name] ??= {});
      if (c.oursOnly === true) continue;
      try {
        row[backend] = gflops(c, await time(() => runCase(c), quick ? 2 : 5, 20_000));
      } catch (err) {
        row[backend] = /not registered/.test(String(err)) ? "no kernel" : "error";
      }
      process.stderr.write(`kernel ${c.name} on ${backend}: ${row[backend]}\n`);
    }
  }
  return table;
}

// ---- Training as users run it: every preset's default config, end to end through the Trainer ----

/** Presets compared with PyTorch (the performance targets), then the published setups kept as presets. */
const COMPARED: readonly ModelName[] = ["dcgan", "mlp-gan", "conv-vae", "wgan-gp", "dcgan-published", "mlp-gan-published"];
/** The other presets: gen-mnist only. */
const OTHERS: readonly ModelName[] = ["wgan", "cgan", "acgan", "vae", "cvae", "beta-vae"];
/** Presets also timed on the plain SIMD128 module (the relaxed module's end-to-end gain). */
const ON_PLAIN: readonly ModelName[] = ["dcgan", "mlp-gan", "conv-vae", "wgan-gp", "dcgan-published", "mlp-gan-published"];

const datasets = new Map<string, Dataset>();
async function mnist(range: "[-1,1]" | "[0,1]"): Promise<Dataset> {
  const cached = datasets.get(range);
  if (cached !== undefined) return cached;
  const data = await loadMnist({ split: "train", range });
  datasets.set(range, data);
  return data;
}

/** The batch size of preset `name`'s default config (what the Trainer uses when given none). */
const presetBatch = (name: ModelName): number => MODEL_PRESETS[name].defaults.batchSize ?? 64;

/** Steps per update cycle: WGAN-GP's five critic updates per generator update, else one. */
const cycleOf = (name: ModelName): number => {
  const defaults = MODEL_PRESETS[name].defaults as { nCritic?: number };
  return defaults.nCritic ?? 1;
};

/** Seconds of steady-state steps each training measurement takes at least (both frameworks). */
const MIN_SECONDS = quick ? 1 : 3;

/**
 * Milliseconds per training step of preset `name` with its default config (batch included), as
 * `gen-mnist train` runs it: a {@link Trainer} over full MNIST (batching, shuffling, NaN guard),
 * the mean over whole n_critic cycles after a warm-up cycle: at least 8 steps and
 * {@link MIN_SECONDS} seconds, so that a small model's steps (the MLP GAN's take tens of
 * milliseconds) are measured in their steady state, as a long run has them.
 */
async function trainerStepMs(name: ModelName, kernels: KernelModule): Promise<number> {
  await useBackend("gen-mnist", { kernels, threads: THREADS });
  await WasmKernels.get().startThreads();
  const model = createModel(name, { seed: 1 });
  const cycle = cycleOf(name);
  const warm = Math.max(2, cycle);
  const minSteps = Math.ceil((quick ? 3 : 8) / cycle) * cycle;
  const ends: number[] = [];
  const trainer = new Trainer(model, await mnist(model.pixelRange), {
    steps: warm + 1_000_000,
    callbacks: [
      {
        onBatchEnd: (context) => {
          const now = performance.now();
          ends.push(now);
          const measured = ends.length - warm;
          const since = now - (ends[warm - 1] ?? now);
          if (measured >= minSteps && measured % cycle === 0 && since >= MIN_SECONDS * 1000) context.stopTraining("bench: measured");
        },
      },
    ],
  });
  await trainer.fit();
  model.dispose();
  const first = ends[warm - 1] ?? Number.NaN;
  const last = ends[ends.length - 1] ?? Number.NaN;
  return (last - first) / (ends.length - warm);
}

interface TrainingRow {
  batch: number;
  relaxed?: number;
  plain?: number;
}

async function trainingTable(): Promise<Record<string, TrainingRow>> {
  const table: Record<string, TrainingRow> = {};
  for (const name of [...COMPARED, ...OTHERS]) {
    const row: TrainingRow = { batch: presetBatch(name) };
    if (relaxedSimdSupported()) row.relaxed = await trainerStepMs(name, "relaxed");
    // (a --training-only child of --also-node times the relaxed module only)
    if (ON_PLAIN.includes(name) && !process.argv.includes("--training-only")) row.plain = await trainerStepMs(name, "plain");
    table[name] = row;
    process.stderr.write(`train ${name} (batch ${row.batch}): relaxed ${row.relaxed?.toFixed(0) ?? "–"} ms/step, plain ${row.plain?.toFixed(0) ?? "–"}\n`);
  }
  return table;
}

/** What a `--training-only` child reports: its Node, gen-mnist's kernel columns and the training table. */
interface OtherNode {
  version: string;
  kernels: Record<string, Partial<Record<Column, string>>>;
  table: Record<string, TrainingRow>;
}

/**
 * This script again in another Node (`--also-node <path>`) with `args`: the JSON of its last line
 * of output, or why there is none. Its progress goes to this process's stderr.
 */
function thisScriptOn<T>(node: string, args: readonly string[]): T | string {
  const run = spawnSync(node, ["--import", "tsx", "bench/bench.ts", ...args, ...(quick ? ["--quick"] : [])], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (run.status !== 0) return `${node} failed (exit ${run.status})`;
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as T;
}

/**
 * gen-mnist's kernel columns and the training table on another Node (`--also-node <path>`, e.g.
 * Node 24 beside Node 20): this script again in that Node with `--training-only`, which prints
 * them as JSON.
 */
const trainingOnNode = (node: string): OtherNode | string => thisScriptOn<OtherNode>(node, ["--training-only"]);

async function samplingTable(): Promise<Record<string, number>> {
  await select(relaxedSimdSupported() ? "relaxed" : "plain");
  const out: Record<string, number> = {};
  for (const [name, make] of [["mlp-gan", () => new MlpGAN()], ["dcgan", () => new DCGAN()], ["vae", () => new MlpVAE()], ["conv-vae", () => new ConvVAE()]] as const) {
    const model: GenerativeModel = make();
    const ms = await time(async () => {
      const images = model.sample(1024, { seed: 1 });
      await images.data();
      images.dispose();
    }, quick ? 2 : 3, 60_000);
    out[name] = ms === undefined ? 0 : Math.round((1024 * 1000) / ms);
    model.dispose();
  }
  return out;
}

interface EvalTiming {
  /** Wall-clock seconds of the whole `gen-mnist eval` process (start-up, oracle, reference, metrics). */
  command: number;
  /** Seconds per stage, from the report. */
  stages: Record<string, number>;
  /** Seconds of `evaluate()` itself. */
  evaluate: number;
}

/**
 * `gen-mnist eval` of 10,000 images (the first 10,000 training digits, written as a uint8 IDX
 * file as another framework would write samples) against the 10,000 test images, every default
 * metric, run as a user runs it: the CLI in a fresh process.
 */
async function evalTiming(): Promise<EvalTiming | string> {
  const dir = mkdtempSync(join(os.tmpdir(), "gen-mnist-bench-eval-"));
  const train = await loadMnist({ split: "train", limit: 10000 });
  const samples = join(dir, "samples-idx3-ubyte");
  await writeIdx(samples, { dtype: "uint8", dims: [10000, 28, 28], data: train.pixels });
  const json = join(dir, "metrics.json");
  const start = performance.now();
  const run = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "eval", samples, "--n", "10000", "--json", json, "--no-progress"], { encoding: "utf8" });
  const command = (performance.now() - start) / 1000;
  if (run.status !== 0) return `gen-mnist eval failed: ${run.stderr.slice(-300)}`;
  const report = JSON.parse(readFileSync(json, "utf8")) as { seconds: number; timings: Record<string, number> };
  process.stderr.write(`eval of 10,000 images: ${command.toFixed(1)} s\n`);
  return { command, stages: report.timings, evaluate: report.seconds };
}

type TorchResult = { torch: string; threads: number } & Partial<Record<string, { batch: number; ms: number }>>;

/**
 * Runs bench/reference.py on `threads` PyTorch threads, tuned: OpenBLAS single-threaded
 * (OPENBLAS_NUM_THREADS=1), so that PyTorch's own threads are the only ones — its fastest
 * setting here (Debian's default starts an OpenBLAS thread per core on top of PyTorch's and
 * oversubscribes the cores).
 */
function pytorch(threads: number, presets: readonly ModelName[]): TorchResult | string {
  // the first interpreter that has torch (Debian's python3-torch installs for /usr/bin/python3)
  const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import torch"]).status === 0);
  if (python === undefined) return "PyTorch not found; install it with `apt-get install python3-torch libopenblas0-pthread` (Debian) to compare";
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
  // the batch size of every preset compared, so that the reference refuses to time another one
  const batches = presets.map((name) => `${name}=${presetBatch(name)}`).join(",");
  const run = spawnSync(
    python,
    ["bench/reference.py", "--threads", String(threads), "--steps", quick ? "5" : "10", "--min-seconds", String(MIN_SECONDS), "--models", presets.join(","), "--batches", batches],
    { encoding: "utf8", env },
  );
  if (run.status !== 0) return `bench/reference.py failed: ${run.stderr.slice(-300)}`;
  return JSON.parse(run.stdout) as TorchResult;
}

/** The kernel module `"auto"` runs on a Node of this version (the library's rule; the bench sets Node 20's relaxed-SIMD flag to compare both modules, which `"auto"` does not take there). */
const defaultModuleOf = (nodeVersion: string): KernelModule => (relaxedPreferredOn(Number(nodeVersion.replace(/^v/, "").split(".")[0])) ? "relaxed" : "plain");

if (process.argv.includes("--one")) {
  // a child of the paired rounds: one preset's training step on this Node's default module, as one JSON line
  const name = process.argv[process.argv.indexOf("--one") + 1] as ModelName;
  const ms = await trainerStepMs(name, defaultModuleOf(process.version));
  console.log(JSON.stringify({ version: process.version, ms }));
  process.exit(0);
}

/** One preset's training step (ms) on another Node (`--also-node`), in a fresh process: this script with `--one`. */
function stepOnNode(node: string, name: ModelName): number | string {
  const result = thisScriptOn<{ ms: number }>(node, ["--one", name]);
  return typeof result === "string" ? result : result.ms;
}

/** Rounds of {@link pairedRounds}. */
const ROUNDS = quick ? 1 : 3;

/** Per compared preset, per round: gen-mnist on this Node, PyTorch and gen-mnist on the other Node, timed one right after another. */
interface Paired {
  /** PyTorch's version and threads. */
  torch: string;
  threads: number;
  rows: Record<string, { here: number[]; torch: number[]; there: number[] }>;
}

/**
 * The ratios the targets are about, measured side by side: {@link ROUNDS} rounds, each timing
 * every compared preset on gen-mnist (this Node's default module), then on PyTorch, then on
 * gen-mnist on the other Node, one right after another, so that a drift of the machine's speed
 * (these machines change by 1.5x within a run) touches the three alike. A ratio is the median of
 * its rounds' ratios.
 */
async function pairedRounds(other: string | undefined): Promise<Paired | string> {
  const out: Paired = { torch: "", threads: THREADS, rows: {} };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of COMPARED) {
      const entry = (out.rows[name] ??= { here: [], torch: [], there: [] });
      entry.here.push(await trainerStepMs(name, defaultModuleOf(process.version)));
      const torch = pytorch(THREADS, [name]);
      if (typeof torch === "string") return torch;
      out.torch = torch.torch;
      out.threads = torch.threads;
      entry.torch.push(torch[name]?.ms ?? Number.NaN);
      if (other !== undefined) {
        const there = stepOnNode(other, name);
        if (typeof there === "string") return there;
        entry.there.push(there);
      }
      const last = (xs: number[]): string => xs[xs.length - 1]?.toFixed(0) ?? "–";
      process.stderr.write(`paired round ${round}/${ROUNDS} ${name}: here ${last(entry.here)} ms, PyTorch ${last(entry.torch)}, other Node ${last(entry.there)}\n`);
    }
  }
  return out;
}

/** The median of finite values (NaN when there are none). */
function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Each round's ratio a[i] / b[i]. */
const roundRatios = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / (b[i] ?? Number.NaN));

if (process.argv.includes("--training-only")) {
  // a child of `--also-node`: gen-mnist's kernel columns and the training table, as one JSON line
  const ours = await kernelTable(true);
  const table = await trainingTable();
  console.log(JSON.stringify({ version: process.version, kernels: ours, table }));
  process.exit(0);
}

const alsoNode = process.argv.includes("--also-node") ? process.argv[process.argv.indexOf("--also-node") + 1] : undefined;
const kernels = await kernelTable();
const training = await trainingTable();
const other = alsoNode === undefined ? undefined : trainingOnNode(alsoNode);
const paired = await pairedRounds(alsoNode);
const sampling = await samplingTable();
const evaluation = await evalTiming();

const lines: string[] = [];
/** A ratio as "1.23x", or "–" when it is not a measurement. */
const times = (r: number): string => (Number.isFinite(r) && r > 0 ? `${r.toFixed(2)}x` : "–");
/** `a / b` as "1.23x", or "–" when either is not a measurement. */
const ratio = (a: number | string | undefined, b: number | string | undefined): string => times(Number(a) / Number(b));
const moduleName = relaxedSimdSupported() ? "relaxed-SIMD module (`kernels/gen-mnist-kernels-relaxed.wasm`)" : "plain SIMD128 module";
lines.push("# Benchmarks", "");
lines.push(
  `Measured by \`npm run bench${quick ? " -- --quick" : ""}${alsoNode === undefined ? "" : " -- --also-node <Node 24>"}\` on ${new Date().toISOString().slice(0, 10)}: ` +
    `${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
    `tfjs ${tf.version_core}; gen-mnist's kernels on ${THREADS} thread(s) unless a column says 1, the ${moduleName} unless a column says plain.`,
);
lines.push("All numbers of one table come from one run on one machine; ratios are taken within the run (these machines are noisy: expect ±15% between runs).", "");
lines.push("## Kernels (GFLOP/s, median)", "");
lines.push(
  "gen-mnist's two kernel modules — relaxed SIMD (`f32x4.relaxed_madd`, a fused multiply-add; Node 22+, or Node 20 with " +
    "`--experimental-wasm-relaxed-simd`) and plain SIMD128 — on every thread and on one are measured alternately, a run of " +
    "each per round, so that their ratios compare runs taken side by side. A convolution's GFLOP/s count the multiply-adds " +
    "of a direct convolution, so the 3x3 stride-1 kernels, which gen-mnist runs as Winograd F(2x2, 3x3) (2.25x fewer " +
    "multiplications), show their effective rate; the rows marked im2col + GEMM run the same kernels with Winograd off. " +
    "The first row is the yardstick: 12 independent multiply-add chains held in registers (no memory traffic), about the most " +
    "a module's GEMM micro-kernel can reach on this CPU with its instructions. Its chains carry the multiply as well as the add " +
    "(acc = c + acc · a, where a GEMM's carry only the add), so for the plain module it is a slightly low bound.",
  "",
);
lines.push(
  `| kernel | relaxed (${THREADS} threads) | relaxed (1 thread) | plain (${THREADS} threads) | plain (1 thread) | relaxed / plain, 1 thread | scaling (relaxed) | tfjs wasm | tfjs cpu | relaxed / wasm |`,
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
);
for (const [name, row] of Object.entries(kernels)) {
  lines.push(
    `| ${name} | ${row.relaxed ?? "–"} | ${row["relaxed-1"] ?? "–"} | ${row.plain ?? "–"} | ${row["plain-1"] ?? "–"} | ${ratio(row["relaxed-1"], row["plain-1"])} | ` +
      `${ratio(row.relaxed, row["relaxed-1"])} | ${row.wasm ?? "–"} | ${row.cpu ?? "–"} | ${ratio(row.relaxed, row.wasm)} |`,
  );
}
if (other !== undefined && typeof other !== "string") {
  lines.push("", `On Node ${other.version} (\`--also-node\`), measured the same way in the same run:`, "");
  lines.push(
    `| kernel | relaxed (${THREADS} threads) | relaxed (1 thread) | plain (${THREADS} threads) | plain (1 thread) | relaxed / plain, 1 thread | relaxed / plain, ${THREADS} threads |`,
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const [name, row] of Object.entries(other.kernels)) {
    lines.push(
      `| ${name} | ${row.relaxed ?? "–"} | ${row["relaxed-1"] ?? "–"} | ${row.plain ?? "–"} | ${row["plain-1"] ?? "–"} | ` +
        `${ratio(row["relaxed-1"], row["plain-1"])} | ${ratio(row.relaxed, row.plain)} |`,
    );
  }
}
lines.push("", "## Training as users run it (ms per step; images/s in brackets)", "");
lines.push(
  "Every preset with its **default config** (`new DCGAN()`, `gen-mnist train dcgan`: its batch size, batch norm, label " +
    "smoothing, dropout, n_critic, gradient penalty), trained end to end through the `Trainer` on full MNIST (batching, " +
    `shuffling and the NaN guard included): the mean time per step over whole n_critic cycles after a warm-up cycle, ` +
    `at least 8 steps and ${MIN_SECONDS} s of them (both frameworks), so that small models are timed in their steady state. ` +
    "PyTorch runs the same layers, configuration, optimizer and batch size (`bench/reference.py`), slicing its batches " +
    "from a 60,000-image tensor, *tuned*: OpenBLAS single-threaded (`OPENBLAS_NUM_THREADS=1`) so PyTorch's own threads are " +
    `the only ones, its fastest setting here. The first table times each module in turn on every preset; the ratios to ` +
    `PyTorch come from the side-by-side rounds below it, on the module each Node runs by default (Node 20: plain, its ` +
    `relaxed SIMD is behind a flag and no faster; Node 22+: relaxed). Targets (the performance issue): gen-mnist / PyTorch ≤ 1.0x (goal), ≤ 1.3x (bar).`,
  "",
);
const nodeDefault = defaultModuleOf(process.version);
const otherOk = other !== undefined && typeof other !== "string";
lines.push(
  `| preset | batch | gen-mnist, relaxed (Node ${process.version}) | gen-mnist, plain (Node ${process.version}) |` + (otherOk ? ` gen-mnist, relaxed (Node ${other.version}) |` : ""),
);
lines.push(`| --- | --- | --- | --- |${otherOk ? " --- |" : ""}`);
const cellOf = (batch: number, v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? "–" : `${v.toFixed(0)} (${Math.round((batch * 1000) / v)})`);
for (const [name, row] of Object.entries(training)) {
  const there = otherOk ? other.table[name]?.relaxed : undefined;
  lines.push(`| ${name} | ${row.batch} | ${cellOf(row.batch, row.relaxed)} | ${cellOf(row.batch, row.plain)} |` + (otherOk ? ` ${cellOf(row.batch, there)} |` : ""));
}
lines.push("", "### Against PyTorch, side by side", "");
if (typeof paired === "string") {
  lines.push(`PyTorch: ${paired}`);
} else {
  const otherVersion = otherOk ? other.version : alsoNode === undefined ? undefined : "the other Node";
  lines.push(
    `The targets' ratios, measured in ${ROUNDS} round(s): each round times every preset below on gen-mnist (Node ${process.version}, ` +
      `its default ${nodeDefault} module), then on PyTorch ${paired.torch} (tuned, ${paired.threads} threads)` +
      (otherVersion === undefined ? "" : `, then on gen-mnist on Node ${otherVersion} (a fresh process, its default module)`) +
      ", one right after another, in fresh measurements of the kind above, so that the machine's drift in speed during the run " +
      "(it can reach 1.5x here) touches all of them alike. Times are the medians of the rounds; a ratio is the median of its rounds' " +
      "ratios, and the last column lists them round by round.",
    "",
  );
  const two = otherVersion !== undefined;
  lines.push(
    `| preset | batch | gen-mnist (Node ${process.version}, ${nodeDefault}) | PyTorch ${paired.torch}, tuned |` +
      (two ? ` gen-mnist (Node ${otherVersion}, ${otherOk ? defaultModuleOf(other.version) : "its default module"}) |` : "") +
      ` gen-mnist / PyTorch (Node ${process.version}) |` +
      (two ? ` gen-mnist / PyTorch (Node ${otherVersion}) | rounds (Node ${otherVersion}) |` : ` rounds |`),
  );
  lines.push(`| --- | --- | --- | --- | --- |${two ? " --- | --- | --- |" : " --- |"}`);
  for (const [name, row] of Object.entries(paired.rows)) {
    const batch = presetBatch(name as ModelName);
    const hereRatios = roundRatios(row.here, row.torch);
    const thereRatios = roundRatios(row.there, row.torch);
    const listed = (two ? thereRatios : hereRatios).map((r) => r.toFixed(2)).join(", ");
    lines.push(
      `| ${name} | ${batch} | ${cellOf(batch, median(row.here))} | ${cellOf(batch, median(row.torch))} |` +
        (two ? ` ${cellOf(batch, median(row.there))} |` : "") +
        ` ${times(median(hereRatios))} |` +
        (two ? ` ${times(median(thereRatios))} | ${listed} |` : ` ${listed} |`),
    );
  }
}
if (other !== undefined && typeof other === "string") lines.push("", `Second Node: ${other}`);
lines.push("", `## Sampling (images/s, gen-mnist backend, ${THREADS} threads, ${relaxedSimdSupported() ? "relaxed" : "plain"} module, 1024 images per call)`, "");
lines.push("| model | images/s |", "| --- | --- |");
for (const [name, ips] of Object.entries(sampling)) lines.push(`| ${name} | ${ips} |`);
lines.push("", "## Evaluation (`gen-mnist eval`, seconds)", "");
if (typeof evaluation === "string") {
  lines.push(evaluation);
} else {
  lines.push(
    "10,000 images (the first 10,000 training digits, written as a uint8 IDX file, standing in for samples) against the " +
      "10,000 test images, default metrics (FID, KID with 100 subsets of 1,000, IS, precision/recall, density/coverage, " +
      "class coverage), run as a user runs it: `gen-mnist eval samples-idx3-ubyte --n 10000` in a fresh process. " +
      "`reference` loads the test split and computes its oracle features; `features` is the oracle on the samples.",
    "",
  );
  lines.push("| stage | seconds |", "| --- | --- |");
  for (const [stage, seconds] of Object.entries(evaluation.stages)) lines.push(`| ${stage} | ${seconds.toFixed(2)} |`);
  lines.push(`| **evaluate(), all stages** | **${evaluation.evaluate.toFixed(1)}** |`);
  lines.push(`| **the whole command (process start, backend, oracle load included)** | **${evaluation.command.toFixed(1)}** |`);
}
lines.push("");
const markdown = lines.join("\n");
writeFileSync("docs/benchmarks.md", `${markdown}\n`);
console.log(markdown);
