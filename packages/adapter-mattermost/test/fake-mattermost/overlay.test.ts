import SwaggerParser from '@apidevtools/swagger-parser'
import { describe, expect, it } from 'vitest'
import { loadSpec, loadVendoredSpec } from './spec.js'

describe('overlay', () => {
  it('should leave the vendored subset valid', async () => {
    await expect(SwaggerParser.validate(loadVendoredSpec() as never)).resolves.toBeDefined()
  })

  it('should produce a spec that still passes SwaggerParser.validate', async () => {
    const api = (await SwaggerParser.validate(loadSpec() as never)) as unknown as {
      paths: Record<string, unknown>
    }
    expect(Object.keys(api.paths)).toContain('/api/v4/teams/{team_id}/members/batch')
  })
})
