// A study's numbers: mean ± std over seeds (closed form, and as a property), which model wins each
// metric and by how much, and results.csv.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pickWinners, resultsCsv, type StudyModelSummary, type StudyRunResult, type StudyStat } from "../../src/index.js";
import { stat } from "../../src/study/results.js";

const s = (mean: number, std = 0, n = 3): StudyStat => ({ mean, std, n });

function model(name: StudyModelSummary["model"], kind: string, metrics: Record<string, StudyStat>, imagesPerSecond = s(100)): StudyModelSummary {
  return { model: name, kind, finished: 3, runs: 3, parameters: 1, parametersByNetwork: {}, training: { seconds: s(60), steps: s(10), imagesPerSecond }, losses: {}, metrics };
}

describe("stat", () => {
  it("is the mean and the sample standard deviation", () => {
    expect(stat([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
    expect(stat([7])).toEqual({ mean: 7, std: 0, n: 1 });
    expect(stat([NaN, 2, Infinity, 4])).toEqual({ mean: 3, std: Math.SQRT2, n: 2 });
    expect(stat([]).n).toBe(0);
  });

  it("is invariant to order and moves with a shift (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 20 }), fc.double({ min: -100, max: 100, noNaN: true }), (values, shift) => {
        const a = stat(values);
        const b = stat([...values].reverse().map((v) => v + shift));
        expect(b.mean).toBeCloseTo(a.mean + shift, 6);
        expect(b.std).toBeCloseTo(a.std, 6);
        expect(a.std).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe("pickWinners", () => {
  it("picks by direction, and calls a gap clear only beyond both standard deviations", () => {
    const winners = pickWinners([
      model("dcgan", "gan", { fid: s(30, 2), recall: s(0.40, 0.05), precision: s(0.7, 0.01) }, s(50, 5)),
      model("vae", "vae", { fid: s(45, 3), recall: s(0.43, 0.05), precision: s(0.6, 0.01), elbo: s(-100, 1) }, s(900, 20)),
    ]);
    const by = Object.fromEntries(winners.map((w) => [w.metric, w]));
    expect(by.fid).toMatchObject({ model: "dcgan", better: "lower", margin: "clear", runnerUp: { model: "vae" } });
    expect(by.recall).toMatchObject({ model: "vae", better: "higher", margin: "within noise" });
    expect(by.precision).toMatchObject({ model: "dcgan", margin: "clear" });
    expect(by.elbo).toMatchObject({ model: "vae", margin: "only model" });
    expect(by.elbo?.runnerUp).toBeUndefined();
    expect(by.imagesPerSecond).toMatchObject({ model: "vae", label: "training images / s" });
    // a metric no model has is not listed
    expect(by.nll).toBeUndefined();
  });

  it("calls equal means a tie and names every tied model", () => {
    const winners = pickWinners([model("vae", "vae", { classes_covered: s(9.5, 0.7) }), model("dcgan", "gan", { classes_covered: s(7, 1) }), model("conv-vae", "vae", { classes_covered: s(9.5, 0.7) })]);
    expect(winners.find((w) => w.metric === "classes_covered")).toMatchObject({ model: "vae", margin: "tie", tiedWith: ["conv-vae"], runnerUp: { model: "conv-vae" } });
    expect(winners.find((w) => w.metric === "imagesPerSecond")?.tiedWith).toEqual(["dcgan", "conv-vae"]);
  });

  it("says 'one seed' when there is no noise estimate, and skips non-finite means", () => {
    const winners = pickWinners([model("dcgan", "gan", { fid: s(30, 0, 1) }), model("mlp-gan", "gan", { fid: s(NaN, 0, 0) }), model("wgan-gp", "gan", { fid: s(31, 0, 1) })]);
    expect(winners.find((w) => w.metric === "fid")).toMatchObject({ model: "dcgan", margin: "one seed", runnerUp: { model: "wgan-gp" } });
  });
});

describe("resultsCsv", () => {
  it("writes one row per run under the union of the runs' metrics, LSA's as lsa_*", () => {
    const run = (model: StudyRunResult["model"], seed: number, metrics: Record<string, number>, lsa?: StudyRunResult["lsa"]): StudyRunResult => ({
      model, seed, status: "finished", stopReason: null, parameters: { g: 1 }, batchSize: 64, steps: 10, trainSeconds: 12.345, imagesPerSecond: 51.84, meanLossesLast50Steps: {},
      folder: `runs/${model}-seed${seed}`, kind: "gan", totalParameters: 1, metrics, classCounts: [], timeline: [], files: {}, ...(lsa === undefined ? {} : { lsa }),
    });
    const csv = resultsCsv([
      run("dcgan", 0, { fid: 30.5 }, { before: { fid: 30.5 }, after: { fid: 28 }, classes: [], grid: "x.png" }),
      run("vae", 1, { fid: 40, elbo: -99.5 }, { error: "conditional, \"no\"" }),
    ]);
    const lines = csv.trimEnd().split("\n");
    expect(lines[0]).toBe("model,seed,status,parameters,steps,train_seconds,images_per_second,fid,elbo,lsa_fid");
    expect(lines[1]).toBe("dcgan,0,finished,1,10,12.35,51.8,30.5,,28");
    expect(lines[2]).toBe("vae,1,finished,1,10,12.35,51.8,40,-99.5,");
    expect(lines).toHaveLength(3);
  });
});
