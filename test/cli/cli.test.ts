import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodePng, parseIdx } from "../../src/index.js";
import { cli } from "./run-cli.js";

const lines = async (path: string): Promise<string[]> => (await readFile(path, "utf8")).split("\n").filter((l) => l !== "");

describe.each([
  ["mlp-gan", ["generator", "discriminator"], ["dLoss", "gLoss"], [], "kernels on "],
  ["vae", ["encoder", "decoder"], ["loss", "reconLoss", "klLoss"], ["--threads", "1"], "kernels on 1 thread)"],
] as const)("gen-mnist train %s --steps 20", (model, networks, lossNames, extra, threads) => {
  it("writes every promised file, and sample reads the run", async () => {
    const out = await mkdtemp(join(tmpdir(), `gen-mnist-cli-${model}-`));
    // the default backend ("auto": gen-mnist's kernels here)
    const run = cli("train", model, "--steps", "20", "--batch-size", "32", "--limit", "1024", "--out", out, ...extra);
    // the backend line goes to stderr, short: why faster backends were skipped only with --verbose
    expect(run.stderr).toContain("using tfjs backend 'gen-mnist'");
    expect(run.stderr).toContain(threads);
    expect(run.stderr).not.toContain("skipped");
    expect(run.stdout).not.toContain("using tfjs backend");
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`run folder ${out}`);
    // history: one line per step, in both formats
    const jsonl = await lines(join(out, "history.jsonl"));
    expect(jsonl.length).toBe(20);
    expect(Object.keys(JSON.parse(jsonl[19] ?? "{}") as object)).toEqual(expect.arrayContaining(["step", "epoch", ...lossNames]));
    const csv = await lines(join(out, "history.csv"));
    expect(csv.length).toBe(21);
    expect(csv[0]?.split(",")).toEqual(expect.arrayContaining(["step", "epoch", "elapsed_ms", ...lossNames]));
    // pictures
    const grid = decodePng(await readFile(join(out, "samples", "final.png")));
    expect([grid.width, grid.height]).toEqual([8 * 30 + 2, 8 * 30 + 2]);
    expect((await readFile(join(out, "loss.svg"), "utf8")).startsWith("<svg")).toBe(true);
    // model, checkpoint, config, summary
    for (const net of networks) expect(existsSync(join(out, "model", `${net}.weights.bin`))).toBe(true);
    expect(existsSync(join(out, "checkpoints", "last", "trainer.json"))).toBe(true);
    const config = JSON.parse(await readFile(join(out, "config.json"), "utf8")) as { model: string; trainer: { batchSize: number } };
    expect(config.model).toBe(model);
    expect(config.trainer.batchSize).toBe(32);
    const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8")) as {
      totalSteps: number;
      finalLosses: Record<string, number>;
      meanLossesLast50Steps: Record<string, number>;
      stopReason: null;
    };
    expect(summary.totalSteps).toBe(20);
    // finalLosses: the last step's; meanLossesLast50Steps: the mean of the last 50 steps (here all 20)
    const history = jsonl.map((l) => JSON.parse(l) as Record<string, number>);
    for (const name of lossNames) {
      expect(summary.finalLosses[name]).toBe(history[19]?.[name]);
      expect(summary.meanLossesLast50Steps[name]).toBeCloseTo(history.reduce((s, h) => s + (h[name] ?? 0), 0) / 20, 10);
    }
    expect(summary.stopReason).toBeNull();
    if (model === "vae") expect(decodePng(await readFile(join(out, "reconstructions.png"))).height).toBe(2 * 30 + 2);

    const png = join(out, "grid.png");
    const sampled = cli("sample", out, "-n", "16", "--out", png, "--backend", "wasm");
    expect(sampled.code).toBe(0);
    expect(decodePng(await readFile(png)).width).toBe(4 * 30 + 2);
    const idx = join(out, "samples-idx3-ubyte");
    expect(cli("sample", out, "-n", "10", "--format", "idx", "--out", idx, "--backend", "wasm").code).toBe(0);
    expect(parseIdx(await readFile(idx), idx, { dtype: "uint8" }).dims).toEqual([10, 28, 28]);
  }, 300_000);
});

describe("gen-mnist usage errors", () => {
  it.each([
    [["train", "nope"], /argument 'model'\. Allowed choices are mlp-gan/],
    [["train", "vae", "--epochs", "0"], /--epochs must be an integer >= 1, got '0'/],
    [["train", "vae", "--lr", "fast"], /--lr must be a positive number, got 'fast'/],
    [["train", "vae", "--threads", "0"], /--threads must be an integer from 1 to 64, got '0'/],
    [["train", "vae", "--threads", "999"], /--threads must be an integer from 1 to 64, got '999'/],
    [["train", "vae", "--bogus"], /unknown option '--bogus'/],
    [["sample"], /missing required argument 'dir'/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("%j exits 2 with a one-line reason", (args, message) => {
    const { code, stderr } = cli(...args);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it("--help lists the options with defaults and exits 0", () => {
    const { code, stdout } = cli("train", "--help");
    expect(code).toBe(0);
    expect(stdout).toContain("--checkpoint-every <n>");
    expect(stdout).toContain("(default: 10)");
  });

  it("--version (and -V) prints the package's version and exits 0", () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const { code, stdout } = cli(flag);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe(version);
    }
  });

  it("--verbose adds why each faster backend was skipped to the backend line on stderr", async () => {
    const out = await mkdtemp(join(tmpdir(), "gen-mnist-cli-verbose-"));
    const plain = cli("data-grid", "-n", "4", "--out", out, "--backend", "auto");
    const verbose = cli("data-grid", "-n", "4", "--out", out, "--backend", "auto", "--verbose");
    expect([plain.code, verbose.code]).toEqual([0, 0]);
    const line = (stderr: string): string => stderr.split("\n").find((l) => l.includes("using tfjs backend")) ?? "";
    expect(line(plain.stderr)).toMatch(/^gen-mnist: using tfjs backend '[\w-]+' \([^)]*\)$/);
    expect(line(verbose.stderr).startsWith(line(plain.stderr))).toBe(true);
    // tfjs-node-gpu is tried first; where it is not installed, --verbose says so
    const gpuInstalled = existsSync(join(__dirname, "../../node_modules/@tensorflow/tfjs-node-gpu"));
    if (!gpuInstalled) expect(line(verbose.stderr)).toContain("; skipped @tensorflow/tfjs-node-gpu: package not installed (npm install @tensorflow/tfjs-node-gpu)");
  });

  it("a missing run folder is a clear error with exit code 1", () => {
    const { code, stderr } = cli("sample", "/nonexistent/run", "--backend", "cpu");
    expect(code).toBe(1);
    expect(stderr).toContain("gen-mnist: /nonexistent/run: no saved model here");
  });
});
