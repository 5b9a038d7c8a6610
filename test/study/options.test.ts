// A study's options: budgets as the CLI writes them, defaults (full and quick), and one clear error per bad option.
import { describe, expect, it } from "vitest";
import { DEFAULT_STUDY_MODELS, describeBudget, parseBudget, resolveStudyOptions } from "../../src/index.js";

describe("parseBudget / describeBudget", () => {
  it("reads seconds, minutes (the default unit) and hours", () => {
    expect(parseBudget("90s")).toEqual({ minutes: 1.5 });
    expect(parseBudget("10m")).toEqual({ minutes: 10 });
    expect(parseBudget("10")).toEqual({ minutes: 10 });
    expect(parseBudget("1.5h")).toEqual({ minutes: 90 });
    expect(parseBudget(" 2 min ")).toEqual({ minutes: 2 });
  });

  it("refuses anything else, naming the forms it takes", () => {
    for (const bad of ["", "0m", "ten minutes", "-5m", "5d", "1e3"]) expect(() => parseBudget(bad)).toThrow(`'${bad}' is not a duration; expected one such as 90s, 10m or 1.5h`);
  });

  it("says a budget in words", () => {
    expect([describeBudget({ minutes: 0.3 }), describeBudget({ minutes: 10 }), describeBudget({ epochs: 1 }), describeBudget({ epochs: 3 }), describeBudget({ steps: 40 })]).toEqual(["18 s", "10 min", "1 epoch", "3 epochs", "40 steps"]);
  });
});

describe("resolveStudyOptions", () => {
  it("fills in the full defaults, and the quick ones with quick", () => {
    const full = resolveStudyOptions({});
    expect(full).toMatchObject({ models: DEFAULT_STUDY_MODELS, budget: { minutes: 10 }, seeds: 3, data: "mnist", limit: null, quick: false });
    expect(full.evaluation).toEqual({ n: 5000, snapshots: [0.25, 0.5, 0.75, 1], snapshotN: 1000, lsaCandidates: 5000, nll: { k: 50, n: 500 }, latentMapN: 2000 });
    const quick = resolveStudyOptions({ quick: true, seeds: 2, evaluation: { n: 800 } });
    expect(quick).toMatchObject({ budget: { minutes: 0.3 }, seeds: 2, quick: true });
    expect(quick.evaluation).toMatchObject({ n: 800, snapshotN: 300, snapshots: [0.5, 1], nll: { k: 10, n: 100 } });
    expect(resolveStudyOptions({ evaluation: { snapshots: [1, 0.5] } }).evaluation.snapshots).toEqual([0.5, 1]);
  });

  it("gives one clear error per bad option", () => {
    const cases: [Parameters<typeof resolveStudyOptions>[0], string][] = [
      [{ models: [] }, "options.models is empty"],
      [{ models: ["dcgan", "gpt" as "dcgan"] }, "unknown model 'gpt'; expected some of mlp-gan, dcgan"],
      [{ models: ["vae", "vae"] }, "options.models names 'vae' twice"],
      [{ budget: { minutes: 0 } }, "options.budget.minutes must be a positive number, found 0"],
      [{ budget: { epochs: 1.5 } }, "options.budget.epochs must be an integer >= 1, found 1.5"],
      [{ budget: { hours: 1 } as unknown as { minutes: number } }, 'options.budget must be one of { minutes }, { epochs } or { steps }, found {"hours":1}'],
      [{ seeds: 0 }, "options.seeds must be an integer >= 1, found 0"],
      [{ data: "cifar" as "mnist" }, 'options.data must be "mnist" or "fashion-mnist", found "cifar"'],
      [{ evaluation: { snapshots: [0, 1] } }, "snapshots[] must be > 0"],
      [{ evaluation: { snapshots: [0.5, 1.5] } }, "options.evaluation.snapshots[] must be >= 0, <= 1, found 1.5"],
      [{ evaluation: { snapshots: [0.5, 0.5] } }, "snapshots holds a share twice"],
      [{ evaluation: { n: 5 } }, "options.evaluation.n must be an integer >= 10, found 5"],
    ];
    for (const [options, message] of cases) expect(() => resolveStudyOptions(options), message).toThrow(message);
  });
});
