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
 * A callback that measures training time across resumes, calls `onSnapshot` at shares of the
 * budget, and with a budget in minutes stops training when it is spent. Training time is the time
 * from the end of the callbacks' work after one step to the end of the next step: put the clock
 * first among the callbacks and its {@link BudgetClock.restart} last, and the time of every other
 * callback (checkpoints, sample grids, logs) and of `onSnapshot` is left out. The time used is
 * logged a step at a time, so a run resumed from a checkpoint at step s continues with the time it
 * had used at step s.
 *
 * @example
 * ```ts
 * const clock = new BudgetClock({ budget: { minutes: 5 }, log: "runs/x/train-time.jsonl" });
 * new Trainer(model, data, { epochs: 1000, callbacks: [clock, new Checkpoint({ dir: "runs/x/checkpoints" }), clock.restart] });
 * ```
 */
export class BudgetClock implements Callback {
  /** Training time so far, in milliseconds, including the time before a resume. */
  trainMs = 0;
  private readonly options: BudgetClockOptions;
  private mark = 0;
  private next = 0;
  /**
   * A callback to put last: it restarts the step timer once every callback has done its work for a
   * step (or an epoch), so that their time is not training time.
   */
  readonly restart: Callback;

  /** @param options - see {@link BudgetClockOptions}. */
  constructor(options: BudgetClockOptions) {
    this.options = options;
    const restart = (): void => void (this.mark = performance.now());
    this.restart = { onTrainBegin: restart, onEpochBegin: restart, onBatchEnd: restart, onEpochEnd: restart };
  }

  /** Whether a budget in minutes is spent (budgets of epochs or steps end with the trainer's own length). */
  get spent(): boolean {
    const { budget } = this.options;
    return "minutes" in budget && this.trainMs >= budget.minutes * 60_000;
  }

  /** The share of the budget used after `step` steps of a run of `totalSteps`, at `trainMs`. */
  share(step: number, totalSteps: number, trainMs = this.trainMs): number {
    const { budget } = this.options;
    return "minutes" in budget ? trainMs / (budget.minutes * 60_000) : step / totalSteps;
  }

  /** Restores the time used up to the resumed step (cutting the log back to it). */
  async onTrainBegin(context: TrainContext): Promise<void> {
    const { step, totalSteps } = context;
    const kept = await readTimeLog(this.options.log, step);
    await writeFileAtomic(this.options.log, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    this.trainMs = kept[kept.length - 1]?.trainMs ?? 0;
    const used = this.share(step, totalSteps);
    const shares = this.options.snapshots ?? [];
    this.next = shares.findIndex((s) => s > used + 1e-12);
    if (this.next < 0) this.next = shares.length;
    // a run resumed after its budget was spent (killed before it was saved) takes no further step
    if (this.spent) context.stopTraining(this.stopMessage());
    this.mark = performance.now();
  }

  private stopMessage(): string {
    return `the budget of ${describeBudget(this.options.budget)} of training is spent`;
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
    if (this.spent) context.stopTraining(this.stopMessage());
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
