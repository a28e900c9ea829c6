// Usage reports over inference_usage: a caller's own agents (admins: everyone's), or one agent
// the caller may see. Costs are micro-units of the provider price currency.
import type { Principal } from '../../http/principal.js';
import type { Db } from '../../lib/db/database.js';
import { ValidationError } from '../../lib/errors.js';
import type { AgentLookup } from '../chat/chat.ports.js';
import { summarizeUsage, type UsageGroup, type UsageGroupBy } from './usage.repo.js';

const DAY = 86_400_000;
export const USAGE_MAX_RANGE_DAYS = 400;

export interface UsageReport {
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  items: UsageGroup[];
  totals: Omit<UsageGroup, 'key'>;
}

function window(q: { from?: string; to?: string }): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY);
  if (from >= to) throw new ValidationError('query.from: must be before `to`');
  if (to.getTime() - from.getTime() > USAGE_MAX_RANGE_DAYS * DAY) throw new ValidationError(`query.from: at most ${USAGE_MAX_RANGE_DAYS} days`);
  return { from, to };
}

function report(from: Date, to: Date, groupBy: UsageGroupBy, items: UsageGroup[]): UsageReport {
  const totals = items.reduce((t, i) => ({ requests: t.requests + i.requests, tokensIn: t.tokensIn + i.tokensIn, tokensOut: t.tokensOut + i.tokensOut, costMicros: t.costMicros + i.costMicros }), {
    requests: 0,
    tokensIn: 0,
    tokensOut: 0,
    costMicros: 0,
  });
  return { from: from.toISOString(), to: to.toISOString(), groupBy, items, totals };
}

export function createUsageService(deps: { db: Db; agents: AgentLookup }) {
  return {
    async summary(p: Principal, q: { from?: string; to?: string; groupBy: UsageGroupBy; all?: boolean }): Promise<UsageReport> {
      const { from, to } = window(q);
      const all = q.all === true && (p.kind === 'internal' || (p.kind === 'user' && p.role === 'admin'));
      // Usage belongs to users (agent owners); other principals own no agents.
      const ownerId = p.kind === 'user' ? p.userId : null;
      const items = all ? await summarizeUsage(deps.db, { from, to, groupBy: q.groupBy }) : ownerId ? await summarizeUsage(deps.db, { from, to, groupBy: q.groupBy, ownerId }) : [];
      return report(from, to, q.groupBy, items);
    },

    async forAgent(p: Principal, agentId: string, q: { from?: string; to?: string; groupBy: 'model' | 'day' }): Promise<UsageReport> {
      const agent = await deps.agents.get(agentId, p);
      const { from, to } = window(q);
      return report(from, to, q.groupBy, await summarizeUsage(deps.db, { from, to, groupBy: q.groupBy, agentId: agent.id }));
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
