import cliProgress from "cli-progress";
import type { BatchEndContext, Callback, EpochEndContext, TrainContext, TrainEndContext } from "../callback.js";
import { formatDuration, formatLosses } from "./format.js";

/**
 * What {@link ProgressBar} writes to: `process.stderr`, `process.stdout`, any Node.js writable
 * stream or an object of your own with a `write(text)` method. Only the members the bar uses are
 * named, so that gen-mnist's types need no `@types/node`.
 */
export interface ProgressStream {
  /** Writes text. */
  write(text: string): unknown;
  /** Whether the stream is a terminal; the live bar moves the cursor only on one. */
  readonly isTTY?: boolean | undefined;
  /** Width of the terminal in characters, when known; the live bar fits itself to it. */
  readonly columns?: number | undefined;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /**
   * Where to write.
   * @defaultValue process.stderr
   */
  readonly stream?: ProgressStream;
  /**
   * Plain log lines instead of a live bar.
   * @defaultValue true when the stream is not a TTY or the `CI` environment variable is set
   */
  readonly plain?: boolean;
  /**
   * In plain mode, log a line every this many steps (and at every epoch's end).
   * @defaultValue a tenth of an epoch
   */
  readonly every?: number;
}

/**
 * Shows training progress: a live bar (cli-progress) in a terminal, plain lines in logs and CI.
 * Each shows epoch, step, losses, images per second and the time left.
 */
export class ProgressBar implements Callback {
  private readonly stream: ProgressStream;
  private readonly plain: boolean;
  private readonly every: number | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private startStep = 0;
  private images = 0;

  /** @param options - see {@link ProgressBarOptions}. */
  constructor(options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.plain = options.plain ?? (!this.stream.isTTY || Boolean(process.env.CI));
    this.every = options.every;
  }

  /** Starts the bar. */
  onTrainBegin(context: TrainContext): void {
    this.startStep = context.step;
    this.images = 0;
    const { model, totalSteps, totalEpochs } = context;
    const line = `training ${model.name}: ${totalEpochs} epoch(s), ${totalSteps} steps (${context.stepsPerEpoch} per epoch), from step ${context.step}`;
    if (this.plain) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.stream.write(`${line}\n`);
    this.bar = new cliProgress.SingleBar(
      {
        // cli-progress types its stream as a Node.js stream but only writes text to it (and reads isTTY and columns)
        stream: this.stream as NodeJS.WritableStream,
        format: "epoch {epoch}/{epochs} |{bar}| {value}/{total} | {losses} | {ips} img/s | ETA {eta_formatted}",
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(totalSteps, context.step, { epoch: context.epoch + 1, epochs: totalEpochs, losses: "", ips: "-" });
  }

  /** Updates the bar or logs a line. */
  onBatchEnd(context: BatchEndContext): void {
    this.images += context.batchSize;
    const ips = context.elapsedMs > 0 ? Math.round((this.images * 1000) / context.elapsedMs) : 0;
    const payload = { epoch: context.epoch + 1, epochs: context.totalEpochs, losses: formatLosses(context.losses), ips };
    if (this.bar !== undefined) {
      this.bar.update(context.step, payload);
      return;
    }
    const every = this.every ?? Math.max(1, Math.round(context.stepsPerEpoch / 10));
    if (context.step % every === 0 || context.step === context.totalSteps) {
      const done = context.step - this.startStep;
      const eta = done > 0 ? (context.elapsedMs / done) * (context.totalSteps - context.step) : Number.NaN;
      this.stream.write(
        `epoch ${payload.epoch}/${payload.epochs} step ${context.step}/${context.totalSteps} ${payload.losses} | ${ips} img/s | ETA ${formatDuration(eta)}\n`,
      );
    }
  }

  /** Logs the epoch's mean losses. */
  onEpochEnd(context: EpochEndContext): void {
    const line = `epoch ${context.epoch + 1}/${context.totalEpochs} done in ${formatDuration(context.elapsedMs)}: ${formatLosses(context.losses)}`;
    if (this.bar !== undefined) this.bar.updateETA();
    if (this.plain) this.stream.write(`${line}\n`);
  }

  /** Stops the bar and reports why training ended. */
  onTrainEnd(context: TrainEndContext): void {
    this.bar?.stop();
    this.bar = undefined;
    const why = context.history.stopReason === null ? "finished" : `stopped: ${context.history.stopReason}`;
    this.stream.write(`${why} after ${context.step} steps in ${formatDuration(context.history.elapsedMs)}\n`);
  }
}
