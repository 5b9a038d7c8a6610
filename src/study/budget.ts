import { appendFileSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { BatchEndContext, Callback, TrainContext } from "../training/callback.js";
import { writeFileAtomic } from "../_internals/fs.js";
import { describeBudget, type StudyBudget } from "./options.js";

/** Options of {@link BudgetClock}. */
export interface BudgetClockOptions {
  /** The budget: minutes of training time, or epochs or steps (then the trainer's own length). */
  readonly budget: StudyBudget;
  /** JSON Lines file of `{ step, trainMs }` a step, so that a resumed run knows the time it already used. */
  readonly log: string;
  /** Shares of the budget (in (0, 1], ascending) at which to call `onSnapshot`. */
  readonly snapshots?: readonly number[];
  /** Called once a share is reached; its time does not count as training time. */
  readonly onSnapshot?: (context: TrainContext, share: number, trainMs: number) => Promise<void>;
  /** Called after every step with the share of the budget used. */
  readonly onTick?: (context: TrainContext, share: number, trainMs: number) => void;
}

/**
 * A callback that measures training time across resumes (the time of other callbacks' work done
 * in `onSnapshot` excluded), calls `onSnapshot` at shares of the budget, and with a budget in
 * minutes stops training when it is spent. The time used is logged a step at a time, so a run
 * resumed from a checkpoint at step s continues with the time it had used at step s.
 */
export class BudgetClock implements Callback {
  /** Training time so far, in milliseconds, including the time before a resume. */
  trainMs = 0;
  private readonly options: BudgetClockOptions;
  private mark = 0;
  private next = 0;

  /** @param options - see {@link BudgetClockOptions}. */
  constructor(options: BudgetClockOptions) {
    this.options = options;
  }

  /** The share of the budget used after `step` steps of a run of `totalSteps`, at `trainMs`. */
  share(step: number, totalSteps: number, trainMs = this.trainMs): number {
    const { budget } = this.options;
    return "minutes" in budget ? trainMs / (budget.minutes * 60_000) : step / totalSteps;
  }

  /** Restores the time used up to the resumed step (cutting the log back to it). */
  async onTrainBegin({ step, totalSteps }: TrainContext): Promise<void> {
    const kept = await readTimeLog(this.options.log, step);
    await writeFileAtomic(this.options.log, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    this.trainMs = kept[kept.length - 1]?.trainMs ?? 0;
    const used = this.share(step, totalSteps);
    const shares = this.options.snapshots ?? [];
    this.next = shares.findIndex((s) => s > used + 1e-12);
    if (this.next < 0) this.next = shares.length;
    this.mark = performance.now();
  }

  /** Adds the step's time, logs it, takes a due snapshot, and stops a timed run at its budget. */
  async onBatchEnd(context: BatchEndContext): Promise<void> {
    this.trainMs += performance.now() - this.mark;
    appendFileSync(this.options.log, `${JSON.stringify({ step: context.step, trainMs: Math.round(this.trainMs) })}\n`);
    const used = this.share(context.step, context.totalSteps);
    this.options.onTick?.(context, Math.min(1, used), this.trainMs);
    const shares = this.options.snapshots ?? [];
    let due: number | undefined;
    while (this.next < shares.length && used + 1e-12 >= (shares[this.next] ?? 1)) due = shares[this.next++];
    // the last step of a step or epoch budget reaches the end whatever rounding says
    if (context.step >= context.totalSteps && this.next < shares.length) due = shares[(this.next = shares.length) - 1];
    if (due !== undefined) await this.options.onSnapshot?.(context, due, this.trainMs);
    if ("minutes" in this.options.budget && used >= 1) context.stopTraining(`the budget of ${describeBudget(this.options.budget)} of training is spent`);
    this.mark = performance.now();
  }
}

/** The `{ step, trainMs }` records of a time log up to `step` (all of them without it). */
export async function readTimeLog(path: string, step = Number.POSITIVE_INFINITY): Promise<{ step: number; trainMs: number }[]> {
  if (!existsSync(path)) return [];
  return (await readFile(path, "utf8")).split("\n").flatMap((line) => {
    try {
      const r = JSON.parse(line) as { step?: unknown; trainMs?: unknown };
      return typeof r.step === "number" && typeof r.trainMs === "number" && r.step <= step ? [{ step: r.step, trainMs: r.trainMs }] : [];
    } catch {
      return []; // an empty line, or one a crash cut short
    }
  });
}
