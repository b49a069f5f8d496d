import SwaggerParser from '@apidevtools/swagger-parser'
import { OpenAPIBackend } from 'openapi-backend'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMattermostClient, type MattermostClient } from '../../src/index.js'
import { routes } from '../../src/testing/fake-routes.js'
import { clientCalls, extraCalls, requestMethods } from '../client-calls.js'
import { RecordingServer } from '../fake-mattermost/recording-server.js'
import { loadSpec } from '../fake-mattermost/spec.js'

type Operation = { readonly operationId?: string }
type Paths = Record<string, Record<string, Operation>>

const methods = ['get', 'put', 'post', 'delete', 'patch']

function operations(spec: Record<string, unknown>): [method: string, path: string, id: string][] {
  return Object.entries(spec['paths'] as Paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => methods.includes(method))
      .map(([method, op]): [string, string, string] => [
        method.toUpperCase(),
        path,
        op.operationId ?? '',
      ]),
  )
}

describe('openapi/mattermost-v4.yaml', () => {
  let recorder: RecordingServer
  let client: MattermostClient
  let api: OpenAPIBackend
  beforeAll(async () => {
    recorder = await RecordingServer.start()
    client = createMattermostClient({ url: recorder.url, token: 'spec-token', maxAttempts: 1 })
    api = new OpenAPIBackend({ definition: loadSpec() as never, strict: true, quick: true })
    await api.init()
  })
  afterAll(async () => {
    await recorder.close()
  })

  it('should be a valid OpenAPI 3 description', async () => {
    const valid = (await SwaggerParser.validate(loadSpec() as never)) as unknown as {
      openapi: string
    }
    expect(valid.openapi).toMatch(/^3\./)
  })

  it('should have a call in the list below for every request-sending client method', () => {
    expect(Object.keys(clientCalls).sort()).toEqual(requestMethods(client).sort())
  })

  it.each([...Object.entries(clientCalls), ...extraCalls])(
    'should describe every request %s sends, exactly',
    async (_, call) => {
      await call(client)
      const sent = recorder.take()

      expect(sent.length).toBeGreaterThan(0)
      for (const r of sent) {
        const request = {
          method: r.method.toLowerCase(),
          path: r.path,
          query: r.query,
          headers: { authorization: r.authorization, 'content-type': 'application/json' },
          body: r.body,
        }
        const operation = api.matchOperation(request)
        expect(operation, `${r.method} ${r.path}`).toBeDefined()
        const validation = api.validateRequest(request, operation)
        expect(validation.errors ?? []).toEqual([])
      }
    },
  )

  it('should describe exactly the operations the fake serves, under the same ids', () => {
    const described = operations(loadSpec())
      .map(([method, path, id]) => `${method} ${path} ${id}`)
      .sort()
    const served = routes.map(([method, path, id]) => `${method} /api/v4${path} ${id}`).sort()

    expect(described).toEqual(served)
  })
})
