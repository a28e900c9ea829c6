// Security (admin): instance name, egress allowlist additions, workflow code-node mode.
import { useEffect, useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { formatDate } from '../../lib/format';
import type { CodeNodeMode, SecuritySettings } from '../../lib/types';
import { Button } from '../../components/button';
import { Alert, Badge, Card, ErrorState, Spinner } from '../../components/feedback';
import { Field, Input, Select, Textarea } from '../../components/form';

export const SECURITY_KEY = ['settings', 'security'];

function Form({ data }: { data: SecuritySettings }) {
  const qc = useQueryClient();
  const [instanceName, setInstanceName] = useState(data.instanceName ?? '');
  const [allowlist, setAllowlist] = useState(data.egressHostAllowlist.join('\n'));
  const [mode, setMode] = useState<CodeNodeMode>(data.workflowCodeNodeMode);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  // Another admin's change (or ours, normalized by the server) replaces the form's values.
  useEffect(() => {
    setInstanceName(data.instanceName ?? '');
    setAllowlist(data.egressHostAllowlist.join('\n'));
    setMode(data.workflowCodeNodeMode);
  }, [data]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const body = {
        instanceName: instanceName.trim() || null,
        egressHostAllowlist: allowlist.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean),
        workflowCodeNodeMode: mode,
      };
      const next = await api<SecuritySettings>('/api/settings/security', { method: 'PATCH', body });
      qc.setQueryData(SECURITY_KEY, next);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const eff = data.effective;
  return (
    <form onSubmit={submit} className="space-y-6">
      {error !== null && <ErrorState error={error} />}
      {saved && <Alert tone="success">Saved. Every replica applies it within 15 seconds.</Alert>}
      <Card title="Instance">
        <div className="max-w-md">
          <Field label="Instance name">{(p) => <Input {...p} value={instanceName} onChange={(e) => setInstanceName(e.target.value)} maxLength={100} />}</Field>
        </div>
      </Card>
      <Card title="Outbound requests (egress allowlist)">
        <div className="grid grid-cols-1 gap-6 md:grid-cols-2">
          <Field label="Allowed hosts" hint="One per line: a hostname, *.suffix or an IP address. Added to HIVE_EGRESS_FETCH_HOST_ALLOWLIST.">
            {(p) => <Textarea {...p} value={allowlist} onChange={(e) => setAllowlist(e.target.value)} rows={6} spellCheck={false} className="font-mono" placeholder="api.example.com&#10;*.internal.example" />}
          </Field>
          <div className="space-y-2 text-sm">
            <p className="font-medium">In effect</p>
            {eff.egressHostAllowlist.length === 0 ? (
              <p className="text-zinc-500 dark:text-zinc-400">No allowlist: any public host is reachable; private addresses stay blocked.</p>
            ) : (
              <ul className="flex flex-wrap gap-1.5">
                {eff.egressHostAllowlist.map((h) => (
                  <li key={h}><Badge tone={eff.envEgressHostAllowlist.includes(h) ? 'amber' : 'neutral'}>{h}</Badge></li>
                ))}
              </ul>
            )}
            {eff.envEgressHostAllowlist.length > 0 && <p className="text-xs text-zinc-500 dark:text-zinc-400">Amber entries come from the environment and cannot be removed here.</p>}
          </div>
        </div>
      </Card>
      <Card title="Workflow code nodes">
        <div className="grid grid-cols-1 gap-6 md:grid-cols-2">
          <Field label="Mode" hint="inherit follows HIVE_WORKFLOW_DISABLE_CODE_NODE and the environment's default.">
            {(p) => (
              <Select {...p} value={mode} onChange={(e) => setMode(e.target.value as CodeNodeMode)}>
                <option value="inherit">inherit</option>
                <option value="off">off</option>
                <option value="allow">allow</option>
              </Select>
            )}
          </Field>
          <div className="text-sm">
            <p className="font-medium">In effect</p>
            <p className="mt-1 flex flex-wrap items-center gap-2">
              <Badge tone={eff.workflowCodeNodes.enabled ? 'amber' : 'green'}>{eff.workflowCodeNodes.enabled ? 'code nodes run' : 'code nodes off'}</Badge>
              <span className="text-zinc-500 dark:text-zinc-400">({eff.workflowCodeNodes.source}) {eff.workflowCodeNodes.reason}</span>
            </p>
          </div>
        </div>
      </Card>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          Version {data.version} · last changed {formatDate(data.updatedAt, 'never')}{data.updatedBy ? ` by ${data.updatedBy}` : ''}
        </p>
        <Button type="submit" busy={busy}>Save changes</Button>
      </div>
    </form>
  );
}

export default function SecurityPage() {
  const settings = useQuery({ queryKey: SECURITY_KEY, queryFn: () => api<SecuritySettings>('/api/settings/security') });
  if (settings.isPending) return <Spinner />;
  if (settings.isError) return <ErrorState error={settings.error} onRetry={() => settings.refetch()} />;
  return <Form data={settings.data} />;
}
