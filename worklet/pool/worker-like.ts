/**
 * What the pool needs of a worker, so that spawning can be injected: a Web Worker in the browser
 * (`fromWebWorker`, see browser.ts) or a Node worker thread (node.ts).
 */
export interface WorkerHandlers {
  message(data: unknown): void;
  /** The worker threw outside any handler (or failed to load). */
  error(message: string): void;
  /** The worker stopped (Node: the thread exited; browsers have no such event). */
  exit(code: number): void;
}

export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Stops the worker at once, also in the middle of a busy loop. */
  terminate(): void;
  /** Installs the handlers; called once, right after spawning. */
  listen(handlers: WorkerHandlers): void;
}

/** A WorkerLike over a browser Worker (error and messageerror events become `error`). */
export function fromWebWorker(worker: Worker): WorkerLike {
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer ?? []),
    terminate: () => worker.terminate(),
    listen: (h) => {
      worker.onmessage = (e: MessageEvent) => h.message(e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        h.error(e.message || 'worker error (the script failed to load or threw)');
      };
      worker.onmessageerror = () => h.error('a message from the worker could not be deserialised');
    },
  };
}
