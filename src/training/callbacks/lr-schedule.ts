import { getLearningRate, setLearningRate } from "../../nn/optimizer.js";
import type { Callback, TrainContext } from "../callback.js";

/** A schedule: the learning rate of an epoch (from 0), given the optimizer's initial rate. */
export type LearningRateSchedule = (epoch: number, initialLearningRate: number, optimizer: string) => number;

/**
 * Sets every optimizer's learning rate at the start of each epoch from a schedule.
 *
 * @example
 * ```ts
 * // halve the rate every 10 epochs
 * new LearningRateScheduler((epoch, lr0) => lr0 * 0.5 ** Math.floor(epoch / 10));
 * ```
 */
export class LearningRateScheduler implements Callback {
  private readonly schedule: LearningRateSchedule;
  private initial: Record<string, number> | undefined;

  /** @param schedule - see {@link LearningRateSchedule}. */
  constructor(schedule: LearningRateSchedule) {
    this.schedule = schedule;
  }

  /** Applies the schedule. */
  onEpochBegin({ model, epoch }: TrainContext): void {
    const optimizers = model.optimizers();
    this.initial ??= Object.fromEntries(Object.entries(optimizers).map(([k, o]) => [k, getLearningRate(o)]));
    for (const [name, optimizer] of Object.entries(optimizers)) {
      setLearningRate(optimizer, this.schedule(epoch, this.initial[name] ?? getLearningRate(optimizer), name));
    }
  }
}
