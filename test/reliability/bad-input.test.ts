// The bad-input table: every row runs the CLI as a user would and expects one line on stderr
// naming what is wrong (no stack trace) and the documented exit code (1 error, 2 usage, 3 diverged).
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodePng } from "../../src/index.js";
import { cli } from "../cli/run-cli.js";

let dir = "";
let run = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-bad-"));
  run = join(dir, "run");
  const made = cli("train", "vae", "--steps", "4", "--batch-size", "32", "--limit", "256", "--checkpoint-every", "1", "--out", run, "--no-progress");
  expect(made.code, made.stderr).toBe(0);
  writeFileSync(join(dir, "a-file"), "not a folder");
  mkdirSync(join(dir, "empty-folder"));
  mkdirSync(join(dir, "foreign"));
  writeFileSync(join(dir, "foreign", "thesis.tex"), "my thesis");
  writeFileSync(join(dir, "foreign", "config.json"), "{}");
  // a data folder with a garbage image file, and one whose header claims 10^9 images
  mkdirSync(join(dir, "garbage-data"));
  writeFileSync(join(dir, "garbage-data", "train-images-idx3-ubyte"), Buffer.from("definitely not IDX"));
  writeFileSync(join(dir, "garbage-data", "train-labels-idx1-ubyte"), Buffer.from([0, 0, 8, 1, 0, 0, 0, 0]));
  mkdirSync(join(dir, "huge-data"));
  const header = Buffer.from([0, 0, 8, 3, 0x3b, 0x9a, 0xca, 0x00, 0, 0, 0, 28, 0, 0, 0, 28]);
  writeFileSync(join(dir, "huge-data", "train-images-idx3-ubyte"), Buffer.concat([header, Buffer.alloc(784)]));
  writeFileSync(join(dir, "huge-data", "train-labels-idx1-ubyte"), Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 0]));
  // a run whose weight files are gone, everywhere
  await cp(run, join(dir, "no-weights"), { recursive: true });
  for (const sub of ["model", "checkpoints/last", "checkpoints/best", "checkpoints/epoch-0001"]) {
    await rm(join(dir, "no-weights", sub, "decoder.weights.bin"), { force: true });
  }
  mkdirSync(join(dir, "bad-png"));
  writeFileSync(join(dir, "bad-png", "0.png"), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("garbage after the signature")]));
  if (process.getuid?.() !== 0) {
    mkdirSync(join(dir, "read-only"));
    chmodSync(join(dir, "read-only"), 0o555);
  }
}, 120_000);

// root may write anywhere a mode allows; sysfs refuses even root
const unwritable = (): string => (process.getuid?.() === 0 ? "/sys/gen-mnist-test/run" : join(dir, "read-only", "run"));

const TRAIN = ["--steps", "2", "--batch-size", "32", "--limit", "256", "--no-progress"];

const table: [string, number, () => string[], RegExp][] = [
  ["--out is a file", 2, () => ["train", "vae", ...TRAIN, "--out", join(dir, "a-file")], /--out .*a-file: is a file; expected a run folder/],
  ["--out inside a file", 1, () => ["train", "vae", ...TRAIN, "--out", join(dir, "a-file", "run")], /cannot mkdir .*a-file\/run: a part of the path is a file, expected a folder \(ENOTDIR\)/],
  ["--out unwritable", 1, () => ["train", "vae", ...TRAIN, "--out", unwritable()], /cannot mkdir .*: (operation not permitted \(EPERM\)|permission denied \(EACCES\))/],
  ["--out holds a run, no --resume", 2, () => ["train", "vae", ...TRAIN, "--out", run], /already holds a run \(vae, 4 steps\)\. Continue it with: gen-mnist train vae --out .* --resume; or choose a new --out; or add --overwrite/],
  ["--overwrite of a folder with other files", 2, () => ["train", "vae", ...TRAIN, "--out", join(dir, "foreign"), "--overwrite"], /--overwrite: .*foreign holds files gen-mnist did not write \(thesis\.tex\)/],
  ["--resume with --overwrite", 2, () => ["train", "vae", ...TRAIN, "--out", run, "--resume", "--overwrite"], /--resume and --overwrite contradict each other/],
  ["--resume of a folder without a run", 2, () => ["train", "vae", ...TRAIN, "--out", join(dir, "empty-folder"), "--resume"], /holds no run \(no config\.json\); train without --resume/],
  ["--resume with another model", 2, () => ["train", "mlp-gan", "--out", run, "--resume"], /holds a vae run, not mlp-gan; continue it with: gen-mnist train vae --out .* --resume/],
  ["--resume changing what cannot change", 2, () => ["train", "vae", "--out", run, "--resume", "--batch-size", "64", "--latent-dim", "3"], /--batch-size 64 differs from the run's 32; --latent-dim 3 differs from the run's 16; these cannot change/],
  ["--threads beyond the limit", 2, () => ["train", "vae", "--threads", "999"], /--threads must be an integer from 1 to 64, got '999'/],
  ["--checkpoint-minutes negative", 2, () => ["train", "vae", "--checkpoint-minutes", "-1"], /--checkpoint-minutes must be a number >= 0, got '-1'/],
  ["--data is a file", 1, () => ["train", "vae", ...TRAIN, "--data", join(dir, "a-file"), "--out", join(dir, "r1")], /data folder .*a-file is a file; expected a folder holding train-images-idx3-ubyte/],
  ["--data does not exist", 1, () => ["train", "vae", ...TRAIN, "--data", join(dir, "nowhere"), "--out", join(dir, "r2")], /load .*nowhere: folder .*nowhere does not exist/],
  ["--data holds garbage", 1, () => ["train", "vae", ...TRAIN, "--data", join(dir, "garbage-data"), "--out", join(dir, "r3")], /train-images-idx3-ubyte: bad IDX file: magic number/],
  ["--data claims 10^9 images", 1, () => ["train", "vae", ...TRAIN, "--data", join(dir, "huge-data"), "--out", join(dir, "r4")], /bad IDX file: size: expected at most 1073741824 bytes of data \(the maxBytes limit\), found dims \[1000000000, 28, 28\]/],
  ["sample --out is a folder", 2, () => ["sample", run, "--out", dir], /--out .*: is a folder; expected a file name, e.g\. .*samples\.png/],
  ["sample of a folder without a model", 1, () => ["sample", join(dir, "empty-folder")], /empty-folder: no saved model here/],
  ["sample of a run whose weight files are gone", 1, () => ["sample", join(dir, "no-weights"), "--out", join(dir, "s.png")], /no-weights\/checkpoints: no valid checkpoint; .*decoder\.weights\.bin: missing/],
  ["eval of a model whose weight file is gone", 1, () => ["eval", join(dir, "no-weights", "model"), "--no-progress"], /no-weights\/model\/decoder\.weights\.bin: missing/],
  ["eval of an empty folder", 1, () => ["eval", join(dir, "empty-folder"), "--no-progress"], /empty-folder holds no \.png files/],
  ["sample -n beyond the limit", 2, () => ["sample", run, "-n", "100000000"], /-n must be an integer from 1 to 100000, got '100000000'/],
  ["eval --n beyond the limit", 2, () => ["eval", run, "--n", "100000000"], /--n must be an integer from 2 to 100000/],
  ["--latent-dim beyond the limit", 2, () => ["train", "vae", "--latent-dim", "100000000"], /--latent-dim must be an integer from 1 to 4096/],
  ["--batch-size larger than the data", 2, () => ["train", "vae", "--steps", "2", "--batch-size", "512", "--limit", "256", "--out", join(dir, "r5"), "--no-progress"], /has 256 examples, fewer than one batch of 512/],
  ["eval of a folder with a broken PNG", 1, () => ["eval", join(dir, "bad-png"), "--no-progress"], /bad-png\/0\.png is not a readable PNG/],
  ["a backend without a kernel the model needs", 1, () => ["train", "conv-vae", "--steps", "1", "--batch-size", "8", "--limit", "64", "--backend", "wasm", "--out", join(dir, "r6"), "--no-progress"], /the 'wasm' backend lacks the \w+ kernel this model needs; use --backend gen-mnist/],
  ["eval --json is a folder", 2, () => ["eval", run, "--json", dir], /--json .*: is a folder; expected a file name/],
  ["sample --out inside a file", 1, () => ["sample", run, "--out", join(dir, "a-file", "x.png")], /cannot mkdir .*a-file: exists and is a file, expected a folder/],
  ["eval of an empty file", 1, () => ["eval", join(dir, "a-file"), "--no-progress"], /a-file: bad IDX file/],
];

describe("reliability: run folders", () => {
  it("--overwrite refuses a user's file inside the run's own folders, and a typo in --data deletes nothing", async () => {
    const out = join(dir, "with-notes");
    await cp(run, out, { recursive: true });
    writeFileSync(join(out, "samples", "my-notes.txt"), "keep me");
    const refused = cli("train", "vae", ...TRAIN, "--out", out, "--overwrite");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds files gen-mnist did not write \(samples\/my-notes\.txt\)/);
    await rm(join(out, "samples", "my-notes.txt"));
    const typo = cli("train", "vae", ...TRAIN, "--out", out, "--overwrite", "--data", join(dir, "nowhere"));
    expect(typo.code).toBe(1);
    expect(existsSync(join(out, "model", "gen-mnist.json"))).toBe(true);
  }, 60_000);

  it("--resume of a trained run whose checkpoints are gone is an error that keeps its model", async () => {
    const out = join(dir, "no-checkpoints");
    await cp(run, out, { recursive: true });
    await rm(join(out, "checkpoints"), { recursive: true });
    const result = cli("train", "vae", "--out", out, "--resume", "--steps", "8", "--no-progress");
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/holds no checkpoint, but the run in .* has trained .*start it over with --overwrite/);
    expect(existsSync(join(out, "model", "gen-mnist.json"))).toBe(true);
  }, 60_000);

  it("--resume keeps the run's checkpoint and evaluation options, and new --epochs replace an old --steps budget", async () => {
    const out = join(dir, "carried");
    // 256 images of 32: 8 steps an epoch
    expect(cli("train", "vae", "--steps", "8", "--batch-size", "32", "--limit", "256", "--checkpoint-every", "1", "--keep", "5", "--out", out, "--no-progress").code).toBe(0);
    const resumed = cli("train", "vae", "--out", out, "--resume", "--epochs", "3", "--no-progress");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await readdir(join(out, "checkpoints"))).filter((n) => n.startsWith("epoch-")).sort()).toEqual(["epoch-0001", "epoch-0002", "epoch-0003"]);
    const config = JSON.parse(await readFile(join(out, "config.json"), "utf8")) as { trainer: { epochs: number; steps: number | null }; cli: { checkpointEvery: number } };
    expect(config).toMatchObject({ trainer: { epochs: 3, steps: null }, cli: { checkpointEvery: 1 } });
    const fewer = cli("train", "vae", "--out", out, "--resume", "--steps", "4", "--no-progress");
    expect(fewer.code).toBe(2);
    expect(fewer.stderr).toMatch(/--steps 4: the run has already taken 24 steps/);
  }, 60_000);

  it("a run killed before its first checkpoint restarts from step 0 with its recorded batch size and length", async () => {
    const out = join(dir, "restart");
    expect(cli("train", "vae", "--steps", "6", "--batch-size", "32", "--limit", "256", "--out", out, "--no-progress").code).toBe(0);
    // as a kill right after config.json was written leaves it: nothing trained, nothing saved
    for (const name of ["checkpoints", "model", "samples", "summary.json", "history.jsonl", "history.csv", "loss.svg", "reconstructions.png"]) {
      await rm(join(out, name), { recursive: true, force: true });
    }
    const again = cli("train", "vae", "--out", out, "--resume", "--no-progress");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("starting the run again from step 0 with its recorded settings");
    const config = JSON.parse(await readFile(join(out, "config.json"), "utf8")) as { trainer: { batchSize: number; steps: number } };
    expect(config.trainer).toMatchObject({ batchSize: 32, steps: 6 });
    const steps = (await readFile(join(out, "history.jsonl"), "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
  }, 60_000);

  it("a folder another live process is training in is refused; a lock left by a killed one is taken over", async () => {
    const out = join(dir, "locked");
    await cp(run, out, { recursive: true });
    writeFileSync(join(out, ".gen-mnist.lock"), `${process.pid}\n`);
    const refused = cli("train", "vae", "--out", out, "--resume", "--no-progress");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`another gen-mnist process \\(pid ${process.pid}\\) is training in this folder`));
    const overwritten = cli("train", "vae", ...TRAIN, "--out", out, "--overwrite");
    expect(overwritten.code, "--overwrite must not delete a live run").toBe(2);
    expect(existsSync(join(out, "checkpoints"))).toBe(true);
    writeFileSync(join(out, ".gen-mnist.lock"), "2147483646\n");
    const taken = cli("train", "vae", "--out", out, "--resume", "--steps", "6", "--no-progress");
    expect(taken.code, taken.stderr).toBe(0);
    expect(existsSync(join(out, ".gen-mnist.lock"))).toBe(false);
  }, 60_000);
});

describe("reliability: the bad-input table", () => {
  it.each(table)("%s: one line, exit %d", (_name, code, args, message) => {
    const result = cli(...args());
    expect(result.code, result.stderr).toBe(code);
    const errors = result.stderr.split("\n").filter((l) => /^(gen-mnist: |error: )/.test(l) && !l.includes("using tfjs backend"));
    expect(errors.join("\n")).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toMatch(/unexpected error/);
  }, 60_000);

  it("a diverging run exits 3, names the step and the checkpoint kept; sample and --resume use that checkpoint", async () => {
    const out = join(dir, "diverged");
    const result = cli("train", "mlp-gan", "--lr", "1e6", "--steps", "40", "--batch-size", "32", "--limit", "512", "--out", out, "--no-progress");
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/training diverged: the (optimizer state|weights) of '(generator|discriminator)' held \d+ non-finite values \(NaN or ±Infinity\) at step 16 \(epoch 1\)\. Kept the last good checkpoint, .*checkpoints\/last: resume from it with a lower --lr/);
    expect(existsSync(join(out, "model"))).toBe(false);
    expect(existsSync(join(out, "samples", "final.png"))).toBe(false);
    const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8")) as { diverged: { step: number } };
    expect(summary.diverged.step).toBe(16);
    // the kept checkpoint is the start of the run, whose weights are finite
    const kept = JSON.parse(await readFile(join(out, "checkpoints", "last", "trainer.json"), "utf8")) as { step: number };
    expect(kept.step).toBe(0);
    const sampled = cli("sample", out, "--out", join(dir, "diverged.png"), "-n", "16");
    expect(sampled.code, sampled.stderr).toBe(0);
    const png = decodePng(await readFile(join(dir, "diverged.png")));
    expect(png.pixels.some((v) => v > 0 && v < 255)).toBe(true);
    // resuming with a sane rate from the kept checkpoint trains to the end
    const resumed = cli("train", "mlp-gan", "--out", out, "--resume", "--lr", "2e-4", "--no-progress");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming from ${join(out, "checkpoints", "last")}`);
    const config = JSON.parse(await readFile(join(out, "config.json"), "utf8")) as { learningRate: number; trainer: { steps: number } };
    expect(config).toMatchObject({ learningRate: 2e-4, trainer: { steps: 40 } });
  }, 120_000);

  it("--overwrite replaces a run (with the metrics.json of gen-mnist eval); a new run in an empty folder is fine", async () => {
    const out = join(dir, "replaced");
    await cp(run, out, { recursive: true });
    writeFileSync(join(out, "metrics.json"), "{}");
    const result = cli("train", "vae", ...TRAIN, "--out", out, "--overwrite");
    expect(result.code, result.stderr).toBe(0);
    const steps = (await readFile(join(out, "history.jsonl"), "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual([1, 2]);
    expect(cli("train", "vae", ...TRAIN, "--out", join(dir, "empty-folder")).code).toBe(0);
  }, 60_000);
});
