/**
 * A training callback of your own: watches a GAN's discriminator and stops a run that has failed.
 *
 * When the discriminator tells real from generated images apart with certainty, the generator's
 * gradients vanish and training has stopped making progress, however long it runs on.
 * `ScoreGapMonitor` reads the `realScore` and `fakeScore` every GAN step reports (the mean
 * discriminator logits), writes them to a CSV every `every` steps, and calls
 * `context.stopTraining(reason)` once the gap σ(realScore) − σ(fakeScore) stays above `maxGap`
 * for `patience` checks in a row. The reason ends up in `history.stopReason`.
 *
 * Two MLP GANs are trained with it: a healthy one, and one sabotaged to fail fast (a
 * discriminator learning 50 times faster than usual against a generator that barely learns).
 *
 *   npx tsx examples/custom-callback.ts                               # up to 1 epoch on 10,000 digits
 *   GEN_MNIST_EXAMPLE_STEPS=3 npx tsx examples/custom-callback.ts     # up to 3 steps on 256 digits
 */
import { writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MlpGAN, Trainer, loadMnist, useBackend, type BatchEndContext, type Callback } from "gen-mnist";

/** Options of {@link ScoreGapMonitor}. */
interface ScoreGapMonitorOptions {
  /** CSV file to write at the end of training. */
  readonly csv: string;
  /** Check (and log) every this many steps. */
  readonly every: number;
  /** A gap σ(real) − σ(fake) above this counts as a strike. */
  readonly maxGap: number;
  /** Strikes in a row that stop training. */
  readonly patience: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * A callback is any object with some of the hooks `onTrainBegin`, `onEpochBegin`, `onBatchEnd`,
 * `onEpochEnd`, `onMetrics`, `onTrainEnd`; the Trainer awaits each in turn.
 */
class ScoreGapMonitor implements Callback {
  private rows: string[] = [];
  private strikes = 0;

  constructor(private readonly options: ScoreGapMonitorOptions) {}

  /** A fresh table for each run (a callback object may be reused). */
  onTrainBegin(): void {
    this.rows = ["step,epoch,realScore,fakeScore,gap,dLoss,gLoss"];
    this.strikes = 0;
  }

  /** Every step: the context holds the step's losses, the position, and `stopTraining`. */
  onBatchEnd({ step, epoch, losses, stopTraining }: BatchEndContext): void {
    const { every, maxGap, patience } = this.options;
    if (step % every !== 0) return;
    const { realScore, fakeScore, dLoss, gLoss } = losses;
    if (realScore === undefined || fakeScore === undefined) throw new Error("ScoreGapMonitor: this model reports no realScore/fakeScore; use it with a GAN");
    // σ of the mean logit: close enough to the mean probability to watch a trend
    const gap = sigmoid(realScore) - sigmoid(fakeScore);
    this.rows.push([step, epoch, realScore, fakeScore, gap, dLoss, gLoss].map((v) => (v === undefined ? "" : Number(v.toFixed(5)))).join(","));
    this.strikes = gap > maxGap ? this.strikes + 1 : 0;
    if (this.strikes >= patience) {
      stopTraining(`ScoreGapMonitor: the discriminator separates real from fake (gap ${gap.toFixed(3)} > ${maxGap} for ${patience} check${patience === 1 ? "" : "s"} in a row) at step ${step}`);
    }
  }

  /** At the end (also after a stop): write the table. */
  async onTrainEnd(): Promise<void> {
    await mkdir(dirname(this.options.csv), { recursive: true });
    await writeFile(this.options.csv, `${this.rows.join("\n")}\n`);
  }
}

await useBackend("gen-mnist");
const quickSteps = Number(process.env.GEN_MNIST_EXAMPLE_STEPS ?? "") || undefined;
const out = join("runs", "examples", "custom-callback");
const data = await loadMnist({ split: "train", limit: quickSteps === undefined ? 10_000 : 256 });
const length = quickSteps === undefined ? { epochs: 1 } : { steps: quickSteps };
// with few steps check every step; in a long run every 10th is plenty
const check = { every: quickSteps === undefined ? 10 : 1, maxGap: 0.9, patience: quickSteps === undefined ? 3 : 1 };

// 1. A healthy MLP GAN (batch norm and label smoothing): the monitor only logs.
const healthy = new MlpGAN({ batchSize: 64, seed: 1 });
const ok = await new Trainer(healthy, data, { ...length, callbacks: [new ScoreGapMonitor({ ...check, csv: join(out, "healthy.csv") })] }).fit();
healthy.dispose();

// 2. A sabotaged one: the discriminator wins within a few steps and the monitor stops the run.
const sabotaged = new MlpGAN({
  batchSize: 64,
  seed: 1,
  labelSmoothing: 0,
  discriminatorOptimizer: { type: "adam", learningRate: 1e-2, beta1: 0.5 },
  generatorOptimizer: { type: "sgd", learningRate: 1e-6 },
});
const failed = await new Trainer(sabotaged, data, { ...length, callbacks: [new ScoreGapMonitor({ ...check, csv: join(out, "sabotaged.csv") })] }).fit();
sabotaged.dispose();

console.log(
  `custom-callback: healthy run ${ok.totalSteps} steps (${ok.stopReason ?? "not stopped"}); sabotaged run ${failed.totalSteps} steps ` +
    `(${failed.stopReason ?? "not stopped"}); wrote ${join(out, "healthy.csv")} and ${join(out, "sabotaged.csv")}`,
);
