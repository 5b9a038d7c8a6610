import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Command, Option } from "commander";
import { BACKEND_REQUESTS, imageGrid, useBackend, writePng, type BackendRequest, type Split } from "../../index.js";
import { integer, loadData, reportBackend, verboseOption } from "../options.js";
import { EXIT_CODES_HELP } from "../errors.js";

interface DataGridOptions {
  data: string;
  split: Split;
  count: number;
  seed: number;
  backend: BackendRequest;
  verbose: boolean;
  out: string;
}

/** `gen-mnist data-grid`: a PNG grid of real images, to check the data and the install. */
export function dataGridCommand(): Command {
  return new Command("data-grid")
    .addHelpText("after", EXIT_CODES_HELP)
    .description("write a PNG grid of real images from a dataset, to check the data and the install")
    .option("--data <name>", "mnist, fashion-mnist or a folder of IDX files", "mnist")
    .addOption(new Option("--split <split>", "which split").choices(["train", "test"]).default("train"))
    .option("-n, --count <n>", "number of images", integer("--count", 1), 64)
    .option("--seed <n>", "seed of the random pick", integer("--seed", 0), 1)
    .addOption(new Option("--backend <name>", "tfjs backend").choices([...BACKEND_REQUESTS]).default("auto"))
    .addOption(verboseOption())
    .option("--out <dir>", "output folder", "runs/data")
    .action(async (opts: DataGridOptions) => {
      reportBackend(await useBackend(opts.backend), opts);
      const dataset = await loadData(opts.data, opts.split);
      console.log(`${dataset.name}: ${dataset.size} images, label counts [${dataset.labelCounts().join(", ")}]`);
      const batch = dataset.batch(Array.from(dataset.order({ seed: opts.seed }).subarray(0, opts.count)));
      const grid = imageGrid(batch.images, { cols: Math.ceil(Math.sqrt(opts.count)) });
      batch.dispose();
      await mkdir(opts.out, { recursive: true });
      const path = join(opts.out, "real-digits.png");
      await writePng(path, grid);
      console.log(`wrote ${path} (${grid.width}x${grid.height})`);
    });
}
