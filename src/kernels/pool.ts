import { Worker } from "node:worker_threads";

/** One call of an exported kernel function; every argument is an int32 (sizes, flags, pointers). */
export interface KernelCall {
  /** Index of the function in the pool's `names`. */
  readonly fn: number;
  readonly args: readonly number[];
}

/**
 * Layout of the pool's shared control words (Int32). A job is a list of calls that every posted
 * thread (the calling one included) claims one at a time from a shared counter, so a thread that
 * is descheduled or late to wake leaves its share to the others instead of making them wait.
 *
 * `Next` packs the job's tag (its number mod 2¹⁶, bits 16-31), its call count (bits 8-15) and the
 * next unclaimed call (bits 0-7) into one word: a thread claims call `i` with one compare-exchange
 * from `tag | count | i` to `… | i + 1`, which fails if the job has moved on. A call's table entry
 * (and `Job`) is rewritten only after every call of its job finished, so a claimed entry is
 * stable. `Finished` carries the tag too (`tag | finished`), and a thread counts a finished call
 * only while the tag is its job's, so a call of an abandoned job (a timeout) that finishes late
 * cannot count toward a newer one.
 */
const Header = {
  /** The current job's tag, call count and next unclaimed call (see above). */
  Next: 0,
  /** The current job's tag (bits 16-31) and how many of its calls finished (bits 0-15). */
  Finished: 1,
  /** The current job's number (what a worker's `Failed` records). */
  Job: 2,
} as const;
const HEADER_INTS = 3;
/** Int32 fields of one worker's slot. */
const Field = {
  /** Job number the main thread posted to this worker (-1 asks it to exit). */
  Posted: 0,
  /** 1 once the worker has instantiated the module and waits for jobs. */
  Ready: 1,
  /** Calls this worker has run (statistics). */
  Calls: 2,
  /** Job number of this worker's last failed call (its message is in the worker's message slot). */
  Failed: 3,
  /** 1 + the call this worker runs now, 0 between calls (named in a timeout's message). */
  Busy: 4,
} as const;
const SLOT_INTS = 5;

/** Index of a worker's field in the pool's control words (the pool's own, and what tests read). @internal */
export function slotWord(slot: number, field: keyof typeof Field): number {
  return HEADER_INTS + slot * SLOT_INTS + Field[field];
}
const MAX_ARGS = 16;
/** Int32 words of one call in the table: function, argument count, arguments. */
const CALL_INTS = 2 + MAX_ARGS;
/** Most calls one job may have (the count has 8 bits). */
export const MAX_CALLS = 64;
const MESSAGE_BYTES = 512;
/** Busy-wait iterations before sleeping in `Atomics.wait` (a few tens of microseconds). */
const SPINS = 20000;
/** How long the main thread waits for a job's calls before giving up (default). */
const JOB_TIMEOUT_MS = 120_000;

/**
 * The worker's whole program: instantiate the module on the shared memory with its own stack,
 * then claim and run the posted jobs' calls forever. Kept as source text so the ESM and CJS
 * builds (and bundlers) need no separate worker file; written to run as a CommonJS script or as
 * an ES module, whichever the process's flags make eval'd code.
 */
const WORKER_SOURCE = `
import("node:worker_threads").then(({ workerData }) => serve(workerData));
function serve({ module, memory, control, messages, slot, slots, stackTop, names }) {
const ctl = new Int32Array(control);
const base = ${HEADER_INTS} + slot * ${SLOT_INTS};
const table = ${HEADER_INTS} + slots * ${SLOT_INTS};
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.__stack_pointer.value = stackTop;
const fns = names.map((name) => instance.exports[name]);
Atomics.store(ctl, base + ${Field.Ready}, 1);
let seen = 0;
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, base) === seen) {
    if (++spins > ${SPINS}) Atomics.wait(ctl, base, seen);
  }
  seen = Atomics.load(ctl, base);
  if (seen < 0) break;
  const tag = seen & 0xffff;
  for (;;) {
    const next = Atomics.load(ctl, ${Header.Next});
    if (next >>> 16 !== tag) break;
    const count = (next >>> 8) & 0xff;
    const i = next & 0xff;
    if (i >= count) break;
    if (Atomics.compareExchange(ctl, ${Header.Next}, next, next + 1) !== next) continue;
    const at = table + i * ${CALL_INTS};
    ctl[base + ${Field.Busy}] = i + 1;
    try {
      const args = [];
      for (let j = 0; j < ctl[at + 1]; j++) args.push(ctl[at + 2 + j]);
      fns[ctl[at]](...args);
    } catch (err) {
      // a trap leaves the stack pointer where the failed frame set it
      instance.exports.__stack_pointer.value = stackTop;
      const text = new TextEncoder().encode(String(err && err.message || err)).subarray(0, ${MESSAGE_BYTES - 1});
      const out = new Uint8Array(messages, slot * ${MESSAGE_BYTES}, ${MESSAGE_BYTES});
      out.fill(0);
      out.set(text);
      // the claimed call's job is the current one until this call is counted as finished
      Atomics.store(ctl, base + ${Field.Failed}, Atomics.load(ctl, ${Header.Job}));
    }
    ctl[base + ${Field.Busy}] = 0;
    ctl[base + ${Field.Calls}]++;
    for (;;) {
      const finished = Atomics.load(ctl, ${Header.Finished});
      if (finished >>> 16 !== tag) break;
      if (Atomics.compareExchange(ctl, ${Header.Finished}, finished, finished + 1) !== finished) continue;
      if ((finished & 0xffff) + 1 === count) Atomics.notify(ctl, ${Header.Finished});
      break;
    }
  }
}
}
`;

/**
 * Worker threads that run kernel calls on one shared `WebAssembly.Memory`, synchronously from
 * the caller's point of view: {@link KernelThreadPool.run} posts a job of calls to the workers,
 * the calling thread and the workers claim its calls one at a time until none is left, and `run`
 * returns when all are done. A worker that is late (descheduled, or not started yet) leaves its
 * share to the others. Each worker has its own instance of the module and its own stack (at
 * `stackTops[i]`); everything else (inputs, outputs, per-call scratch) is laid out by the caller
 * so that no two calls touch the same bytes, whichever thread runs them.
 *
 * Workers are `unref`ed, so an idle pool never keeps a process alive.
 */
export class KernelThreadPool {
  private readonly workers: Worker[];
  private readonly control: Int32Array;
  private readonly messages: Uint8Array;
  /** Where the call table starts in {@link control}. */
  private readonly table: number;
  private posted = 0;
  /** Set after a timeout: the workers were stopped, and every call runs on the calling thread. */
  private broken = false;
  /** Workers whose thread has exited (seen when the event loop runs). */
  private exited = 0;

  /**
   * @param module - the compiled kernels (it imports `env.memory`, exports `__stack_pointer`).
   * @param memory - the shared memory every instance uses.
   * @param stackTops - one stack top (byte offset, 16-aligned) per worker.
   * @param names - exported function names; {@link KernelCall.fn} indexes this list.
   * @param execute - runs a call on the calling thread's own instance.
   * @param timeoutMs - how long {@link KernelThreadPool.run} waits for the workers' calls of a job.
   */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    stackTops: readonly number[],
    names: readonly string[],
    private readonly execute: (call: KernelCall) => void,
    private readonly timeoutMs = JOB_TIMEOUT_MS,
  ) {
    const slots = stackTops.length;
    const control = new SharedArrayBuffer((HEADER_INTS + slots * SLOT_INTS + MAX_CALLS * CALL_INTS) * 4);
    const messages = new SharedArrayBuffer(Math.max(1, slots) * MESSAGE_BYTES);
    this.control = new Int32Array(control);
    this.messages = new Uint8Array(messages);
    this.table = HEADER_INTS + slots * SLOT_INTS;
    this.workers = stackTops.map((stackTop, slot) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // the process's flags (e.g. a TypeScript loader) are not needed to run the kernels
        execArgv: [],
        workerData: { module, memory, control, messages, slot, slots, stackTop, names: [...names] },
      });
      // a worker that fails to start never becomes ready, and one that exits is no longer (once
      // the event loop has run): jobs are not posted to it, and the other threads run its share
      worker.on("error", () => undefined);
      worker.on("exit", () => {
        Atomics.store(this.control, slotWord(slot, "Ready"), 0);
        this.exited++;
      });
      worker.unref();
      return worker;
    });
  }

  /** Threads that run calls: the workers and the calling thread. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Calls run by worker threads so far (the rest ran on the calling thread). */
  get workerCalls(): number {
    return this.callsByWorker().reduce((a, b) => a + b, 0);
  }

  /** Calls each worker has run so far. */
  callsByWorker(): number[] {
    return this.workers.map((_, slot) => Atomics.load(this.control, slotWord(slot, "Calls")));
  }

  /**
   * Runs `calls` (at most {@link MAX_CALLS}, in any order and on any thread) on the calling thread
   * and up to `threads − 1` workers, each thread claiming the next unclaimed call until none is
   * left. Returns when every call is done.
   * @throws Error when a call failed (a worker's with its message; the calling thread's as
   *   thrown, once every other call is done) or a worker's calls did not finish within the
   *   pool's timeout (two minutes by default).
   */
  run(calls: readonly KernelCall[], threads = this.size): void {
    if (calls.length > MAX_CALLS) throw new Error(`KernelThreadPool.run: ${calls.length} calls, at most ${MAX_CALLS}`);
    const count = calls.length;
    if (count === 0) return;
    const ctl = this.control;
    this.posted = (this.posted % 0x3fffffff) + 1;
    const job = this.posted;
    const tag = job & 0xffff;
    const table = this.table;
    calls.forEach((call, i) => {
      if (call.args.length > MAX_ARGS) throw new Error(`KernelThreadPool.run: a call with ${call.args.length} arguments, at most ${MAX_ARGS}`);
      const at = table + i * CALL_INTS;
      ctl[at] = call.fn;
      ctl[at + 1] = call.args.length;
      for (let j = 0; j < call.args.length; j++) ctl[at + 2 + j] = call.args[j] ?? 0;
    });
    Atomics.store(ctl, Header.Job, job);
    Atomics.store(ctl, Header.Finished, (tag << 16) | 0);
    Atomics.store(ctl, Header.Next, ((tag << 16) | (count << 8)) | 0);
    // up to threads − 1 workers (one per call beyond the first), the first ready ones
    let toPost = this.broken ? 0 : Math.min(threads - 1, count - 1);
    for (let slot = 0; slot < this.workers.length && toPost > 0; slot++) {
      if (Atomics.load(ctl, slotWord(slot, "Ready")) !== 1) continue;
      Atomics.store(ctl, slotWord(slot, "Posted"), job);
      Atomics.notify(ctl, slotWord(slot, "Posted"));
      toPost--;
    }
    let failure: unknown;
    let failed = false;
    for (;;) {
      const next = Atomics.load(ctl, Header.Next);
      const i = next & 0xff;
      if (i >= count) break;
      if (Atomics.compareExchange(ctl, Header.Next, next, next + 1) !== next) continue;
      if (!failed) {
        try {
          this.execute(calls[i] as KernelCall);
        } catch (err) {
          failed = true;
          failure = err;
        }
      }
      Atomics.add(ctl, Header.Finished, 1);
    }
    this.waitForCalls(count);
    if (failed) throw failure;
  }

  /**
   * Waits until `count` calls of the current job finished, then reports a worker's failure (and
   * clears it). After a timeout the workers are stopped and later jobs run on the calling thread
   * alone: a worker still inside a call must not write into memory handed out again.
   */
  private waitForCalls(count: number): void {
    const ctl = this.control;
    let spins = 0;
    const started = Date.now();
    for (;;) {
      const finished = Atomics.load(ctl, Header.Finished);
      if ((finished & 0xffff) >= count) break;
      if (++spins > SPINS) {
        Atomics.wait(ctl, Header.Finished, finished, 100);
        if (Date.now() - started > this.timeoutMs) {
          const busy = this.workers.map((_, slot) => slot).filter((slot) => Atomics.load(ctl, slotWord(slot, "Busy")) !== 0);
          this.broken = true;
          for (const worker of this.workers) void worker.terminate();
          throw new Error(
            `gen-mnist kernel thread${busy.length === 1 ? "" : "s"} ${busy.map((slot) => slot + 1).join(", ") || "?"} did not finish within ` +
              `${this.timeoutMs / 1000} s; the kernels run on the calling thread alone from now on`,
          );
        }
      }
    }
    const job = Atomics.load(ctl, Header.Job);
    let failure: Error | undefined;
    for (let slot = 0; slot < this.workers.length; slot++) {
      if (Atomics.load(ctl, slotWord(slot, "Failed")) !== job) continue;
      Atomics.store(ctl, slotWord(slot, "Failed"), 0);
      const bytes = this.messages.slice(slot * MESSAGE_BYTES, (slot + 1) * MESSAGE_BYTES);
      const end = bytes.indexOf(0);
      failure ??= new Error(`gen-mnist kernel thread ${slot + 1} failed: ${new TextDecoder().decode(bytes.subarray(0, end < 0 ? undefined : end))}`);
    }
    if (failure !== undefined) throw failure;
  }

  /** Workers that have started and wait for calls. */
  readyWorkers(): number {
    let ready = 0;
    for (let slot = 0; slot < this.workers.length; slot++) ready += Atomics.load(this.control, slotWord(slot, "Ready"));
    return ready;
  }

  /**
   * Resolves once every worker has started (or exited), or after `timeoutMs`; workers start on their own, so
   * this only matters to callers who want every thread from the first call on (benchmarks, tests).
   * @returns the workers ready by then.
   */
  async whenReady(timeoutMs = 10_000): Promise<number> {
    const started = Date.now();
    while (this.readyWorkers() < this.workers.length - this.exited && Date.now() - started < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.readyWorkers();
  }

  /** Stops the workers (they exit after their current call). */
  terminate(): void {
    for (let slot = 0; slot < this.workers.length; slot++) {
      Atomics.store(this.control, slotWord(slot, "Posted"), -1);
      Atomics.notify(this.control, slotWord(slot, "Posted"));
    }
    this.workers.length = 0;
  }
}
