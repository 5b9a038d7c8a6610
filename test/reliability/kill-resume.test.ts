// Kill-at-random-step loop: a short run is killed (SIGKILL) 20 times at random moments, each time
// continued with --resume; the final weights and optimizer states must equal an uninterrupted
// run's byte for byte, and the history must hold every step exactly once. Also SIGTERM: the run
// finishes its step, saves, exits 143 and resumes to the same result.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../cli/run-cli.js";

const root = resolve(__dirname, "../..");
const STEPS = 64;
// mlp-gan: dropout in its discriminator, two Adam optimizers; 16 steps an epoch of 512 images
const RUN = ["train", "mlp-gan", "--steps", String(STEPS), "--batch-size", "32", "--limit", "512", "--checkpoint-every", "1", "--checkpoint-minutes", "0.003", "--no-progress"];
const MODEL_FILES = ["generator.weights.bin", "discriminator.weights.bin", "optimizer-generator.bin", "optimizer-discriminator.bin"];

/**
 * Starts the CLI and kills it with `signal` as soon as `due()` holds (polled every 10 ms) and
 * `afterMs` more have passed, if it is still running; resolves to its exit code or signal.
 */
function runAndKill(args: readonly string[], due: () => boolean, afterMs: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { cwd: root, env: { ...process.env, CI: "1" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    let timer: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      if (timer === undefined && due()) timer = setTimeout(() => child.kill(signal), afterMs);
    }, 10);
    child.on("exit", (code, sig) => {
      clearInterval(poll);
      clearTimeout(timer);
      done({ code, signal: sig, stderr });
    });
  });
}

/** The last step logged in a JSON Lines history (0 when none), tolerating a half-written line. */
function lastLoggedStep(path: string): number {
  if (!existsSync(path)) return 0;
  const lines = readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "");
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return (JSON.parse(lines[i] ?? "") as { step: number }).step;
    } catch {
      // a line being written
    }
  }
  return 0;
}

/** The steps of a JSON Lines history, in file order. */
const historySteps = async (path: string): Promise<number[]> =>
  (await readFile(path, "utf8")).split("\n").filter((l) => l !== "").map((l) => (JSON.parse(l) as { step: number }).step);

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

async function expectSameModel(a: string, b: string): Promise<void> {
  for (const file of MODEL_FILES) {
    const [x, y] = await Promise.all([readFile(join(a, "model", file)), readFile(join(b, "model", file))]);
    expect(Buffer.compare(x, y), `${file} differs from the uninterrupted run's`).toBe(0);
  }
}

describe("reliability: killed and resumed runs", () => {
  let reference = "";

  it("an uninterrupted run (the reference) writes each step once", async () => {
    reference = await mkdtemp(join(tmpdir(), "gen-mnist-ref-"));
    const run = cli(...RUN, "--out", reference, "--overwrite");
    expect(run.code, run.stderr).toBe(0);
    expect(await historySteps(join(reference, "history.jsonl"))).toEqual(range(STEPS));
  }, 120_000);

  it("20 SIGKILLs at random steps, each followed by --resume, end bit-identical with each step logged once", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "gen-mnist-kill-")), "run");
    // a fixed pseudo-random schedule (LCG), so a failure can be replayed: 20 kill points spread
    // over the run by step (not by time, so it holds on fast and slow machines alike), each a few
    // milliseconds after that step is logged, to land anywhere in the step, its logging or a save
    let state = 12345;
    const next = (): number => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const history = join(out, "history.jsonl");
    let killedMidRun = 0;
    for (let i = 0; i < 20; i++) {
      const started = existsSync(join(out, "config.json"));
      const target = Math.min(STEPS - 1, Math.floor(((i + next()) * (STEPS - 1)) / 20) + 1);
      const result = await runAndKill([...RUN, "--out", out, ...(started ? ["--resume"] : [])], () => lastLoggedStep(history) >= target, next() * 40, "SIGKILL");
      if (result.signal === "SIGKILL") killedMidRun++;
      else expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(killedMidRun).toBeGreaterThanOrEqual(18);
    const last = cli(...RUN, "--out", out, "--resume");
    expect(last.code, last.stderr).toBe(0);
    await expectSameModel(reference, out);
    expect(await historySteps(join(out, "history.jsonl"))).toEqual(range(STEPS));
    const csvSteps = (await readFile(join(out, "history.csv"), "utf8")).split("\n").slice(1).filter((l) => l !== "").map((l) => Number(l.split(",")[0]));
    expect(csvSteps).toEqual(range(STEPS));
  }, 400_000);

  it("SIGTERM finishes the step, saves checkpoints/last, exits 143 and says how to continue; --resume ends bit-identical", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "gen-mnist-term-")), "run");
    const result = await runAndKill([...RUN, "--checkpoint-minutes", "0", "--out", out], () => lastLoggedStep(join(out, "history.jsonl")) >= 20, 0, "SIGTERM");
    expect(result.code, result.stderr).toBe(143);
    expect(result.stderr).toMatch(/interrupted \(SIGTERM\) after step (\d+); saved .*checkpoints\/last\. Continue with: gen-mnist train mlp-gan --out .* --resume/);
    const step = Number(/after step (\d+)/.exec(result.stderr)?.[1]);
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(STEPS);
    expect(JSON.parse(await readFile(join(out, "checkpoints", "last", "trainer.json"), "utf8"))).toMatchObject({ step });
    expect(existsSync(join(out, "model"))).toBe(false);
    const resumed = cli(...RUN, "--out", out, "--resume");
    expect(resumed.code, resumed.stderr).toBe(0);
    await expectSameModel(reference, out);
    expect(await historySteps(join(out, "history.jsonl"))).toEqual(range(STEPS));
  }, 120_000);
});
