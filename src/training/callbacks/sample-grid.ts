import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { imageGrid, writePng } from "../../image/grid.js";
import { checkInteger } from "../../_internals/check.js";
import type { Callback, EpochEndContext, TrainContext, TrainEndContext } from "../callback.js";
import { epochName } from "./format.js";

/** Options of {@link SampleGrid}. */
export interface SampleGridOptions {
  /** Folder of the PNG files: `epoch-0001.png`, …, `final.png`. */
  readonly dir: string;
  /**
   * Rows and columns of the grid.
   * @defaultValue 8
   */
  readonly size?: number;
  /**
   * Seed of the fixed latent batch, drawn once so the same latents can be watched improving.
   * @defaultValue 1234
   */
  readonly seed?: number;
  /**
   * Write a grid every this many epochs.
   * @defaultValue 1
   */
  readonly every?: number;
}

/**
 * Renders the same seeded latent batch as a `size x size` PNG grid after every epoch
 * (`epoch-0001.png`, …) and at the end (`final.png`). Conditional models get the labels
 * `0…9` across each row.
 */
export class SampleGrid implements Callback {
  private readonly options: Required<SampleGridOptions>;
  private latents: tf.Tensor2D | undefined;
  private lastWritten = -1;

  /** @param options - see {@link SampleGridOptions}. */
  constructor(options: SampleGridOptions) {
    const { size = 8, seed = 1234, every = 1, dir } = options;
    checkInteger("SampleGrid", "options.size", size, 1);
    checkInteger("SampleGrid", "options.every", every, 1);
    this.options = { size, seed, every, dir };
  }

  /** Draws the fixed latents. */
  onTrainBegin({ model }: TrainContext): void {
    const n = this.options.size ** 2;
    this.latents = tf.randomNormal([n, model.latentDim], 0, 1, "float32", this.options.seed) as tf.Tensor2D;
  }

  /** Writes `epoch-NNNN.png` when due. */
  async onEpochEnd(context: EpochEndContext): Promise<void> {
    if ((context.epoch + 1) % this.options.every !== 0) return;
    await this.write(context, `${epochName(context.epoch)}.png`);
  }

  /** Writes `final.png` and releases the latents. */
  async onTrainEnd(context: TrainEndContext): Promise<void> {
    // a diverged model draws nothing worth a file
    if (context.diverged === null) await this.write(context, "final.png");
    this.latents?.dispose();
    this.latents = undefined;
  }

  /** The grid of the fixed latents for `model` right now. */
  render(context: TrainContext): ReturnType<typeof imageGrid> {
    const { model } = context;
    const n = this.options.size ** 2;
    const latents = this.latents ?? (tf.randomNormal([n, model.latentDim], 0, 1, "float32", this.options.seed) as tf.Tensor2D);
    const labels = model.conditional ? Array.from({ length: n }, (_, i) => i % this.options.size % 10) : undefined;
    const images = model.sample(n, { latents, labels });
    const grid = imageGrid(images, { rows: this.options.size, cols: this.options.size, range: model.pixelRange });
    images.dispose();
    if (latents !== this.latents) latents.dispose();
    return grid;
  }

  private async write(context: TrainContext, file: string): Promise<void> {
    if (file === "final.png" || context.step !== this.lastWritten) {
      await writePng(join(this.options.dir, file), this.render(context));
      this.lastWritten = context.step;
    }
  }
}
