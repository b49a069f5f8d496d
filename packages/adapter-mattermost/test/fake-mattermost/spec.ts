import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The project's own description of the operations the adapter calls (what the fake validates against). */
export const specFile: string = path.join(packageRoot, 'openapi/mattermost-v4.yaml')

/** The project's OpenAPI description, parsed. */
export function loadSpec(): Record<string, unknown> {
  return YAML.parse(readFileSync(specFile, 'utf8')) as Record<string, unknown>
}

// The published subset is test data beside the repository (AGPL-licensed upstream, never shipped);
// only the cross-check reads it, and it is skipped when the folder is not there.
/** The vendored upstream subset, when the repository has `../shared` beside it. */
export const upstreamSpecFile: string = path.resolve(
  packageRoot,
  '../../../shared/mattermost-openapi/mattermost-openapi-v4-subset.yaml',
)

/** The upstream subset, parsed, or undefined without `../shared`. */
export function loadUpstreamSpec(): Record<string, unknown> | undefined {
  if (!existsSync(upstreamSpecFile)) return undefined
  return YAML.parse(readFileSync(upstreamSpecFile, 'utf8')) as Record<string, unknown>
}
