import { existsSync } from "node:fs";
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
    expect(run.stdout).toContain("using tfjs backend 'gen-mnist'");
    expect(run.stdout).toContain(threads);
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
    const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8")) as { totalSteps: number; finalLosses: Record<string, number>; stopReason: null };
    expect(summary.totalSteps).toBe(20);
    expect(Object.keys(summary.finalLosses).sort()).toEqual(expect.arrayContaining([...lossNames].sort()));
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

  it("a missing run folder is a clear error with exit code 1", () => {
    const { code, stderr } = cli("sample", "/nonexistent/run", "--backend", "cpu");
    expect(code).toBe(1);
    expect(stderr).toContain("gen-mnist: /nonexistent/run: no saved model here");
  });
});
