import type { FakeModel } from './fake-model.js'
import { FakeAppError } from './fake-model.js'
import type { FakeSettings } from './fake-settings.js'

/** An answer: status and JSON body. */
export interface Reply {
  readonly status: number
  readonly body: unknown
}

/** What a handler sees of a request, and the fake around it. */
export interface HandlerContext {
  readonly params: Readonly<Record<string, string>>
  readonly query: Readonly<Record<string, string>>
  readonly body: unknown
  readonly model: FakeModel
  readonly settings: FakeSettings
  readonly random: () => number
}

const maxPerPage = 200

/** A 200 answer. */
export function ok(body: unknown): Reply {
  return { status: 200, body }
}

/** An AppError body. */
export function appErrorJson(e: FakeAppError): Record<string, unknown> {
  return { id: e.id, message: e.message, detailed_error: '', status_code: e.status }
}

/** The server's refusal of a call the caller has no permission for. */
export function permissionError(): FakeAppError {
  return new FakeAppError(
    403,
    'api.context.permissions.app_error',
    'You do not have the appropriate permissions.',
  )
}

/** web/params.go: page defaults to 0, per_page to 60 and is capped at 200; junk falls back. */
export function paging(ctx: HandlerContext): [page: number, perPage: number] {
  return [toInt(ctx.query['page'], 0), Math.min(maxPerPage, toInt(ctx.query['per_page'], 60))]
}

/** One page of `items`. */
export function page<T>(items: readonly T[], ctx: HandlerContext): T[] {
  const [pageNo, perPage] = paging(ctx)
  return items.slice(pageNo * perPage, pageNo * perPage + perPage)
}

/** The body as an object (an empty one when it is not). */
export function record(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {}
}

function toInt(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return value === undefined || value === '' || !Number.isInteger(n) || n < 0 ? fallback : n
}

/** Orders rows by id. */
export function byId(a: { id: string }, b: { id: string }): number {
  return compare(a.id, b.id)
}

/** Orders strings the way Postgres' C collation does. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
