/** Finds the push rule that decides an event and turns its actions into a notification outcome. */
import { conditionMatches, type PushContext, type PushEvent } from './conditions.js';
import { LEGACY_MENTION_RULE_IDS } from './default-rules.js';
import { compileGlob, matchesWords } from './glob.js';
import { lookupProperty } from './property-path.js';
import { RULE_KINDS, type PushAction, type PushRule, type RuleKind, type Ruleset } from './types.js';

export type { PushContext, PushEvent } from './conditions.js';

export interface PushOutcome {
  notify: boolean;
  /** Always false when `notify` is false. */
  highlight: boolean;
  /** The `sound` tweak, such as `"default"`, absent when the event does not notify. */
  sound?: string;
}

const NO_NOTIFICATION: PushOutcome = { notify: false, highlight: false };

/**
 * Evaluates the ruleset for one event: the first enabled rule that matches, in kind order, gives
 * the actions. No match, or an event the user sent, means no notification.
 */
export function evaluatePushRules(ruleset: Ruleset, event: PushEvent, context: PushContext): PushOutcome {
  if (event.sender === context.userId) return NO_NOTIFICATION;
  const rule = findMatchingRule(ruleset, event, context);
  return rule ? outcomeOf(rule.actions) : NO_NOTIFICATION;
}

/** Returns the first enabled rule that matches the event, or undefined when none does. */
export function findMatchingRule(ruleset: Ruleset, event: PushEvent, context: PushContext): PushRule | undefined {
  const hasMentions = Object.hasOwn(event.content, 'm.mentions');
  for (const kind of RULE_KINDS) {
    for (const rule of ruleset[kind]) {
      if (!rule.enabled) continue;
      if (hasMentions && LEGACY_MENTION_RULE_IDS.has(rule.rule_id)) continue;
      if (ruleMatches(kind, rule, event, context)) return rule;
    }
  }
  return undefined;
}

/** Matches room and sender rules by their id, content rules by their pattern on `content.body`. */
function ruleMatches(kind: RuleKind, rule: PushRule, event: PushEvent, context: PushContext): boolean {
  switch (kind) {
    case 'room':
      return event.room_id === rule.rule_id;
    case 'sender':
      return event.sender === rule.rule_id;
    case 'content': {
      const body = lookupProperty(event, 'content.body');
      return typeof rule.pattern === 'string' && typeof body === 'string' && matchesWords(compileGlob(rule.pattern), body);
    }
    case 'override':
    case 'underride':
      return (rule.conditions ?? []).every((condition) => conditionMatches(condition, event, context));
  }
}

/** Reads `notify` and the `highlight` and `sound` tweaks. A highlight tweak without a value means true. */
function outcomeOf(actions: readonly PushAction[]): PushOutcome {
  if (!actions.includes('notify')) return NO_NOTIFICATION;
  const outcome: PushOutcome = { notify: true, highlight: false };
  for (const action of actions) {
    if (typeof action === 'string') continue;
    if (action['set_tweak'] === 'highlight') outcome.highlight = action['value'] === undefined || action['value'] === true;
    if (action['set_tweak'] === 'sound' && typeof action['value'] === 'string') outcome.sound = action['value'];
  }
  return outcome;
}
