import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { imageGrid, imageSetBatch, loadMnist, mnistDataDir, useBackend, writeIdx, writePng } from "../../src/index.js";
import { cli } from "./run-cli.js";

let dir: string;
beforeAll(async () => {
  await useBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-cli-eval-"));
  // 300 real training digits as another framework would save them: uint8 IDX, gzip, and PNGs
  const train = await loadMnist({ split: "train", limit: 300 });
  await writeIdx(join(dir, "samples-idx3-ubyte.gz"), { dtype: "uint8", dims: [300, 28, 28], data: train.pixels }, { gzip: true });
  const pngs = join(dir, "pngs");
  for (let i = 0; i < 40; i++) {
    const t = imageSetBatch(train, i, i + 1);
    await writePng(join(pngs, `sample-${i}.png`), imageGrid(t, { padding: 0, range: "[0,1]" }));
    t.dispose();
  }
});

describe("gen-mnist eval", () => {
  it("evaluates an IDX file of samples: prints a table, writes metrics.json", async () => {
    const run = cli("eval", join(dir, "samples-idx3-ubyte.gz"), "--n", "300", "--json", join(dir, "m.json"));
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/300 images of samples-idx3-ubyte\.gz vs 300 images of mnist\/test; oracle mnist, 99\.\d\d % test accuracy/);
    for (const row of ["FID", "KID", "IS", "precision / recall (k=3)", "density / coverage (k=5)", "classes covered"]) expect(run.stdout).toContain(row);
    const report = JSON.parse(await readFile(join(dir, "m.json"), "utf8")) as { values: Record<string, number>; source: { n: number }; reference: { n: number } };
    expect(report.source.n).toBe(300);
    expect(report.reference.n).toBe(300);
    expect(report.values.classes_covered).toBe(10);
    expect(report.values.fid).toBeGreaterThan(0);
  }, 120_000);

  it("evaluates a folder of PNGs, chosen metrics; metrics.json goes into the folder", async () => {
    const run = cli("eval", join(dir, "pngs"), "--n", "40", "--metrics", "fid,coverage", "--no-progress");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("40 images of pngs");
    expect(run.stdout).not.toContain("KID");
    const report = JSON.parse(await readFile(join(dir, "pngs", "metrics.json"), "utf8")) as { values: Record<string, number> };
    expect(Object.keys(report.values).sort()).toEqual(["class_entropy", "class_max_deviation", "classes_covered", "fid"]);
  }, 120_000);

  it("trains with --eval-every, then evaluates the run folder (VAE metrics included)", async () => {
    const out = join(dir, "run");
    const train = cli("train", "vae", "--steps", "12", "--batch-size", "32", "--limit", "192", "--eval-every", "1", "--eval-n", "100", "--out", out, "--no-progress");
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/evaluation: fid \d/);
    for (const f of ["eval.jsonl", "eval.csv", "eval.svg"]) expect(existsSync(join(out, f))).toBe(true);
    const jsonl = (await readFile(join(out, "eval.jsonl"), "utf8")).trim().split("\n");
    // 6 steps an epoch: evaluated after epochs 1 and 2 (steps 6 and 12)
    expect(jsonl.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([6, 12]);
    const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8")) as { metrics: { step: number; metrics: Record<string, number> } };
    expect(summary.metrics.step).toBe(12);
    expect(Object.keys(summary.metrics.metrics)).toEqual(expect.arrayContaining(["fid", "recon_bce", "elbo"]));
    const run = cli("eval", out, "--n", "100", "--nll-k", "3", "--nll-n", "20", "--no-progress");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/100 samples of vae \(seed 0\) vs 100 images of mnist\/test/);
    for (const row of ["reconstruction", "ELBO", "IWAE NLL (k=3)"]) expect(run.stdout).toContain(row);
    expect(existsSync(join(out, "metrics.json"))).toBe(true);
  }, 240_000);

  it.each([
    [["eval", "x", "--metrics", "fid,bogus"], 2, /--metrics: unknown name 'bogus'; expected a comma-separated list of fid, kid/],
    [["eval", "x", "--n", "1"], 2, /--n must be an integer from 2 to 100000, got '1'/],
    [["eval", "/nonexistent/samples.idx", "--backend", "cpu"], 1, /gen-mnist: readImageSet: \/nonexistent\/samples.idx does not exist/],
    [["eval", "x", "--reference", "my-test-idx3-ubyte"], 2, /--reference my-test-idx3-ubyte: pass --oracle mnist, fashion-mnist or an oracle folder/],
    [["train", "vae", "--oracle", "mnist"], 2, /--oracle and --eval-metrics apply to the evaluations of --eval-every <epochs>/],
    [["train", "vae", "--eval-every", "1", "--eval-metrics", "fid,nope"], 2, /--eval-metrics: unknown name 'nope'/],
  ])("%j exits %i with a one-line reason", (args, code, message) => {
    const run = cli(...args);
    expect(run.code).toBe(code);
    expect(run.stderr.trim().split("\n").filter((l) => !l.startsWith("gen-mnist: using"))).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it("evaluating on a data folder no shipped oracle knows needs --oracle", () => {
    const run = cli("train", "vae", "--data", mnistDataDir(), "--limit", "64", "--steps", "1", "--eval-every", "1", "--out", join(dir, "folder-run"), "--no-progress");
    // a value that does not fit the other options: bad usage
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--eval-every with --data .*: pass --oracle mnist, fashion-mnist or an oracle folder \(no shipped oracle knows /);
  });

  it("a VAE metric for images is a clear error", () => {
    const run = cli("eval", join(dir, "samples-idx3-ubyte.gz"), "--metrics", "nll", "--n", "50");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/gen-mnist: evaluate: metric "nll" needs a VAE model/);
  });
});
