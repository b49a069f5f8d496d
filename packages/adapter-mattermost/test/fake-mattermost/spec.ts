import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'
import { applyOverlay, overlay } from './overlay.js'

// The spec is test data under <repo>/../shared (AGPL-licensed upstream): read it, never ship it.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
/** Folder of the vendored Mattermost OpenAPI subset. */
export const specDir: string = path.resolve(repoRoot, '../shared/mattermost-openapi')
/** The vendored subset spec file. */
export const specFile: string = path.join(specDir, 'mattermost-openapi-v4-subset.yaml')

/** The vendored subset, parsed, without the overlay. */
export function loadVendoredSpec(): Record<string, unknown> {
  return YAML.parse(readFileSync(specFile, 'utf8')) as Record<string, unknown>
}

/** The vendored subset with our overlay applied: what the fake validates against. */
export function loadSpec(): Record<string, unknown> {
  return applyOverlay(loadVendoredSpec(), overlay)
}
