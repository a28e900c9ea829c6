// Users (admin): create accounts, change role, disable, reset links (shown once), MFA reset, delete.
import { useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import { api } from '../../lib/api';
import { useMe } from '../../lib/auth';
import { formatRelative } from '../../lib/format';
import { ROLES, type Role, type User } from '../../lib/types';
import { Button } from '../../components/button';
import { ConfirmButton } from '../../components/confirm';
import { Dialog } from '../../components/dialog';
import { Badge, Card, EmptyState, ErrorState, Spinner } from '../../components/feedback';
import { Field, Input, Select } from '../../components/form';
import { SecretOnce } from '../../components/secret-once';
import { Table, Td } from '../../components/table';

const PAGE = 25;

function useRun() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

function CreateUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const qc = useQueryClient();
  const [form, setForm] = useState({ name: '', email: '', password: '', role: 'viewer' as Role });
  const { busy, error, run, setError } = useRun();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api('/api/auth/register', { method: 'POST', body: form });
      await qc.invalidateQueries({ queryKey: ['users'] });
      setForm({ name: '', email: '', password: '', role: 'viewer' });
      onOpenChange(false);
    });
  };
  return (
    <Dialog open={open} onOpenChange={(o) => { setError(null); onOpenChange(o); }} title="New user" description="Hand the password to the user, or issue a reset link after creating the account.">
      <form onSubmit={submit} className="space-y-4">
        {error !== null && <ErrorState error={error} />}
        <Field label="Name">{(p) => <Input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required maxLength={100} />}</Field>
        <Field label="Email">{(p) => <Input {...p} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required maxLength={320} autoComplete="off" />}</Field>
        <Field label="Initial password" hint="8 to 256 characters.">
          {(p) => <Input {...p} type="password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required minLength={8} maxLength={256} autoComplete="new-password" />}
        </Field>
        <Field label="Role">
          {(p) => <Select {...p} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</Select>}
        </Field>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" busy={busy}>Create user</Button>
        </div>
      </form>
    </Dialog>
  );
}

function EditUserDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const qc = useQueryClient();
  const [form, setForm] = useState({ name: user.name, role: user.role, disabled: user.disabled });
  const { busy, error, run } = useRun();
  const [reset, setReset] = useState<{ url: string; expiresAt: string } | null>(null);
  const save = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api(`/api/users/${user.id}`, { method: 'PATCH', body: form });
      await qc.invalidateQueries({ queryKey: ['users'] });
      onClose();
    });
  };
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title={`Edit ${user.email}`} description="A role change or disable signs the user out everywhere.">
      <div className="space-y-5">
        {error !== null && <ErrorState error={error} />}
        <form onSubmit={save} className="space-y-4">
          <Field label="Name">{(p) => <Input {...p} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required maxLength={100} />}</Field>
          <Field label="Role">
            {(p) => <Select {...p} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</Select>}
          </Field>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={form.disabled} onChange={(e) => setForm({ ...form, disabled: e.target.checked })} className="size-4 accent-indigo-600" />
            Disabled (cannot sign in; API tokens stop working)
          </label>
          <div className="flex justify-end"><Button type="submit" busy={busy}>Save</Button></div>
        </form>
        <div className="space-y-3 border-t border-zinc-200 pt-4 dark:border-zinc-800">
          <h3 className="text-sm font-semibold">Recovery</h3>
          {reset ? (
            <SecretOnce label={`Reset link (expires ${new Date(reset.expiresAt).toLocaleString()})`} value={reset.url} note="Hand this link to the user; it works once and is not shown again." />
          ) : (
            <div className="flex flex-wrap gap-2">
              <Button variant="secondary" size="sm" busy={busy} onClick={() => run(async () => setReset(await api(`/api/users/${user.id}/password-reset`, { method: 'POST' })))}>
                Create password reset link
              </Button>
              <ConfirmButton
                label="Remove MFA"
                title="Remove this user’s two-factor authentication?"
                description="For a lost device: they sign in with the password alone until they enrol again."
                confirmLabel="Remove MFA"
                onConfirm={() => api(`/api/users/${user.id}/mfa`, { method: 'DELETE' })}
              />
            </div>
          )}
        </div>
      </div>
    </Dialog>
  );
}

export default function UsersPage() {
  const qc = useQueryClient();
  const me = useMe();
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const users = useQuery({
    queryKey: ['users', search, offset],
    queryFn: () => api<{ items: User[]; total: number }>(`/api/users?limit=${PAGE}&offset=${offset}${search ? `&search=${encodeURIComponent(search)}` : ''}`),
    placeholderData: keepPreviousData,
  });
  return (
    <Card
      title="Users"
      actions={<Button size="sm" onClick={() => setCreating(true)}><Plus className="size-3.5" aria-hidden />New user</Button>}
    >
      <CreateUserDialog open={creating} onOpenChange={setCreating} />
      {editing && <EditUserDialog user={editing} onClose={() => setEditing(null)} />}
      <div className="mb-4 max-w-xs">
        <Input type="search" aria-label="Search users" placeholder="Search by name or email" value={search} onChange={(e) => { setSearch(e.target.value); setOffset(0); }} maxLength={320} />
      </div>
      {users.isPending ? (
        <Spinner />
      ) : users.isError ? (
        <ErrorState error={users.error} onRetry={() => users.refetch()} />
      ) : users.data.items.length === 0 ? (
        <EmptyState title={search ? 'No user matches' : 'No users'} />
      ) : (
        <>
          <Table label="Users" head={['Name', 'Email', 'Role', 'Status', 'Last sign-in', '']}>
            {users.data.items.map((u) => (
              <tr key={u.id}>
                <Td className="font-medium">{u.name}</Td>
                <Td className="break-all">{u.email}</Td>
                <Td><Badge tone={u.role === 'admin' ? 'blue' : 'neutral'}>{u.role}</Badge></Td>
                <Td>{u.disabled ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}</Td>
                <Td className="whitespace-nowrap">{formatRelative(u.lastLoginAt)}</Td>
                <Td className="whitespace-nowrap text-right">
                  <div className="flex justify-end gap-2">
                    <Button size="sm" variant="secondary" onClick={() => setEditing(u)}>Edit</Button>
                    {u.id !== me.data?.user?.id && (
                      <ConfirmButton
                        label="Delete"
                        title={`Delete ${u.email}?`}
                        description="The account and its API tokens are deleted. This cannot be undone."
                        confirmLabel="Delete user"
                        onConfirm={async () => {
                          await api(`/api/users/${u.id}`, { method: 'DELETE' });
                          await qc.invalidateQueries({ queryKey: ['users'] });
                        }}
                      />
                    )}
                  </div>
                </Td>
              </tr>
            ))}
          </Table>
          <div className="mt-4 flex items-center justify-between text-sm text-zinc-500 dark:text-zinc-400">
            <span>{offset + 1}–{offset + users.data.items.length} of {users.data.total}</span>
            <div className="flex gap-2">
              <Button size="sm" variant="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</Button>
              <Button size="sm" variant="secondary" disabled={offset + PAGE >= users.data.total} onClick={() => setOffset(offset + PAGE)}>Next</Button>
            </div>
          </div>
        </>
      )}
    </Card>
  );
}
