import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Evaluate,
  GAN,
  HistoryLogger,
  loadMnist,
  metricCurvesSvg,
  prepareReference,
  Trainer,
  trainableVariables,
  useBackend,
  type Dataset,
  type EvaluationRecord,
  type PreparedReference,
} from "../../src/index.js";
import { snapshot, tinyGanConfig } from "../helpers.js";

let data: Dataset;
let reference: PreparedReference;
beforeAll(async () => {
  await useBackend("gen-mnist");
  data = await loadMnist({ split: "train", limit: 640 });
  reference = await prepareReference("mnist-test", { n: 300 });
});
afterAll(() => reference.oracle.dispose());

const lines = async (path: string): Promise<string[]> => (await readFile(path, "utf8")).split("\n").filter((l) => l !== "");

describe("Evaluate callback", () => {
  it("records metrics every epoch and at the end into the history, the logs and plots, without changing training", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gen-mnist-eval-cb-"));
    const seen: EvaluationRecord[] = [];
    const model = new GAN(tinyGanConfig);
    const trainer = new Trainer(model, data, {
      steps: 50, // 20 steps an epoch: evaluated after steps 20 and 40, and at the end (50)
      callbacks: [
        new Evaluate({ every: 1, n: 300, reference, metrics: ["fid", "kid", "pr", "classes"] }),
        new HistoryLogger({ jsonl: join(dir, "h.jsonl"), metricsJsonl: join(dir, "eval.jsonl"), metricsCsv: join(dir, "eval.csv") }),
        { onMetrics: ({ record }) => void seen.push(record) },
      ],
    });
    const history = await trainer.fit();
    expect(history.evaluations.map((e) => [e.step, e.epoch])).toEqual([[20, 0], [40, 1], [50, 2]]);
    expect(seen).toEqual(history.evaluations);
    const keys = ["fid", "kid", "kid_std", "precision", "recall", "classes_covered", "class_entropy", "class_max_deviation"];
    for (const e of history.evaluations) expect(Object.keys(e.metrics).sort()).toEqual([...keys].sort());
    const jsonl = await lines(join(dir, "eval.jsonl"));
    expect(jsonl.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([20, 40, 50]);
    const csv = await lines(join(dir, "eval.csv"));
    expect(csv).toHaveLength(4);
    expect(csv[0]?.split(",")).toEqual(["step", "epoch", "elapsed_ms", "fid", "kid", "kid_std", "precision", "recall", "classes_covered", "class_entropy", "class_max_deviation"]);
    const svg = await metricCurvesSvg(history.evaluations, { metrics: ["fid", "precision"] });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("fid");
    expect(svg).toContain("precision");
    // the same run without evaluations ends with the same weights
    const plain = new GAN(tinyGanConfig);
    await new Trainer(plain, data, { steps: 50 }).fit();
    const a = snapshot(trainableVariables(model.generator, model.discriminator));
    const b = snapshot(trainableVariables(plain.generator, plain.discriminator));
    expect(a.every((w, i) => w.every((v, j) => v === b[i]?.[j]))).toBe(true);
    model.dispose();
    plain.dispose();
  }, 120_000);

  it("a run stopped by a NaN loss still ends: the evaluation is skipped and later callbacks run", async () => {
    const model = new GAN(tinyGanConfig);
    const evaluator = new Evaluate({ n: 100, reference, metrics: ["fid"] });
    let ended = false;
    const history = await new Trainer(model, data, {
      steps: 10,
      callbacks: [
        { onBatchEnd: ({ step }) => { if (step === 2) for (const w of [...model.generator.weights, ...model.discriminator.weights]) w.write(tf.fill(w.shape as number[], Number.NaN)); } },
        evaluator,
        { onTrainEnd: () => void (ended = true) },
      ],
    }).fit();
    expect(history.stopReason).toMatch(/became NaN at step 3/);
    expect(ended).toBe(true);
    expect(history.evaluations).toEqual([]);
    // a diverged model is not evaluated at all
    expect(history.diverged).toMatchObject({ step: 3 });
    expect(evaluator.lastError).toBeUndefined();
    model.dispose();
  });

  it("HistoryLogger appends metrics under an existing CSV header's columns (a resumed run)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gen-mnist-eval-csv-"));
    const csv = join(dir, "eval.csv");
    await writeFile(csv, "step,epoch,elapsed_ms,kid,fid\n10,0,5,0.5,30\n");
    const logger = new HistoryLogger({ metricsCsv: csv });
    const record = { step: 20, epoch: 1, elapsedMs: 9, metrics: { fid: 20, kid: 0.25 } };
    await logger.onMetrics({ record } as unknown as Parameters<HistoryLogger["onMetrics"]>[0]);
    expect(await lines(csv)).toEqual(["step,epoch,elapsed_ms,kid,fid", "10,0,5,0.5,30", "20,1,9,0.25,20"]);
  });

  it("checks its options", () => {
    expect(() => new Evaluate({ every: 0 })).toThrow(/options.every must be an integer >= 1/);
    expect(() => new Evaluate({ n: 1 })).toThrow(/options.n must be an integer >= 2/);
  });
});
