/**
 * The message loop inside an import worker (worker-pool.ts has the protocol's other side):
 * starts a task by module and export name, produces one item per pull, forwards the task's
 * calls to the main thread and their replies back.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import {
  deserializeError,
  type SerializedError,
  serializeError,
  type TaskHost,
  transferablesOf,
} from "./worker-pool";

type ToWorker =
  | { type: "start"; id: number; module: string; name: string; input: unknown }
  | { type: "pull"; id: number }
  | { type: "reply"; id: number; call: number; ok: boolean; value?: unknown; error?: SerializedError };

type TaskFunction = (input: unknown, host: TaskHost) => AsyncIterable<unknown> | Promise<unknown>;

const port = parentPort!;

// Uploads are background work: on Linux a thread has its own niceness, so the request thread
// keeps its share of the CPU when the machine is busy (the worker still uses every idle cycle).
try {
  setPriority((workerData as { nice?: number } | undefined)?.nice ?? 10);
} catch {
  // Not permitted or not supported here: the worker runs at the node's priority.
}

interface Running {
  id: number;
  pulls: number;
  wake?: () => void;
  calls: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
}

let running: Running | undefined;
let nextCall = 1;

async function drive(task: Running, iterator: AsyncIterator<unknown>): Promise<void> {
  for (;;) {
    while (task.pulls === 0) await new Promise<void>((resolve) => (task.wake = resolve));
    task.pulls--;
    const next = await iterator.next();
    if (next.done) return;
    port.postMessage({ type: "item", id: task.id, value: next.value }, transferablesOf(next.value));
  }
}

async function start(message: Extract<ToWorker, { type: "start" }>): Promise<void> {
  const task: Running = { id: message.id, pulls: 0, calls: new Map() };
  running = task;
  const host: TaskHost = {
    call: (method, args) =>
      new Promise((resolve, reject) => {
        const call = nextCall++;
        task.calls.set(call, { resolve: resolve as (v: unknown) => void, reject });
        port.postMessage({ type: "call", id: task.id, call, method, args });
      }),
  };
  try {
    const module = (await import(message.module)) as Record<string, TaskFunction>;
    const fn = module[message.name];
    if (typeof fn !== "function") throw new Error(`${message.module} has no task ${message.name}`);
    const result = fn(message.input, host);
    let iterator: AsyncIterator<unknown>;
    if (result && typeof result === "object" && Symbol.asyncIterator in result) {
      iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } else {
      // The result is awaited only at the first pull: marked handled now, so that a rejection
      // before then is reported to the task rather than ending the worker as unhandled.
      const settled = Promise.resolve(result);
      settled.catch(() => undefined);
      iterator = (async function* () {
        yield await settled;
      })();
    }
    await drive(task, iterator);
    port.postMessage({ type: "done", id: task.id });
  } catch (error) {
    port.postMessage({ type: "error", id: task.id, error: serializeError(error) });
  } finally {
    if (running === task) running = undefined;
  }
}

port.on("message", (message: ToWorker) => {
  if (message.type === "start") {
    void start(message);
    return;
  }
  const task = running;
  if (!task || task.id !== message.id) return;
  if (message.type === "pull") {
    task.pulls++;
    task.wake?.();
    task.wake = undefined;
  } else if (message.type === "reply") {
    const pending = task.calls.get(message.call);
    task.calls.delete(message.call);
    if (!pending) return;
    if (message.ok) pending.resolve(message.value);
    else pending.reject(deserializeError(message.error!));
  }
});
