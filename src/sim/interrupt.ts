/**
 * Stopping kubelab's long calls where the simulation is consistent.
 *
 * A host that can interrupt running code (the kubelab Jupyter kernel) installs an {@link InterruptHost} on
 * `globalThis` under {@link INTERRUPT_HOST}. The event loop polls it between two tasks and `traffic()`
 * between two connections, so an interrupt lands between steps. Stopped anywhere else (Node's SIGINT
 * watchdog ends JavaScript wherever it is), a step is cut in half: a controller's work item is lost and,
 * for instance, one pod of a Deployment never starts, even after the next `settle()`.
 * Without a host, polling costs nothing but a property read per call.
 */

/** Where a host installs its {@link InterruptHost} (a registered symbol: a second copy of kubelab finds it too). */
export const INTERRUPT_HOST: unique symbol = Symbol.for("kubelab.interruptHost");

/** What a host offers code that can stop between two steps. */
export interface InterruptHost {
  /** Throws the host's interrupt error when the host asked the running code to stop; else returns. */
  poll(): void;
  /** Code between `enter()` and `leave()` polls often: the host gives it a moment to stop by itself before it forces a stop. */
  enter(): void;
  leave(): void;
}

type WithHost = { [INTERRUPT_HOST]?: InterruptHost };

function noPoll(): void {}

/**
 * Runs `body` with the host's poll (a no-op without a host); `body` calls it where stopping leaves the
 * simulation consistent, and the error it throws ends `body`.
 *
 * @example
 * ```ts
 * interruptible((poll) => {
 *   while (queue.length > 0) {
 *     poll();
 *     queue.shift()!();
 *   }
 * });
 * ```
 */
export function interruptible<T>(body: (poll: () => void) => T): T {
  const host = (globalThis as WithHost)[INTERRUPT_HOST];
  if (!host) return body(noPoll);
  host.enter();
  try {
    return body(() => host.poll());
  } finally {
    host.leave();
  }
}
