import {
  defaultHealthGate,
  freezeGroups,
  healthGate,
  holdForDirectoryGate,
  holdRemovalsAndDemotions,
  type HealthGateResult,
  type HealthGateThresholds,
  type ShrunkGroup,
} from './health-gate.js'
import { guardLastAdmin } from './last-admin-guard.js'
import { applyOwnOnly } from './own-removals.js'
import type { SyncState } from './model.js'
import { planSync } from './plan-sync.js'
import { replicaFreshness, type FreshnessCheck, type FreshnessMarker } from './replica-freshness.js'
import { applyRemovalGrace, noRemovalGrace, type RemovalGrace } from './removal-grace.js'
import type { SafetyWarning, SyncPlan } from './sync-command.js'
import { emptySyncHistory, type SyncHistory } from './sync-history.js'
import type { SyncPolicyInput } from './sync-policy.js'

/**
 * The safety rules across runs. Every field is optional and the defaults are `planSync` alone:
 * no grace, no last-admin guard, and a health gate that has nothing to compare with until a
 * history with a last complete run is given.
 */
export interface SafetyOptions {
  /** What the store remembers; default: none (the first run). */
  readonly history?: SyncHistory
  /** Wall-clock time of the run, epoch ms (the grace period's hours, the history's times). */
  readonly now: number
  /** Default `{ runs: 1, hours: 0 }`: no grace. */
  readonly removalGrace?: RemovalGrace
  /** Default `defaultHealthGate`; `false` turns the gate off. */
  readonly healthGate?: HealthGateThresholds | false
  /** Default `'allow'` (as `planSync`); `'guard'` holds the loss of a syncable's last admin. */
  readonly lastAdmin?: 'guard' | 'allow'
  /**
   * Default `'all'`. `'ownOnly'`: only memberships the history records as added by this project
   * (`history.added`) are removed; the rest is drift (see `applyOwnOnly`).
   */
  readonly removals?: 'all' | 'ownOnly'
  /**
   * The directory's freshness marker read for this run (the group source's `GroupLoad.freshness`).
   * Older than the last complete run's: every removal and demotion is held, the run does not count.
   */
  readonly freshness?: FreshnessMarker
  /**
   * Default `true`. `false`: the marker is stored but not compared (a directory deliberately
   * replaced by another, whose marker is unrelated to the last one).
   */
  readonly replicaFreshness?: boolean
}

/** A plan with the safety rules applied, and what they found. */
export interface SafePlan {
  readonly plan: SyncPlan
  /** The rules' warnings (the plan's own are in `plan.warnings`). */
  readonly warnings: readonly SafetyWarning[]
  /** Groups the health gate froze, with their sizes then and now. */
  readonly frozenGroups: readonly ShrunkGroup[]
  /** The directory's users dropped past `totalShrink`: removals and demotions all held. */
  readonly directoryGated: boolean
  /**
   * Whether an applied run of this plan counts (advances the history): no group was frozen,
   * neither unavailable nor by the gate, and the directory was not gated.
   */
  readonly counted: boolean
  /** The freshness marker compared with the last complete run's (`behind`: a replica went back). */
  readonly freshness: FreshnessCheck
}

/**
 * `planSync` with the safety rules, in order: the health gate freezes groups that shrank (they
 * are planned as unavailable groups are), `planSync`, the grace period holds removals not yet
 * due, the directory gate and a replica behind (`replicaFreshness`) hold every removal and
 * demotion, and the last-admin guard holds the
 * loss of a syncable's last admin. Each step only moves commands to `held`. Pure.
 */
export function planSafely(
  state: SyncState,
  policy: SyncPolicyInput | undefined,
  safety: SafetyOptions,
): SafePlan {
  const history = safety.history ?? emptySyncHistory
  const gate: HealthGateResult =
    safety.healthGate === false
      ? { frozen: [], warnings: [] }
      : healthGate(state, history.lastGood, safety.healthGate ?? defaultHealthGate)
  const frozenIds = new Set(gate.frozen.map((g) => g.id))
  const planned = planSync(freezeGroups(state, frozenIds), policy)
  // The gate's own warning says why these groups are frozen; "could not be read" would not.
  let plan: SyncPlan = frozenIds.size === 0 ? planned : dropUnavailableWarnings(planned, frozenIds)
  const unavailable = state.groups.some((g) => g.status === 'unavailable' && g.deleted !== true)
  const directoryGated = gate.directory !== undefined
  const fresh =
    safety.replicaFreshness === false
      ? { check: { kind: 'unknown' } as const, warnings: [] }
      : replicaFreshness(history.lastGood?.freshness, safety.freshness)
  const counted =
    !unavailable && frozenIds.size === 0 && !directoryGated && fresh.hold === undefined
  const warnings: SafetyWarning[] = [...gate.warnings, ...fresh.warnings]

  const graced = applyRemovalGrace(
    plan,
    state,
    history,
    safety.removalGrace ?? noRemovalGrace,
    safety.now,
    counted,
  )
  plan = graced.plan
  warnings.push(...graced.warnings)
  if (gate.directory !== undefined && safety.healthGate !== false)
    plan = holdForDirectoryGate(plan, state, gate.directory, safety.healthGate ?? defaultHealthGate)
  if (fresh.hold !== undefined) plan = holdRemovalsAndDemotions(plan, state, fresh.hold)
  if (safety.removals === 'ownOnly') {
    const own = applyOwnOnly(plan, state, history.added)
    plan = own.plan
    warnings.push(...own.warnings)
  }
  if ((safety.lastAdmin ?? 'allow') === 'guard') {
    const guarded = guardLastAdmin(state, plan)
    plan = guarded.plan
    warnings.push(...guarded.warnings)
  }
  return {
    plan,
    warnings,
    frozenGroups: gate.frozen,
    directoryGated,
    counted,
    freshness: fresh.check,
  }
}

function dropUnavailableWarnings(plan: SyncPlan, groupIds: ReadonlySet<string>): SyncPlan {
  const warnings = plan.warnings.filter(
    (w) => !(w.kind === 'unavailableGroup' && groupIds.has(w.groupId)),
  )
  return { ...plan, warnings, stats: { ...plan.stats, warnings: warnings.length } }
}
