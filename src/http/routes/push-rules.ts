import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { invalidParam } from '../../core/errors.js';
import type { PushRuleService } from '../../push/push-rule-service.js';
import { RULE_KINDS, isRuleKind, type RuleKind } from '../../push/types.js';
import { requireSession } from '../auth.js';

export interface PushRuleRouteDeps {
  pushRules: PushRuleService;
}

const PushAction = Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())]);
const PushCondition = Type.Object({ kind: Type.String() }, { additionalProperties: true });

const PutRuleBody = Type.Object({
  actions: Type.Array(PushAction),
  conditions: Type.Optional(Type.Array(PushCondition)),
  pattern: Type.Optional(Type.String()),
});
const PutRuleQuery = Type.Object({ before: Type.Optional(Type.String()), after: Type.Optional(Type.String()) });
const EnabledBody = Type.Object({ enabled: Type.Boolean() });
const ActionsBody = Type.Object({ actions: Type.Array(PushAction) });

interface RuleParams {
  kind: string;
  ruleId: string;
}

const RULE_PATH = '/_matrix/client/v3/pushrules/global/:kind/:ruleId';

export function registerPushRuleRoutes(app: FastifyInstance, deps: PushRuleRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };

  /** GET /_matrix/client/v3/pushrules/: every ruleset of the user, of which `global` is the only one defined. */
  app.get('/_matrix/client/v3/pushrules/', authed, async (request) => {
    return deps.pushRules.getRules(requireSession(request).userId);
  });

  /** GET /_matrix/client/v3/pushrules/global/: the global ruleset. */
  app.get('/_matrix/client/v3/pushrules/global/', authed, async (request) => {
    const { global } = await deps.pushRules.getRules(requireSession(request).userId);
    return global;
  });

  /** GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}: one rule. */
  app.get<{ Params: RuleParams }>(RULE_PATH, authed, async (request) => {
    const session = requireSession(request);
    return deps.pushRules.getRule(session.userId, checkKind(request.params.kind), request.params.ruleId);
  });

  /** PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}: creates or replaces a user rule, optionally placed by `before` or `after`. */
  app.put<{ Params: RuleParams; Querystring: Static<typeof PutRuleQuery>; Body: Static<typeof PutRuleBody> }>(
    RULE_PATH, { ...authed, schema: { body: PutRuleBody, querystring: PutRuleQuery } },
    async (request) => {
      const session = requireSession(request);
      const { before, after } = request.query;
      await deps.pushRules.putRule(session.userId, checkKind(request.params.kind), request.params.ruleId, request.body, { before, after });
      return {};
    },
  );

  /** DELETE /_matrix/client/v3/pushrules/global/{kind}/{ruleId}: deletes a user rule. */
  app.delete<{ Params: RuleParams }>(RULE_PATH, authed, async (request) => {
    const session = requireSession(request);
    await deps.pushRules.deleteRule(session.userId, checkKind(request.params.kind), request.params.ruleId);
    return {};
  });

  /** GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/enabled: whether a rule is enabled. */
  app.get<{ Params: RuleParams }>(`${RULE_PATH}/enabled`, authed, async (request) => {
    const session = requireSession(request);
    return { enabled: await deps.pushRules.getEnabled(session.userId, checkKind(request.params.kind), request.params.ruleId) };
  });

  /** PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/enabled: enables or disables a rule, default rules included. */
  app.put<{ Params: RuleParams; Body: Static<typeof EnabledBody> }>(`${RULE_PATH}/enabled`, { ...authed, schema: { body: EnabledBody } }, async (request) => {
    const session = requireSession(request);
    await deps.pushRules.setEnabled(session.userId, checkKind(request.params.kind), request.params.ruleId, request.body.enabled);
    return {};
  });

  /** GET /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/actions: the actions of a rule. */
  app.get<{ Params: RuleParams }>(`${RULE_PATH}/actions`, authed, async (request) => {
    const session = requireSession(request);
    return { actions: await deps.pushRules.getActions(session.userId, checkKind(request.params.kind), request.params.ruleId) };
  });

  /** PUT /_matrix/client/v3/pushrules/global/{kind}/{ruleId}/actions: replaces the actions of a rule, default rules included. */
  app.put<{ Params: RuleParams; Body: Static<typeof ActionsBody> }>(`${RULE_PATH}/actions`, { ...authed, schema: { body: ActionsBody } }, async (request) => {
    const session = requireSession(request);
    await deps.pushRules.setActions(session.userId, checkKind(request.params.kind), request.params.ruleId, request.body.actions);
    return {};
  });
}

function checkKind(kind: string): RuleKind {
  if (!isRuleKind(kind)) throw invalidParam(`Unknown push rule kind "${kind}". Use one of ${RULE_KINDS.join(', ')}.`);
  return kind;
}
