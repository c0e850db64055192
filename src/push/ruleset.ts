/**
 * The effective ruleset of a user: the server-default rules merged with the user's own rules and
 * the user's changes to default rules. The effective ruleset is also what gets stored, as the
 * `m.push_rules` account data event, so /sync delivers it to clients unchanged.
 */
import { MatrixError } from '../core/errors.js';
import { readStoredActions } from './actions.js';
import { MASTER_RULE_ID, serverDefaultRules } from './default-rules.js';
import { RULE_KINDS, type PushCondition, type PushRule, type RuleKind, type Ruleset } from './types.js';

/** Position of a new or moved user rule, relative to another user rule of the same kind. */
export interface RulePlacement {
  before?: string;
  after?: string;
}

export function isServerDefaultRuleId(ruleId: string): boolean {
  return ruleId.startsWith('.');
}

/**
 * Builds the effective ruleset from the stored `m.push_rules` content, which may be absent.
 * Stored entries that are not well-formed are dropped. Stored copies of default rules supply
 * only `enabled` and `actions`, and only for defaults this server still defines.
 */
export function mergeWithDefaults(userId: string, stored: Record<string, unknown> | undefined): Ruleset {
  const defaults = serverDefaultRules(userId);
  const storedRuleset = asObject(stored?.['global']);
  const merged = {} as Ruleset;
  for (const kind of RULE_KINDS) {
    const storedRules = readStoredRules(kind, storedRuleset?.[kind]);
    const userRules = storedRules.filter((rule) => !isServerDefaultRuleId(rule.rule_id));
    const kindDefaults = defaults[kind].map((rule) => withStoredChoices(rule, storedRules));
    merged[kind] = orderRules(userRules, kindDefaults);
  }
  return merged;
}

/**
 * Puts user rules ahead of the default rules, except the master rule, which always comes first
 * so that enabling it silences everything.
 */
function orderRules(userRules: PushRule[], defaults: PushRule[]): PushRule[] {
  const master = defaults.filter((rule) => rule.rule_id === MASTER_RULE_ID);
  const others = defaults.filter((rule) => rule.rule_id !== MASTER_RULE_ID);
  return [...master, ...userRules, ...others];
}

// NOTE: a stored default rule whose actions differ from this server's definition counts as the
// user's change, so if a later release changes a default's actions, users who stored a ruleset
// before keep the old actions until they reset them.
function withStoredChoices(rule: PushRule, storedRules: PushRule[]): PushRule {
  const stored = storedRules.find((candidate) => candidate.rule_id === rule.rule_id);
  return stored ? { ...rule, enabled: stored.enabled, actions: stored.actions } : rule;
}

function readStoredRules(kind: RuleKind, value: unknown): PushRule[] {
  if (!Array.isArray(value)) return [];
  const rules: PushRule[] = [];
  for (const entry of value) {
    const rule = readStoredRule(kind, entry);
    if (rule && !rules.some((other) => other.rule_id === rule.rule_id)) rules.push(rule);
  }
  return rules;
}

function readStoredRule(kind: RuleKind, value: unknown): PushRule | undefined {
  const entry = asObject(value);
  const ruleId = entry?.['rule_id'];
  if (!entry || typeof ruleId !== 'string' || !Array.isArray(entry['actions'])) return undefined;
  const rule: PushRule = {
    rule_id: ruleId,
    default: isServerDefaultRuleId(ruleId),
    enabled: entry['enabled'] !== false,
    actions: readStoredActions(entry['actions']),
  };
  if (kind === 'content') {
    if (typeof entry['pattern'] !== 'string') return undefined;
    rule.pattern = entry['pattern'];
  }
  if (kind === 'override' || kind === 'underride') {
    const conditions = readStoredConditions(entry['conditions']);
    if (!conditions) return undefined;
    rule.conditions = conditions;
  }
  return rule;
}

/** Returns the conditions, or undefined when one is malformed, since dropping it would widen the rule. */
function readStoredConditions(value: unknown): PushCondition[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const wellFormed = value.every((condition) => typeof asObject(condition)?.['kind'] === 'string');
  return wellFormed ? (value as PushCondition[]) : undefined;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Returns the index just past the rules that always precede user rules (the master rule). */
function firstUserRuleIndex(rules: readonly PushRule[]): number {
  return rules[0]?.rule_id === MASTER_RULE_ID ? 1 : 0;
}

/**
 * Inserts a user rule into its kind's list: next to the user rule named by `before` (which wins
 * when both are given) or `after`, otherwise as the most important user rule. Throws a 400
 * M_UNKNOWN when the named rule is not one of the user's rules of that kind.
 */
export function insertUserRule(rules: PushRule[], rule: PushRule, placement: RulePlacement): void {
  const anchorId = placement.before ?? placement.after;
  if (anchorId === undefined) {
    rules.splice(firstUserRuleIndex(rules), 0, rule);
    return;
  }
  const anchorIndex = rules.findIndex((candidate) => !candidate.default && candidate.rule_id === anchorId);
  if (anchorIndex === -1) {
    throw new MatrixError('M_UNKNOWN', `before/after rule not found: ${anchorId}. It must name one of your own rules of the same kind.`, { status: 400 });
  }
  rules.splice(placement.before !== undefined ? anchorIndex : anchorIndex + 1, 0, rule);
}
