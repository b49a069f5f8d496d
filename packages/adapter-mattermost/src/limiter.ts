import { ResultAsync } from 'neverthrow'

/**
 * At most `limit` tasks run at once; the rest wait in arrival order. Taking the next waiter is
 * O(1) (an index into the queue, compacted now and then), where an array's `shift()` costs
 * O(queue) each: a large read queues tens of thousands of requests.
 */
export class Limiter {
  readonly #limit: number
  #running = 0
  #waiting: (() => void)[] = []
  #head = 0

  constructor(limit: number) {
    this.#limit = Math.max(1, limit)
  }

  /** Runs `task` when a slot is free; the slot is released when its promise settles. */
  async run<T>(task: () => PromiseLike<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else this.#running++
    try {
      return await task()
    } finally {
      this.#release()
    }
  }

  // Hands the slot straight to the next waiter (the running count stays), or frees it.
  #release(): void {
    if (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head] as () => void
      this.#head++
      // Compact now and then so the array does not keep every resolved waiter.
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#head)
        this.#head = 0
      }
      next()
    } else this.#running--
  }
}

/**
 * Schedules result-returning tasks on a limiter: at most `limit` of them started at once, each
 * started when an earlier one settles. A read of many listings uses it to keep its queue of
 * requests (and their memory) short while the client's concurrency stays busy.
 */
export function pooled<T, E>(limiter: Limiter, task: () => ResultAsync<T, E>): ResultAsync<T, E> {
  return new ResultAsync(limiter.run(task))
}
