import { join } from "node:path";
import { z } from "zod";
import { CheckpointError, readJson } from "../nn/persist.js";
import { describeIssues } from "../nn/saved-model.js";

/** Position and options of a run, as saved in a checkpoint's `trainer.json`. */
export interface TrainerState {
  /** Epoch the next step belongs to, from 0. */
  readonly epoch: number;
  /** Steps already taken within that epoch. */
  readonly stepInEpoch: number;
  /** Steps taken in total. */
  readonly step: number;
  /** The options that decide the data order and the length of the run. */
  readonly options: {
    /** Epochs of the whole run. */
    readonly epochs: number;
    /** Step budget of the whole run, or `null`. */
    readonly steps: number | null;
    /** Batch size. */
    readonly batchSize: number;
    /** Data-order seed. */
    readonly seed: number;
    /** Whether short last batches are dropped. */
    readonly dropRemainder: boolean;
  };
}

/** File name of the trainer state in a checkpoint folder. */
export const TRAINER_STATE_FILE = "trainer.json";

const count = z.number().int().nonnegative();
const trainerStateSchema = z.object({
  epoch: count,
  stepInEpoch: count,
  step: count,
  options: z.object({
    epochs: count.min(1),
    steps: count.min(1).nullable(),
    batchSize: count.min(1),
    seed: z.number().int(),
    dropRemainder: z.boolean(),
  }),
}).refine((s) => s.stepInEpoch <= s.step, { message: "stepInEpoch exceeds step" });

/**
 * Checks a value against the {@link TrainerState} schema.
 * @throws {@link CheckpointError} naming `source` and every field at fault.
 * @internal
 */
export function parseTrainerState(value: unknown, source: string): TrainerState {
  const parsed = trainerStateSchema.safeParse(value);
  if (!parsed.success) throw new CheckpointError(`${source}: not a trainer state (${describeIssues(parsed.error)})`);
  return parsed.data;
}

/** Reads and checks a checkpoint folder's `trainer.json`. @internal */
export async function readTrainerState(dir: string): Promise<TrainerState> {
  const path = join(dir, TRAINER_STATE_FILE);
  return parseTrainerState(await readJson<unknown>(path), path);
}
