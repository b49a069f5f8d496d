import { OpenAPIBackend, type Request } from 'openapi-backend'
import type { FakeChecks, FakeRequest } from '../../src/testing/index.js'
import { loadSpec } from './spec.js'

let backend: Promise<OpenAPIBackend> | undefined

function api(): Promise<OpenAPIBackend> {
  backend ??= (async () => {
    const b = new OpenAPIBackend({ definition: loadSpec() as never, strict: true, quick: true })
    await b.init()
    return b
  })()
  return backend
}

function toRequest(r: FakeRequest): Request {
  return {
    method: r.method.toLowerCase(),
    path: r.path,
    query: r.query,
    headers: r.headers as Request['headers'],
    body: r.body,
  }
}

/**
 * Checks every request and answer of the fake against the project's OpenAPI description: the
 * operation exists, the fake routed it to the same operation id, and request and answer match
 * their schemas (unknown query parameters included).
 */
export async function specChecks(): Promise<FakeChecks> {
  const b = await api()
  return {
    request: (r) => {
      const request = toRequest(r)
      const operation = b.matchOperation(request)
      if (operation === undefined) return [`${r.method} ${r.path}: no such operation in the spec`]
      const problems: string[] = []
      if (operation.operationId !== r.operationId) {
        problems.push(
          `${r.method} ${r.path}: the spec says ${operation.operationId}, the fake routed ${r.operationId}`,
        )
      }
      const validation = b.validateRequest(request, operation)
      if (!validation.valid) {
        problems.push(
          `${operation.operationId}: invalid request: ${JSON.stringify(validation.errors)}`,
        )
      }
      return problems
    },
    response: (r, status, body) => {
      const operation = b.matchOperation(toRequest(r))
      if (operation === undefined) return []
      const check = b.validateResponse(body, operation, status)
      return check.errors !== null && check.errors !== undefined && check.errors.length > 0
        ? [`${operation.operationId}: invalid ${status} response: ${JSON.stringify(check.errors)}`]
        : []
    },
  }
}
