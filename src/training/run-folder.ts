import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvaluationRecord, StepRecord } from "./history.js";

/**
 * The files and folders of a run folder, by role: what `gen-mnist train` writes (and what a study
 * writes for each of its runs), so that `gen-mnist sample`, `eval` and `train --resume` find them.
 *
 * @example
 * ```ts
 * const files = runFolderFiles("runs/dcgan");
 * const steps = await readStepLog(files.historyJsonl);
 * ```
 */
export function runFolderFiles(out: string): RunFolderFiles {
  return {
    config: join(out, "config.json"),
    historyJsonl: join(out, "history.jsonl"),
    historyCsv: join(out, "history.csv"),
    checkpoints: join(out, "checkpoints"),
    samples: join(out, "samples"),
    model: join(out, "model"),
    lossPlot: join(out, "loss.svg"),
    evalJsonl: join(out, "eval.jsonl"),
    evalCsv: join(out, "eval.csv"),
    evalPlot: join(out, "eval.svg"),
    summary: join(out, "summary.json"),
    reconstructions: join(out, "reconstructions.png"),
    metrics: join(out, "metrics.json"),
  };
}

/** The paths of a run folder's files, by role (see {@link runFolderFiles}). */
export interface RunFolderFiles {
  /** `config.json`: the model, trainer and CLI settings (what `--resume` reads). */
  readonly config: string;
  /** `history.jsonl`: one line of losses a step. */
  readonly historyJsonl: string;
  /** `history.csv`: the same as CSV. */
  readonly historyCsv: string;
  /** `checkpoints/`: `epoch-NNNN/`, `last/`, `best/`. */
  readonly checkpoints: string;
  /** `samples/`: a grid an epoch and `final.png`. */
  readonly samples: string;
  /** `model/`: the finished model. */
  readonly model: string;
  /** `loss.svg`: the loss curves. */
  readonly lossPlot: string;
  /** `eval.jsonl`: the evaluations during training. */
  readonly evalJsonl: string;
  /** `eval.csv`: the same as CSV. */
  readonly evalCsv: string;
  /** `eval.svg`: their curves. */
  readonly evalPlot: string;
  /** `summary.json`: how the run ended. */
  readonly summary: string;
  /** `reconstructions.png`: a VAE's test images and reconstructions. */
  readonly reconstructions: string;
  /** `metrics.json`: written by `gen-mnist eval`. */
  readonly metrics: string;
}

interface LogLine {
  readonly step: number;
  readonly epoch: number;
  readonly elapsedMs: number;
  readonly values: Record<string, number>;
}

/** The records of a JSON Lines log, `{ step, epoch, elapsedMs, ...values }` a line; a line a crash cut short is skipped. */
async function readLog(path: string): Promise<LogLine[]> {
  if (!existsSync(path)) return [];
  const lines = (await readFile(path, "utf8")).split("\n").filter((l) => l.trim() !== "");
  return lines.flatMap((line) => {
    let parsed: Record<string, number>;
    try {
      parsed = JSON.parse(line) as Record<string, number>;
    } catch {
      return [];
    }
    const { step, epoch, elapsedMs, ...values } = parsed;
    return [{ step: step ?? 0, epoch: epoch ?? 0, elapsedMs: elapsedMs ?? 0, values }];
  });
}

/**
 * The steps a `HistoryLogger` wrote to a JSON Lines file (`history.jsonl` of a run folder), across
 * every resume of the run; `[]` when the file does not exist.
 */
export async function readStepLog(path: string): Promise<StepRecord[]> {
  return (await readLog(path)).map(({ values, ...r }) => ({ ...r, losses: values }));
}

/** The evaluations a `HistoryLogger` wrote to a JSON Lines file (`eval.jsonl` of a run folder); `[]` when it does not exist. */
export async function readEvaluationLog(path: string): Promise<EvaluationRecord[]> {
  return (await readLog(path)).map(({ values, ...r }) => ({ ...r, metrics: values }));
}
