import { existsSync } from "node:fs";
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { BatchEndContext, Callback, TrainContext } from "../callback.js";

/** Options of {@link HistoryLogger}. */
export interface HistoryLoggerOptions {
  /** JSON Lines file: one `{ step, epoch, elapsedMs, ...losses }` object per step. */
  readonly jsonl?: string;
  /** CSV file with a header row: `step,epoch,elapsed_ms,<loss names…>`. */
  readonly csv?: string;
  /**
   * Log every this many steps.
   * @defaultValue 1
   */
  readonly every?: number;
}

/**
 * Appends every logged step to JSON Lines and/or CSV files as training runs, so a crash loses at
 * most the step being written; a resumed run appends to the same files.
 */
export class HistoryLogger implements Callback {
  private readonly options: HistoryLoggerOptions;
  private columns: string[] | undefined;

  /** @param options - at least one of `jsonl` and `csv`. */
  constructor(options: HistoryLoggerOptions) {
    this.options = options;
  }

  /** Creates the folders. */
  async onTrainBegin(_context: TrainContext): Promise<void> {
    for (const path of [this.options.jsonl, this.options.csv]) {
      if (path !== undefined) await mkdir(dirname(path), { recursive: true });
    }
  }

  /** Appends one record. */
  async onBatchEnd({ step, epoch, elapsedMs, losses }: BatchEndContext): Promise<void> {
    if (step % (this.options.every ?? 1) !== 0) return;
    const { jsonl, csv } = this.options;
    if (jsonl !== undefined) await appendFile(jsonl, `${JSON.stringify({ step, epoch, elapsedMs, ...losses })}\n`);
    if (csv !== undefined) {
      let header = "";
      if (this.columns === undefined) {
        this.columns = Object.keys(losses);
        header = `${["step", "epoch", "elapsed_ms", ...this.columns].join(",")}\n`;
        if (existsSync(csv)) header = "";
      }
      const row = [step, epoch, elapsedMs, ...this.columns.map((c) => losses[c] ?? "")].join(",");
      await appendFile(csv, `${header}${row}\n`);
    }
  }
}
