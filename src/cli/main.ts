#!/usr/bin/env node
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError as CommanderArgumentError, Option } from "commander";
import {
  BACKEND_REQUESTS,
  GenMnistError,
  imageGrid,
  loadFashionMnist,
  loadIdxDataset,
  loadMnist,
  useBackend,
  writePng,
  type BackendRequest,
  type Dataset,
  type Split,
} from "../index.js";

const positiveInt = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CommanderArgumentError(`${name} must be a positive integer, got '${value}'`);
  return n;
};

async function loadData(data: string, split: Split): Promise<Dataset> {
  if (data === "mnist") return loadMnist({ split });
  if (data === "fashion-mnist") return loadFashionMnist({ split });
  return loadIdxDataset(resolve(data), data, { split });
}

const program = new Command("gen-mnist")
  .description("Train, sample and evaluate GANs and VAEs on MNIST-like data with TensorFlow.js.")
  .showHelpAfterError("(run gen-mnist help for usage)")
  .exitOverride();

program
  .command("data-grid")
  .description("write a PNG grid of real images from a dataset, to check the data and the install")
  .option("--data <name>", "mnist, fashion-mnist or a folder of IDX files", "mnist")
  .addOption(new Option("--split <split>", "which split").choices(["train", "test"]).default("train"))
  .option("-n, --count <n>", "number of images", positiveInt("--count"), 64)
  .option("--seed <n>", "seed of the random pick", positiveInt("--seed"), 1)
  .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
  .option("--out <dir>", "output folder", "runs/demo")
  .action(async (opts: { data: string; split: Split; count: number; seed: number; backend: BackendRequest; out: string }) => {
    const { summary } = await useBackend(opts.backend);
    console.log(summary);
    const dataset = await loadData(opts.data, opts.split);
    console.log(`${dataset.name}: ${dataset.size} images, label counts [${dataset.labelCounts().join(", ")}]`);
    const indices = Array.from(dataset.order({ seed: opts.seed }).subarray(0, opts.count));
    const batch = dataset.batch(indices);
    const grid = imageGrid(batch.images, { cols: Math.ceil(Math.sqrt(opts.count)) });
    batch.dispose();
    await mkdir(opts.out, { recursive: true });
    const path = join(opts.out, "real-digits.png");
    await writePng(path, grid);
    console.log(`wrote ${path} (${grid.width}x${grid.height})`);
  });

async function main(argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof Error && "exitCode" in err && "code" in err) {
      const code = (err as { exitCode: number; code: string }).code;
      if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help") return 0;
      return 2;
    }
    if (err instanceof GenMnistError) {
      console.error(`gen-mnist: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv);
