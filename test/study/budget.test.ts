// BudgetClock: training time that survives a resume, snapshots at shares of the budget (their own
// time not counted), and a time budget that stops training.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetClock, Trainer, useBackend, type GenerativeModel, type TrainContext } from "../../src/index.js";
import { readTimeLog } from "../../src/study/budget.js";
import { stubModel, syntheticImages } from "../helpers.js";

/** A model whose every step takes `ms` of wall time and changes nothing. */
function slowModel(ms: number): GenerativeModel {
  return stubModel({
    name: "slow", imageShape: data.imageShape, config: { batchSize: 8 },
    trainStep: async () => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        // busy: the step's own time
      }
      return { loss: 1 };
    },
  });
}

let dir: string;
beforeAll(async () => {
  await useBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-budget-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const data = syntheticImages(64);

describe("BudgetClock", () => {
  it("stops a timed run at its budget, snapshots at each share once, and leaves snapshot time out", async () => {
    const log = join(dir, "timed.jsonl");
    const shots: { share: number; step: number; trainMs: number }[] = [];
    const clock = new BudgetClock({
      budget: { minutes: 0.6 / 60 }, // 600 ms
      log,
      snapshots: [0.5, 1],
      onSnapshot: async (ctx: TrainContext, share, trainMs) => {
        shots.push({ share, step: ctx.step, trainMs });
        await new Promise((r) => setTimeout(r, 500)); // a slow evaluation: not training time
      },
    });
    // a callback after the clock that takes 30 ms a step: not training time either (clock.restart is last)
    const slowLogger = {
      onBatchEnd: async () => {
        await new Promise((r) => setTimeout(r, 30));
      },
    };
    const history = await new Trainer(slowModel(20), data, { epochs: 1000, callbacks: [clock, slowLogger, clock.restart] }).fit();
    expect(history.stopReason).toBe("the budget of 0.6 s of training is spent");
    expect(shots.map((s) => s.share)).toEqual([0.5, 1]);
    expect(shots[0]?.trainMs).toBeGreaterThanOrEqual(300);
    expect(shots[1]?.trainMs).toBeGreaterThanOrEqual(600);
    // the first snapshot's 500 ms are not training time: about 300 ms of steps lie between the two
    expect((shots[1]?.trainMs ?? 0) - (shots[0]?.trainMs ?? 0)).toBeLessThan(750);
    // every step takes at least 20 ms: at most 30 fit in 600 ms; with the logger's 30 ms counted only 12 would
    expect(history.totalSteps).toBeLessThanOrEqual(30);
    expect(history.totalSteps).toBeGreaterThan(15);
    expect(clock.trainMs).toBeGreaterThanOrEqual(600);
    const logged = await readTimeLog(log);
    expect(logged.map((r) => r.step)).toEqual(Array.from({ length: history.totalSteps }, (_, i) => i + 1));
    expect(logged.every((r, i) => i === 0 || r.trainMs >= (logged[i - 1]?.trainMs ?? 0))).toBe(true);
  });

  it("takes no further step when resumed after its time budget was spent", async () => {
    const log = join(dir, "spent.jsonl");
    await writeFile(log, `${JSON.stringify({ step: 4, trainMs: 700 })}\n`);
    const clock = new BudgetClock({ budget: { minutes: 0.6 / 60 }, log });
    const history = await new Trainer(slowModel(5), data, { epochs: 1000, callbacks: [clock], resumeFrom: { epoch: 0, stepInEpoch: 4, step: 4, options: { epochs: 1000, steps: null, batchSize: 8, seed: 0, dropRemainder: true } } }).fit();
    expect([history.steps.length, history.stopReason, clock.spent]).toEqual([0, "the budget of 0.6 s of training is spent", true]);
  });

  it("resumes with the time it had used at the checkpoint's step (the log cut back to it)", async () => {
    const log = join(dir, "resumed.jsonl");
    const budget = { steps: 10 };
    const first = new Trainer(slowModel(5), data, { steps: 10, callbacks: [new BudgetClock({ budget, log })] });
    await first.fit();
    const atSix = (await readTimeLog(log)).find((r) => r.step === 6)?.trainMs ?? NaN;
    // resume from step 6 of the same run
    const shots: number[] = [];
    const clock = new BudgetClock({ budget, log, snapshots: [0.5, 0.8, 1], onSnapshot: async (_ctx, share) => void shots.push(share) });
    const resumed = new Trainer(slowModel(5), data, { steps: 10, callbacks: [clock], resumeFrom: { epoch: 0, stepInEpoch: 6, step: 6, options: first.options } });
    await resumed.fit();
    // 0.5 was passed before step 6: only the later shares are taken
    expect(shots).toEqual([0.8, 1]);
    const lines = (await readFile(log, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { step: number; trainMs: number });
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lines[6]?.trainMs).toBeGreaterThan(atSix);
    expect(clock.trainMs).toBeGreaterThanOrEqual(atSix + 4 * 5);
    expect(clock.share(5, 10)).toBe(0.5);
  });
});
