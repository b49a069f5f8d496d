import { err, ok, type Result } from 'neverthrow'
import { usageError, type CliError } from './cli-error.js'

/** The environment variable whose value signs `plan --out` and is required by `show`/`apply`. */
export const planKeyVariable = 'GROUPROLES_PLAN_KEY'

/**
 * The plan signing key from the environment: `undefined` when the variable is unset; an empty
 * variable is a misconfiguration (core would sign with the empty key), refused with exit 2.
 */
export function planKeyOf(
  env: Readonly<Record<string, string | undefined>>,
): Result<string | undefined, CliError> {
  const key = env[planKeyVariable]
  if (key === undefined) return ok(undefined)
  if (key === '')
    return err(
      usageError(
        `${planKeyVariable} is set but empty; unset it, or set it to the plan signing key`,
        'emptyPlanKey',
      ),
    )
  return ok(key)
}
