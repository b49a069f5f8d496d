import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { Limiter, pooled } from '../src/limiter.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 1))

describe('Limiter', () => {
  it('should run at most its limit at once, the rest in arrival order', async () => {
    const limiter = new Limiter(3)
    let running = 0
    let most = 0
    const started: number[] = []
    await Promise.all(
      Array.from({ length: 2_000 }, (_, i) =>
        limiter.run(async () => {
          started.push(i)
          most = Math.max(most, ++running)
          await tick()
          running--
        }),
      ),
    )

    expect(most).toBe(3)
    expect(started).toEqual(Array.from({ length: 2_000 }, (_, i) => i))
  })

  it('should free the slot of a task that throws', async () => {
    const limiter = new Limiter(1)

    const failed = limiter.run(() => Promise.reject(new Error('boom')))
    const next = limiter.run(() => Promise.resolve('next'))

    await expect(failed).rejects.toThrow('boom')
    await expect(next).resolves.toBe('next')
  })
})

describe('pooled', () => {
  it('should hand back each task Result, starting tasks only as slots free', async () => {
    const limiter = new Limiter(2)
    let started = 0
    const task = (n: number) => () => {
      started++
      return ResultAsync.fromSafePromise(tick()).andThen(() =>
        n % 2 === 0 ? okAsync(n) : errAsync(`odd ${n}`),
      )
    }

    const results = Array.from({ length: 6 }, (_, n) => pooled(limiter, task(n)))
    const startedAtOnce = started
    const settled = await Promise.all(results)

    expect(startedAtOnce).toBe(2)
    expect(settled.map((r) => (r.isOk() ? r.value : r.error))).toEqual([
      0,
      'odd 1',
      2,
      'odd 3',
      4,
      'odd 5',
    ])
  })
})
