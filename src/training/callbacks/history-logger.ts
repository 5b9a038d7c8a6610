import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../../_internals/fs.js";
import type { BatchEndContext, Callback, MetricsContext, TrainContext } from "../callback.js";

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
  /** JSON Lines file of recorded metrics (e.g. `Evaluate`'s): one `{ step, epoch, elapsedMs, ...metrics }` object per evaluation. */
  readonly metricsJsonl?: string;
  /** CSV file of recorded metrics with a header row: `step,epoch,elapsed_ms,<metric names…>`. */
  readonly metricsCsv?: string;
}

/**
 * Appends every logged step to JSON Lines and/or CSV files as training runs, so a crash loses at
 * most the step being written. A resumed run appends to the same files after cutting them back to
 * the step it resumes from, so each step appears once (rows a crash left after the checkpoint,
 * and a half-written last line, are dropped).
 */
export class HistoryLogger implements Callback {
  private readonly options: HistoryLoggerOptions;
  private columns: string[] | undefined;
  private metricColumns: string[] | undefined;

  /** @param options - at least one of `jsonl` and `csv`. */
  constructor(options: HistoryLoggerOptions) {
    this.options = options;
  }

  /** Creates the folders and cuts existing files back to the step training starts from. */
  async onTrainBegin({ step }: TrainContext): Promise<void> {
    const { jsonl, csv, metricsJsonl, metricsCsv } = this.options;
    for (const path of [jsonl, metricsJsonl]) if (path !== undefined) await truncateLog(path, step, "jsonl");
    for (const path of [csv, metricsCsv]) if (path !== undefined) await truncateLog(path, step, "csv");
  }

  /** Appends one record. */
  async onBatchEnd({ step, epoch, elapsedMs, losses }: BatchEndContext): Promise<void> {
    if (step % (this.options.every ?? 1) !== 0) return;
    const { jsonl, csv } = this.options;
    if (jsonl !== undefined) await appendFile(jsonl, `${JSON.stringify({ step, epoch, elapsedMs, ...losses })}\n`);
    if (csv !== undefined) this.columns = await appendCsv(csv, this.columns, [step, epoch, elapsedMs], losses);
  }

  /** Appends the recorded metrics. */
  async onMetrics({ record }: MetricsContext): Promise<void> {
    const { step, epoch, elapsedMs, metrics } = record;
    const { metricsJsonl, metricsCsv } = this.options;
    if (metricsJsonl !== undefined) await appendFile(metricsJsonl, `${JSON.stringify({ step, epoch, elapsedMs, ...metrics })}\n`);
    if (metricsCsv !== undefined) this.metricColumns = await appendCsv(metricsCsv, this.metricColumns, [step, epoch, elapsedMs], metrics);
  }
}

/** Keeps the rows of a log with a step <= `step` (and a CSV's header); drops malformed lines. */
async function truncateLog(path: string, step: number, kind: "jsonl" | "csv"): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  if (!existsSync(path)) return;
  const text = await readFile(path, "utf8");
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const stepOf = (line: string): number => {
    if (kind === "csv") return /^\d+,/.test(line) ? Number(line.slice(0, line.indexOf(","))) : Number.NaN;
    try {
      const value = (JSON.parse(line) as { step?: unknown }).step;
      return typeof value === "number" ? value : Number.NaN;
    } catch {
      return Number.NaN;
    }
  };
  const header = kind === "csv" && lines[0]?.startsWith("step,") === true ? [lines[0]] : [];
  const csvWidth = header[0]?.split(",").length;
  const kept = lines.slice(header.length).filter((l) => stepOf(l) <= step && (csvWidth === undefined || l.split(",").length === csvWidth));
  const next = [...header, ...kept].map((l) => `${l}\n`).join("");
  if (next !== text) await writeFileAtomic(path, next);
}

/**
 * Appends a row of `lead` values and `values` by `columns`. The columns are those of the file's
 * header when it exists (a resumed run appends under the same columns), else the first row's
 * names, written as a new header. Returns the columns.
 */
async function appendCsv(path: string, columns: string[] | undefined, lead: readonly number[], values: Readonly<Record<string, number>>): Promise<string[]> {
  let header = "";
  let names = columns;
  if (names === undefined) {
    const existing = existsSync(path) ? (await readFile(path, "utf8")).split("\n", 1)[0] : undefined;
    if (existing !== undefined && existing !== "") {
      names = existing.split(",").slice(lead.length);
    } else {
      names = Object.keys(values);
      header = `${["step", "epoch", "elapsed_ms", ...names].join(",")}\n`;
    }
  }
  await appendFile(path, `${header}${[...lead, ...names.map((c) => values[c] ?? "")].join(",")}\n`);
  return names;
}
