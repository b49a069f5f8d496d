import { FakeMattermost as Fake, type FakeMattermostOptions } from '../../src/testing/index.js'
import { specChecks } from './spec-checks.js'

export type { Fault, RecordedRequest } from '../../src/testing/index.js'

/** The exported fake, validated against the project's OpenAPI description (see `spec-checks.ts`). */
export type FakeMattermost = Fake

/** Starts the exported fake with every request and answer checked against the spec. */
export const FakeMattermost = {
  async start(options: FakeMattermostOptions = {}): Promise<Fake> {
    return Fake.start({ ...options, checks: await specChecks() })
  },
}
