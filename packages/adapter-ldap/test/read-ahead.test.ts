import { describe, expect, it } from 'vitest'
import { readAhead } from '../src/read-ahead.js'

/** A source that logs when each item is asked for, like ldapts sending a page request. */
function source(log: string[], count: number, failAt?: number): AsyncGenerator<number, void> {
  return (async function* () {
    try {
      for (let i = 1; i <= count; i++) {
        log.push(`request ${i}`)
        await Promise.resolve()
        if (i === failAt) throw new Error(`page ${i} failed`)
        yield i
      }
    } finally {
      log.push('source closed')
    }
  })()
}

describe('readAhead', () => {
  it('should ask for the next item before the current one is processed', async () => {
    const log: string[] = []
    for await (const n of readAhead(source(log, 3))) log.push(`process ${n}`)
    expect(log).toEqual([
      'request 1',
      'request 2',
      'process 1',
      'request 3',
      'process 2',
      // Asking past the last item finds the end while item 3 is still to be processed.
      'source closed',
      'process 3',
    ])
  })

  it('should close the source and leave no unhandled rejection when the consumer stops', async () => {
    const log: string[] = []
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown): void => {
      unhandled.push(e)
    }
    process.on('unhandledRejection', onUnhandled)
    try {
      await expect(
        (async () => {
          // Page 2 fails while page 1 is still being processed; the consumer then gives up.
          for await (const n of readAhead(source(log, 3, 2))) {
            await new Promise((r) => setTimeout(r, 5))
            throw new Error(`processing ${n} failed`)
          }
        })(),
      ).rejects.toThrow('processing 1 failed')
      await new Promise((r) => setTimeout(r, 20))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    expect(unhandled).toEqual([])
    expect(log).toContain('source closed')
  })

  it('should pass a failure of the source on to the consumer', async () => {
    const seen: number[] = []
    await expect(
      (async () => {
        for await (const n of readAhead(source([], 3, 2))) seen.push(n)
      })(),
    ).rejects.toThrow('page 2 failed')
    expect(seen).toEqual([1])
  })
})
