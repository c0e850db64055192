/**
 * Push rule CRUD for the client-server API. Each user's effective ruleset lives in their global
 * `m.push_rules` account data event, rewritten after every change, so /sync delivers it.
 */
import { MatrixError, badJson, invalidParam, notFound } from '../core/errors.js';
import type { AccountDataStore } from '../storage/account-data.js';
import { checkActions } from './actions.js';
import { insertUserRule, isServerDefaultRuleId, mergeWithDefaults, type RulePlacement } from './ruleset.js';
import { PUSH_RULES_EVENT_TYPE, type PushAction, type PushCondition, type PushRule, type RuleKind, type Ruleset } from './types.js';

/** The body of `PUT /pushrules/global/{kind}/{ruleId}`. Which fields count depends on the kind. */
export interface PushRuleInput {
  actions: readonly unknown[];
  /** Only read for `override` and `underride` rules. Without conditions the rule always matches. */
  conditions?: PushCondition[];
  /** Required for `content` rules and only read for them. */
  pattern?: string;
}

export class PushRuleService {
  /** The last queued write of each user, so that read-modify-write cycles of one user never overlap. */
  private readonly pendingWrites = new Map<string, Promise<void>>();

  constructor(
    private readonly accountData: AccountDataStore,
    private readonly notifyUser: (userId: string, position: number) => void,
  ) {}

  /** Returns the user's effective ruleset: server defaults merged with the user's rules and changes. */
  // TODO: m.push_rules is stored only after the user's first change, so until then /sync sends
  // no push rules. An initial sync should add this ruleset when the account data lacks it.
  async getRules(userId: string): Promise<{ global: Ruleset }> {
    return { global: await this.load(userId) };
  }

  /** Returns one rule, or throws M_NOT_FOUND when the kind has no rule with this id. */
  async getRule(userId: string, kind: RuleKind, ruleId: string): Promise<PushRule> {
    return findRule(await this.load(userId), kind, ruleId);
  }

  /**
   * Creates or replaces a user rule. A new rule is enabled and, without `before` or `after`,
   * becomes the most important user rule of its kind. A replaced rule keeps its enabled flag,
   * and keeps its position unless `before` or `after` is given.
   */
  async putRule(userId: string, kind: RuleKind, ruleId: string, input: PushRuleInput, placement: RulePlacement = {}): Promise<void> {
    checkUserRuleId(ruleId);
    checkPlacement(placement);
    const rule = buildUserRule(kind, ruleId, input);
    await this.update(userId, (ruleset) => {
      const rules = ruleset[kind];
      const index = rules.findIndex((candidate) => candidate.rule_id === ruleId);
      const existing = rules[index];
      if (existing) rule.enabled = existing.enabled;
      if (existing && placement.before === undefined && placement.after === undefined) {
        rules[index] = rule;
        return;
      }
      if (existing) rules.splice(index, 1);
      insertUserRule(rules, rule, placement);
    });
  }

  /** Deletes a user rule. Server-default rules cannot be deleted, only disabled. */
  async deleteRule(userId: string, kind: RuleKind, ruleId: string): Promise<void> {
    if (isServerDefaultRuleId(ruleId)) {
      throw invalidParam(`"${ruleId}" is a server-default push rule and cannot be deleted. Disable it through its "enabled" endpoint instead.`);
    }
    await this.update(userId, (ruleset) => {
      const rules = ruleset[kind];
      rules.splice(rules.indexOf(findRule(ruleset, kind, ruleId)), 1);
    });
  }

  async getEnabled(userId: string, kind: RuleKind, ruleId: string): Promise<boolean> {
    return (await this.getRule(userId, kind, ruleId)).enabled;
  }

  /** Enables or disables a user rule or a server-default rule. */
  async setEnabled(userId: string, kind: RuleKind, ruleId: string, enabled: boolean): Promise<void> {
    await this.update(userId, (ruleset) => {
      findRule(ruleset, kind, ruleId).enabled = enabled;
    });
  }

  async getActions(userId: string, kind: RuleKind, ruleId: string): Promise<PushAction[]> {
    return (await this.getRule(userId, kind, ruleId)).actions;
  }

  /** Replaces the actions of a user rule or a server-default rule. */
  async setActions(userId: string, kind: RuleKind, ruleId: string, actions: readonly unknown[]): Promise<void> {
    const checked = checkActions(actions);
    await this.update(userId, (ruleset) => {
      findRule(ruleset, kind, ruleId).actions = checked;
    });
  }

  private async load(userId: string): Promise<Ruleset> {
    const stored = await this.accountData.get(userId, '', PUSH_RULES_EVENT_TYPE);
    return mergeWithDefaults(userId, stored);
  }

  /**
   * Applies a change to the effective ruleset and stores the result, then wakes the user's /sync.
   * Nothing is stored when the change throws.
   */
  private async update(userId: string, change: (ruleset: Ruleset) => void): Promise<void> {
    await this.serialise(userId, async () => {
      const ruleset = await this.load(userId);
      change(ruleset);
      const position = await this.accountData.set(userId, '', PUSH_RULES_EVENT_TYPE, { global: ruleset });
      this.notifyUser(userId, position);
    });
  }

  // NOTE: this orders the writes of one process only. Several processes sharing one database can
  // still interleave two changes of the same user, so the later write drops the earlier change.
  private async serialise(userId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.pendingWrites.get(userId) ?? Promise.resolve();
    const run = previous.then(task);
    const settled = run.catch(() => undefined);
    this.pendingWrites.set(userId, settled);
    try {
      await run;
    } finally {
      if (this.pendingWrites.get(userId) === settled) this.pendingWrites.delete(userId);
    }
  }
}

function findRule(ruleset: Ruleset, kind: RuleKind, ruleId: string): PushRule {
  const rule = ruleset[kind].find((candidate) => candidate.rule_id === ruleId);
  if (!rule) throw notFound(`There is no ${kind} push rule "${ruleId}".`);
  return rule;
}

/** Rejects ids reserved for server-default rules (a leading dot) and ids with slashes or backslashes. */
function checkUserRuleId(ruleId: string): void {
  if (isServerDefaultRuleId(ruleId)) {
    throw invalidParam(`Push rule ids starting with "." are reserved for server-default rules: "${ruleId}". Choose an id without the leading dot.`);
  }
  if (ruleId === '' || ruleId.includes('/') || ruleId.includes('\\')) {
    throw invalidParam(`Invalid push rule id "${ruleId}": it must be non-empty and contain no "/" or "\\".`);
  }
}

/** Rejects `before` and `after` values that name a server-default rule, since rules cannot be placed among those. */
function checkPlacement(placement: RulePlacement): void {
  for (const anchorId of [placement.before, placement.after]) {
    if (anchorId !== undefined && isServerDefaultRuleId(anchorId)) {
      throw new MatrixError('M_UNKNOWN', `Cannot place a rule relative to the server-default rule "${anchorId}". Name one of your own rules.`, { status: 400 });
    }
  }
}

function buildUserRule(kind: RuleKind, ruleId: string, input: PushRuleInput): PushRule {
  const rule: PushRule = { rule_id: ruleId, default: false, enabled: true, actions: checkActions(input.actions) };
  if (kind === 'content') {
    if (typeof input.pattern !== 'string') throw badJson('A content push rule needs a string "pattern".');
    rule.pattern = input.pattern;
  }
  if (kind === 'override' || kind === 'underride') rule.conditions = input.conditions ?? [];
  return rule;
}
