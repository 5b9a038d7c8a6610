// npm run bench: kernel and training speed of gen-mnist's kernels vs tfjs's wasm and cpu kernels,
// and vs PyTorch on the same machine in the same run. Writes docs/benchmarks.md.
//   npm run bench                 full run (a few minutes)
//   npm run bench -- --quick      fewer repetitions
//   GEN_MNIST_THREADS=n npm run bench   gen-mnist's kernels (and PyTorch) on n threads instead of every core
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import {
  ConvVAE, DCGAN, PUBLISHED_DCGAN, PUBLISHED_MLP_GAN, MlpVAE, VanillaGAN, defaultKernelThreads, loadMnist, setKernelThreads, useBackend, writeIdx,
  type GenerativeModel,
} from "../src/index.js";
import { WasmKernels } from "../src/kernels/module.js";

const quick = process.argv.includes("--quick");
/** Threads gen-mnist's kernels use by default here (every core unless GEN_MNIST_THREADS says otherwise). */
const THREADS = defaultKernelThreads();
/** gen-mnist on every thread, gen-mnist on one thread, tfjs's wasm and cpu backends. */
type Backend = "gen-mnist" | "gen-mnist-1" | "wasm" | "cpu";
const BACKENDS: Backend[] = ["gen-mnist", "gen-mnist-1", "wasm", "cpu"];

/** Selects `backend` (and, for gen-mnist, its thread count, with the workers already up). */
async function select(backend: Backend): Promise<void> {
  await useBackend(backend === "gen-mnist-1" ? "gen-mnist" : backend);
  if (backend === "gen-mnist" || backend === "gen-mnist-1") {
    setKernelThreads(backend === "gen-mnist" ? THREADS : 1);
    await WasmKernels.get().startThreads();
  }
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
}

const conv = { n: 64, h: 14, w: 14, cin: 64, cout: 128, k: 3 };
const convFlops = 2 * conv.n * conv.h * conv.w * conv.cin * conv.cout * conv.k * conv.k;
const kernelCases = (): KernelCase[] => {
  const s = 1024;
  const a = tf.randomNormal([s, s]);
  const b = tf.randomNormal([s, s]);
  const x = tf.randomNormal([conv.n, conv.h, conv.w, conv.cin]) as tf.Tensor4D;
  const w = tf.randomNormal([conv.k, conv.k, conv.cin, conv.cout]) as tf.Tensor4D;
  const dy = tf.randomNormal([conv.n, conv.h, conv.w, conv.cout]) as tf.Tensor4D;
  return [
    { name: "matMul 1024³", flops: 2 * s ** 3, run: () => tf.matMul(a, b) },
    { name: "matMul 1024³, Bᵀ", flops: 2 * s ** 3, run: () => tf.matMul(a, b, false, true) },
    { name: "matMul 1024³, Aᵀ", flops: 2 * s ** 3, run: () => tf.matMul(a, b, true, false) },
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
};

/** Runs a kernel case once, waiting for its outputs. */
async function runCase(c: KernelCase): Promise<void> {
  const out = c.run();
  await Promise.all((Array.isArray(out) ? out : [out]).map((t) => t.data()));
  tf.dispose(out);
}

/**
 * gen-mnist on every thread and on one thread, measured alternately (one run of each per
 * round), so that the scaling ratio compares runs taken side by side on a noisy machine.
 */
async function threadPair(c: KernelCase, rounds: number): Promise<[number, number]> {
  const samples: [number[], number[]] = [[], []];
  for (let round = -1; round < rounds; round++) {
    for (const [i, threads] of [THREADS, 1].entries()) {
      setKernelThreads(threads);
      await WasmKernels.get().startThreads();
      const start = performance.now();
      await runCase(c);
      if (round >= 0) samples[i]?.push(performance.now() - start); // round -1 warms up
    }
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  return [median(samples[0]), median(samples[1])];
}

async function kernelTable(): Promise<Record<string, Record<Backend, string>>> {
  const table: Record<string, Record<Backend, string>> = {};
  const gflops = (c: KernelCase, ms: number | undefined): string => (ms === undefined ? "> 20 s" : (c.flops / ms / 1e6).toFixed(1));
  await select("gen-mnist");
  for (const c of kernelCases()) {
    const row = (table[c.name] ??= { "gen-mnist": "", "gen-mnist-1": "", wasm: "", cpu: "" });
    const [all, one] = await threadPair(c, quick ? 3 : 9);
    row["gen-mnist"] = gflops(c, all);
    row["gen-mnist-1"] = gflops(c, one);
    process.stderr.write(`kernel ${c.name} on gen-mnist: ${row["gen-mnist"]} (${THREADS} threads), ${row["gen-mnist-1"]} (1 thread)\n`);
  }
  for (const backend of ["wasm", "cpu"] as const) {
    await select(backend);
    for (const c of kernelCases()) {
      const row = (table[c.name] ??= { "gen-mnist": "", "gen-mnist-1": "", wasm: "", cpu: "" });
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

interface ModelCase {
  name: string;
  batch: number;
  make: () => GenerativeModel;
  range: "[-1,1]" | "[0,1]";
}

const modelCases: ModelCase[] = [
  { name: "mlp-gan", batch: 128, make: () => new VanillaGAN(PUBLISHED_MLP_GAN), range: "[-1,1]" },
  { name: "dcgan", batch: 64, make: () => new DCGAN(PUBLISHED_DCGAN), range: "[-1,1]" },
  { name: "conv-vae", batch: 64, make: () => new ConvVAE(), range: "[0,1]" },
];

async function trainingTable(): Promise<Record<string, Partial<Record<Backend, number | string>>>> {
  const table: Record<string, Partial<Record<Backend, number | string>>> = {};
  for (const backend of BACKENDS) {
    await select(backend);
    for (const m of modelCases) {
      const row = (table[m.name] ??= {});
      if (backend === "cpu" && m.name !== "mlp-gan") {
        row[backend] = "not run (> 1 min/step)";
        continue;
      }
      const model = m.make();
      const images = (m.range === "[-1,1]" ? tf.randomUniform([m.batch, 28, 28, 1], -1, 1) : tf.randomUniform([m.batch, 28, 28, 1])) as tf.Tensor4D;
      try {
        await model.trainStep({ images });
        const ms = await time(async () => void (await model.trainStep({ images })), quick ? 2 : 5, 60_000);
        row[backend] = ms ?? "> 60 s";
      } catch (err) {
        row[backend] = /Conv2DBackpropFilter/.test(String(err)) ? "cannot train (no Conv2DBackpropFilter)" : `error: ${String(err).slice(0, 60)}`;
      }
      images.dispose();
      model.dispose();
      process.stderr.write(`train ${m.name} on ${backend}: ${String(row[backend])}\n`);
    }
  }
  return table;
}

async function samplingTable(): Promise<Record<string, number>> {
  await select("gen-mnist");
  const out: Record<string, number> = {};
  for (const [name, make] of [["mlp-gan", () => new VanillaGAN()], ["dcgan", () => new DCGAN()], ["vae", () => new MlpVAE()], ["conv-vae", () => new ConvVAE()]] as const) {
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

type TorchResult = { torch: string; threads: number } & Record<string, { batch: number; ms: number }>;

/**
 * Runs bench/reference.py on `threads` PyTorch threads. `tuned`: OpenBLAS single-threaded
 * (OPENBLAS_NUM_THREADS=1), so that PyTorch's own threads are the only ones — its fastest
 * setting here. Untuned: Debian's default, where OpenBLAS starts a thread per core on top of
 * PyTorch's (what a user gets out of the box; it oversubscribes the cores).
 */
function pytorch(threads: number, tuned: boolean): TorchResult | string {
  // the first interpreter that has torch (Debian's python3-torch installs for /usr/bin/python3)
  const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import torch"]).status === 0);
  if (python === undefined) return "PyTorch not found; install it with `apt-get install python3-torch libopenblas0-pthread` (Debian) to compare";
  const env = tuned ? { ...process.env, OPENBLAS_NUM_THREADS: "1" } : process.env;
  const run = spawnSync(python, ["bench/reference.py", "--threads", String(threads), "--steps", quick ? "3" : "10"], { encoding: "utf8", env });
  if (run.status !== 0) return `bench/reference.py failed: ${run.stderr.slice(-300)}`;
  return JSON.parse(run.stdout) as TorchResult;
}

const fmt = (v: number | string | undefined): string => (typeof v === "number" ? v.toFixed(0) : v ?? "");

const kernels = await kernelTable();
const training = await trainingTable();
const torch = pytorch(THREADS, true);
const torchDefault = pytorch(THREADS, false);
const torch1 = THREADS > 1 ? pytorch(1, true) : torch;
const sampling = await samplingTable();
const evaluation = await evalTiming();

const lines: string[] = [];
/** `a / b` as "1.23x", or "–" when either is not a measurement. */
const ratio = (a: number | string | undefined, b: number | string | undefined): string => {
  const r = Number(a) / Number(b);
  return Number.isFinite(r) && r > 0 ? `${r.toFixed(2)}x` : "–";
};
lines.push("# Benchmarks", "");
lines.push(
  `Measured by \`npm run bench\`${quick ? " -- --quick" : ""} on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? "unknown CPU"}, ` +
    `${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, tfjs ${tf.version_core}; ` +
    `gen-mnist's kernels on ${THREADS} thread(s) unless a column says 1.`,
);
lines.push("All numbers of one table come from one run on one machine; ratios are taken within the run (these machines are noisy: expect ±15% between runs).", "");
lines.push("## Kernels (GFLOP/s, median)", "");
lines.push(`gen-mnist on ${THREADS} threads and on 1 thread are measured alternately, a run of each per round, so that the scaling compares runs taken side by side.`, "");
lines.push(`| kernel | gen-mnist (${THREADS} threads) | gen-mnist (1 thread) | scaling | tfjs wasm | tfjs cpu | gen-mnist / wasm |`, "| --- | --- | --- | --- | --- | --- | --- |");
for (const [name, row] of Object.entries(kernels)) {
  lines.push(`| ${name} | ${row["gen-mnist"]} | ${row["gen-mnist-1"]} | ${ratio(row["gen-mnist"], row["gen-mnist-1"])} | ${row.wasm} | ${row.cpu} | ${ratio(row["gen-mnist"], row.wasm)} |`);
}
lines.push("", "## Training step (ms per step, median; images/s in brackets)", "");
lines.push(
  "PyTorch runs the same layers, optimizer and batch (`bench/reference.py`). *Tuned*: OpenBLAS single-threaded " +
    "(`OPENBLAS_NUM_THREADS=1`) so PyTorch's own threads are the only ones, its fastest setting here. *Default*: Debian's " +
    "out-of-the-box setting, where OpenBLAS adds a thread per core on top of PyTorch's and oversubscribes the cores " +
    "(the setting the performance issue measured).",
  "",
);
const torchOk = typeof torch !== "string";
const defaultOk = typeof torchDefault !== "string";
const torch1Ok = typeof torch1 !== "string" && THREADS > 1;
lines.push(
  `| model | batch | gen-mnist (${THREADS} threads) | gen-mnist (1 thread) | tfjs wasm | tfjs cpu |` +
    (torchOk ? ` PyTorch ${torch.torch}, tuned (${torch.threads} threads) | gen-mnist / PyTorch tuned |` : "") +
    (defaultOk ? ` PyTorch, default (${torchDefault.threads} threads) | gen-mnist / PyTorch default |` : "") +
    (torch1Ok ? " PyTorch, tuned (1 thread) | gen-mnist / PyTorch, 1 thread each |" : ""),
);
lines.push(`| --- | --- | --- | --- | --- | --- |${torchOk ? " --- | --- |" : ""}${defaultOk ? " --- | --- |" : ""}${torch1Ok ? " --- | --- |" : ""}`);
for (const m of modelCases) {
  const row = training[m.name] ?? {};
  const cell = (v: number | string | undefined): string => (typeof v === "number" ? `${v.toFixed(0)} (${Math.round((m.batch * 1000) / v)})` : fmt(v));
  const ref = torchOk ? torch[m.name]?.ms : undefined;
  const refDefault = defaultOk ? torchDefault[m.name]?.ms : undefined;
  const ref1 = torch1Ok ? torch1[m.name]?.ms : undefined;
  lines.push(
    `| ${m.name} | ${m.batch} | ${cell(row["gen-mnist"])} | ${cell(row["gen-mnist-1"])} | ${cell(row.wasm)} | ${cell(row.cpu)} |` +
      (torchOk ? ` ${cell(ref)} | ${ratio(row["gen-mnist"], ref)} |` : "") +
      (defaultOk ? ` ${cell(refDefault)} | ${ratio(row["gen-mnist"], refDefault)} |` : "") +
      (torch1Ok ? ` ${cell(ref1)} | ${ratio(row["gen-mnist-1"], ref1)} |` : ""),
  );
}
if (!torchOk) lines.push("", `PyTorch: ${torch}`);
lines.push("", `## Sampling (images/s, gen-mnist backend, ${THREADS} threads, 1024 images per call)`, "");
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
