// npm run bench: kernel and training speed of gen-mnist's kernels vs tfjs's wasm and cpu kernels,
// and vs PyTorch on the same machine in the same run. Writes docs/benchmarks.md.
//   npm run bench                 full run (a few minutes)
//   npm run bench -- --quick      fewer repetitions
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { ConvVAE, DCGAN, PUBLISHED_DCGAN, PUBLISHED_MLP_GAN, MlpVAE, VanillaGAN, useBackend, type GenerativeModel } from "../src/index.js";

const quick = process.argv.includes("--quick");
type Backend = "gen-mnist" | "wasm" | "cpu";
const BACKENDS: Backend[] = ["gen-mnist", "wasm", "cpu"];

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
    { name: "conv2d backprop filter", flops: convFlops, run: () => tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, 1, "same"), dy)))(w) },
  ];
};

async function kernelTable(): Promise<Record<string, Record<Backend, string>>> {
  const table: Record<string, Record<Backend, string>> = {};
  for (const backend of BACKENDS) {
    await useBackend(backend);
    for (const c of kernelCases()) {
      const row = (table[c.name] ??= { "gen-mnist": "", wasm: "", cpu: "" });
      try {
        const ms = await time(async () => {
          const out = c.run();
          await Promise.all((Array.isArray(out) ? out : [out]).map((t) => t.data()));
          tf.dispose(out);
        }, quick ? 2 : 5, 20_000);
        row[backend] = ms === undefined ? "> 20 s" : (c.flops / ms / 1e6).toFixed(1);
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
    await useBackend(backend);
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
  await useBackend("gen-mnist");
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

function pytorch(threads: number): { torch: string; threads: number } & Record<string, { batch: number; ms: number }> | string {
  // the first interpreter that has torch (Debian's python3-torch installs for /usr/bin/python3)
  const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import torch"]).status === 0);
  if (python === undefined) return "PyTorch not found; install it with `apt-get install python3-torch libopenblas0-pthread` (Debian) to compare";
  const run = spawnSync(python, ["bench/reference.py", "--threads", String(threads), "--steps", quick ? "3" : "10"], { encoding: "utf8" });
  if (run.status !== 0) return `bench/reference.py failed: ${run.stderr.slice(-300)}`;
  return JSON.parse(run.stdout) as { torch: string; threads: number } & Record<string, { batch: number; ms: number }>;
}

const fmt = (v: number | string | undefined): string => (typeof v === "number" ? v.toFixed(0) : v ?? "");

const threads = os.cpus().length;
const kernels = await kernelTable();
const training = await trainingTable();
const torch = pytorch(threads);
const sampling = await samplingTable();

const lines: string[] = [];
lines.push("# Benchmarks", "");
lines.push(`Measured by \`npm run bench\`${quick ? " --quick" : ""} on ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${threads} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, tfjs ${tf.version_core}.`);
lines.push("All numbers of one table come from one run on one machine; ratios are taken within the run.", "");
lines.push("## Kernels (GFLOP/s, median, one thread)", "");
lines.push("| kernel | gen-mnist | tfjs wasm | tfjs cpu | gen-mnist / wasm |", "| --- | --- | --- | --- | --- |");
for (const [name, row] of Object.entries(kernels)) {
  const ratio = Number(row["gen-mnist"]) / Number(row.wasm);
  lines.push(`| ${name} | ${row["gen-mnist"]} | ${row.wasm} | ${row.cpu} | ${Number.isFinite(ratio) ? `${ratio.toFixed(1)}x` : "–"} |`);
}
lines.push("", "## Training step (ms per step, median; images/s in brackets)", "");
const torchOk = typeof torch !== "string";
lines.push(`| model | batch | gen-mnist | tfjs wasm | tfjs cpu |${torchOk ? ` PyTorch ${torch.torch} (${torch.threads} threads) | gen-mnist / PyTorch |` : ""}`);
lines.push(`| --- | --- | --- | --- | --- |${torchOk ? " --- | --- |" : ""}`);
for (const m of modelCases) {
  const row = training[m.name] ?? {};
  const cell = (v: number | string | undefined): string => (typeof v === "number" ? `${v.toFixed(0)} (${Math.round((m.batch * 1000) / v)})` : fmt(v));
  const ref = torchOk ? torch[m.name]?.ms : undefined;
  const ours = row["gen-mnist"];
  const ratio = typeof ours === "number" && ref !== undefined ? `${(ours / ref).toFixed(2)}x` : "–";
  lines.push(`| ${m.name} | ${m.batch} | ${cell(ours)} | ${cell(row.wasm)} | ${cell(row.cpu)} |${torchOk ? ` ${ref === undefined ? "" : cell(ref)} | ${ratio} |` : ""}`);
}
if (!torchOk) lines.push("", `PyTorch: ${torch}`);
lines.push("", "## Sampling (images/s, gen-mnist backend, 1024 images per call)", "");
lines.push("| model | images/s |", "| --- | --- |");
for (const [name, ips] of Object.entries(sampling)) lines.push(`| ${name} | ${ips} |`);
lines.push("");
const markdown = lines.join("\n");
writeFileSync("docs/benchmarks.md", `${markdown}\n`);
console.log(markdown);
