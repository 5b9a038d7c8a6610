import { beforeAll, describe, expect, it } from "vitest";
import { loadMnist, oracleNetwork, buildNetwork, countTrainableParams, trainOracle, useBackend, type Dataset } from "../../src/index.js";

let train: Dataset;
let test: Dataset;
beforeAll(async () => {
  await useBackend("gen-mnist");
  train = await loadMnist({ split: "train", limit: 1024 });
  test = await loadMnist({ split: "test", limit: 500 });
});

describe("trainOracle", () => {
  it("the oracle network: conv 32 → conv 64 → dense 128 → 10, 454,922 parameters", () => {
    const net = buildNetwork(oracleNetwork("o"));
    expect(countTrainableParams(net)).toBe(5 * 5 * 32 + 32 + 5 * 5 * 32 * 64 + 64 + 7 * 7 * 64 * 128 + 128 + 128 * 10 + 10);
    net.dispose();
  });

  it("learns (well above chance after 16 steps), records each epoch, and repeats exactly for a seed", async () => {
    const options = { test, epochs: 2, batchSize: 128, seed: 3, info: { name: "tiny" } };
    const a = await trainOracle(train, options);
    expect(a.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(a.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    expect(a.history[1]?.loss).toBeLessThan(a.history[0]?.loss ?? 0);
    expect(a.history[1]?.testAccuracy).toBeGreaterThan(0.5);
    expect(a.oracle.info).toMatchObject({ name: "tiny", trainedOn: "mnist/train", testSet: { name: "mnist/test", size: 500 } });
    expect(a.oracle.info.testAccuracy).toBe(a.history[1]?.testAccuracy);
    const b = await trainOracle(train, options);
    const c = await trainOracle(train, { ...options, seed: 4 });
    const weights = (o: typeof a.oracle): Float32Array[] => o.model.getWeights().map((w) => w.dataSync() as Float32Array);
    const [wa, wb, wc] = [weights(a.oracle), weights(b.oracle), weights(c.oracle)];
    expect(wb.every((w, i) => w.every((v, j) => v === wa[i]?.[j]))).toBe(true);
    expect(wc.some((w, i) => w.some((v, j) => v !== wa[i]?.[j]))).toBe(true);
    [a, b, c].forEach((r) => r.oracle.dispose());
  });

  it("names bad options", async () => {
    await expect(trainOracle(train, { epochs: 0 })).rejects.toThrow(/options.epochs must be an integer >= 1/);
    await expect(trainOracle(train, { dropout: 1 })).rejects.toThrow(/options.dropout must be >= 0, < 1/);
    await expect(trainOracle(train.take(10), {})).rejects.toThrow(/has 10 images, fewer than one batch of 128/);
  });
});
