// gen-mnist study: a tiny quick study through the CLI (files, winners, an ordinary run folder that
// `gen-mnist sample` reads), --resume without retraining, and one clear usage error per mistake.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "./run-cli.js";

let dir: string;
let out: string;
const tiny = ["--quick", "--models", "mlp-gan", "--epochs", "1", "--limit", "256", "--eval-n", "100", "--no-progress"];
let first: ReturnType<typeof cli>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-cli-study-"));
  out = join(dir, "study");
  first = cli("study", ...tiny, "--out", out);
}, 240_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("gen-mnist study", () => {
  it("runs a study and writes the report, the results and ordinary run folders", async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("[1/1] mlp-gan seed 0");
    expect(first.stderr).toMatch(/mlp-gan seed 0 at 100%: FID \d/);
    expect(first.stdout).toContain("study " + out + ": mlp-gan × 1 seed(s), 1 epoch each");
    expect(first.stdout).toMatch(/winners \(mean over seeds\):\n {2}FID {20}mlp-gan/);
    for (const file of ["report.html", "results.csv", "results.json", "study.json", "runs/mlp-gan-seed0/model/gen-mnist.json", "runs/mlp-gan-seed0/config.json"]) expect(existsSync(join(out, file)), file).toBe(true);
    const results = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as { complete: boolean; options: { quick: boolean; budget: unknown; evaluation: { n: number } } };
    expect(results).toMatchObject({ complete: true, options: { quick: true, budget: { epochs: 1 }, evaluation: { n: 100 } } });
    const sample = cli("sample", join(out, "runs", "mlp-gan-seed0"), "-n", "4", "--out", join(dir, "s.png"));
    expect(sample.code, sample.stderr).toBe(0);
  });

  it("--resume keeps what finished; a used folder, --budget with --epochs and a bad budget are usage errors", () => {
    const again = cli("study", "--out", out, "--resume", "--no-progress");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("mlp-gan seed 0: already done");
    expect(again.stderr).not.toContain("final evaluation");
    const used = cli("study", ...tiny, "--out", out);
    expect([used.code, used.stderr.trim().split("\n").at(-1)]).toEqual([2, `gen-mnist: ${out} already holds a study; continue it with --resume, or choose another folder`]);
    const changed = cli("study", "--out", out, "--resume", "--epochs", "2", "--no-progress");
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain("gen-mnist: --resume: --budget/--epochs (2 epochs) differs from the study's (1 epoch); these cannot change");
    const missing = cli("study", "--out", join(dir, "typo"), "--resume");
    expect([missing.code, missing.stderr.trim()]).toEqual([2, `gen-mnist: --resume: ${join(dir, "typo")} does not exist; give the --out of the study to continue, or leave out --resume to start one`]);
    expect(existsSync(join(dir, "typo"))).toBe(false);
    const both = cli("study", "--budget", "1m", "--epochs", "2", "--out", join(dir, "x"));
    expect([both.code, both.stderr.trim().split("\n").at(-1)]).toEqual([2, "gen-mnist: --budget and --epochs contradict each other: give one (time per model, or epochs per model)"]);
    const bad = cli("study", "--budget", "5 days", "--out", join(dir, "y"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--budget: '5 days' is not a duration; expected one such as 90s, 10m or 1.5h");
    const help = cli("study", "--help");
    expect(help.stdout).toContain("takes about 2.8 hours on 2 cores");
  });
});
