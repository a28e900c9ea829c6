// Chat with an agent: conversations on the side, the answer streamed token by token, token
// counts per message, and a stop button (the server still stores the full answer).
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, MessageSquarePlus, Send, Square, Trash2 } from 'lucide-react';
import { api } from '../../lib/api';
import { streamSse } from '../../lib/sse';
import { formatRelative } from '../../lib/format';
import type { Agent, ChatMessage, Conversation } from '../../lib/types';
import { Button } from '../../components/button';
import { EmptyState, ErrorState, Spinner } from '../../components/feedback';
import { StatusBadge, agentKey } from './common';

interface Pending {
  user: string;
  answer: string;
  /** Stored messages shown while streaming: the ones before this send (a refetch meanwhile may hold the new ones). */
  before: number;
}

function Bubble({ role, children, meta }: { role: 'user' | 'agent'; children: React.ReactNode; meta?: React.ReactNode }) {
  return (
    <div className={`flex ${role === 'user' ? 'justify-end' : 'justify-start'}`}>
      <div className={`max-w-[85%] rounded-lg px-3 py-2 text-sm ${role === 'user' ? 'bg-indigo-600 text-white' : 'border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900'}`}>
        <div className="whitespace-pre-wrap break-words">{children}</div>
        {meta && <div className={`mt-1 text-[11px] ${role === 'user' ? 'text-indigo-100' : 'text-zinc-500 dark:text-zinc-400'}`}>{meta}</div>}
      </div>
    </div>
  );
}

function tokens(m: Pick<ChatMessage, 'tokensIn' | 'tokensOut' | 'model' | 'durationMs'>) {
  const parts = [];
  if (m.model) parts.push(m.model);
  if (m.tokensIn !== null || m.tokensOut !== null) parts.push(`${m.tokensIn ?? 0} in · ${m.tokensOut ?? 0} out tokens`);
  if (m.durationMs !== null) parts.push(`${(m.durationMs / 1000).toFixed(1)} s`);
  return parts.length ? parts.join(' · ') : undefined;
}

export default function ChatPage() {
  const { id = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const conversationId = params.get('c');
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  const agent = useQuery({ queryKey: agentKey(id), queryFn: () => api<Agent>(`/api/agents/${id}`) });
  const convs = useQuery({ queryKey: ['conversations', id], queryFn: () => api<{ items: Conversation[] }>(`/api/agents/${id}/conversations`) });
  const conv = useQuery({
    queryKey: ['conversations', id, conversationId],
    queryFn: () => api<Conversation & { messages: ChatMessage[] }>(`/api/agents/${id}/conversations/${conversationId}`),
    enabled: !!conversationId,
  });

  // Braces matter: Chromium's scrollIntoView returns a promise, which React would call as a cleanup.
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [pending?.answer, conv.data?.messages.length]);
  useEffect(() => () => abort.current?.abort(), []);

  const streaming = pending !== null;

  async function send(e?: FormEvent) {
    e?.preventDefault();
    const message = text.trim();
    if (!message || streaming) return;
    setText('');
    setError(null);
    setPending({ user: message, answer: '', before: conversationId ? (conv.data?.messages.length ?? 0) : 0 });
    const ctrl = new AbortController();
    abort.current = ctrl;
    let convId = conversationId;
    try {
      for await (const ev of streamSse(`/api/agents/${id}/chat`, { method: 'POST', body: { message, ...(convId ? { conversationId: convId } : {}) }, signal: ctrl.signal })) {
        const data = ev.data ? JSON.parse(ev.data) : {};
        if (ev.event === 'conversation') {
          convId = data.conversationId;
          if (convId !== conversationId) setParams({ c: convId! }, { replace: true });
        } else if (ev.event === 'token') {
          setPending((p) => (p ? { ...p, answer: p.answer + data.text } : p));
        } else if (ev.event === 'error') {
          setError(new Error(`${data.message} (${data.code})`));
        }
      }
    } catch (err) {
      if (!ctrl.signal.aborted) setError(err);
    } finally {
      abort.current = null;
      if (convId) await qc.invalidateQueries({ queryKey: ['conversations', id] });
      setPending(null);
      // A stopped reply is still stored by the server once the agent finishes: fetch it then.
      if (ctrl.signal.aborted && convId) {
        for (const ms of [2_000, 8_000]) setTimeout(() => void qc.invalidateQueries({ queryKey: ['conversations', id, convId] }), ms);
      }
    }
  }

  const stop = () => abort.current?.abort();
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  };

  const stored = conversationId ? (conv.data?.messages ?? []) : [];
  const messages = pending ? stored.slice(0, pending.before) : stored;
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Link to={`/agents/${id}`} className="inline-flex items-center gap-1 text-sm text-zinc-600 hover:underline dark:text-zinc-400">
          <ArrowLeft className="size-4" aria-hidden /> {agent.data?.name ?? 'Agent'}
        </Link>
        {agent.data && <StatusBadge status={agent.data.status} />}
      </div>
      <h1 className="sr-only">Chat with {agent.data?.name ?? 'agent'}</h1>
      <div className="grid grid-cols-1 items-start gap-4 md:min-h-[60vh] md:grid-cols-[14rem_1fr] md:items-stretch">
        <aside aria-label="Conversations" className="space-y-2">
          <Button size="sm" variant="secondary" className="w-full" disabled={streaming} onClick={() => setParams({}, { replace: true })}>
            <MessageSquarePlus className="size-3.5" aria-hidden /> New chat
          </Button>
          {convs.isPending ? (
            <Spinner />
          ) : convs.isError ? (
            <ErrorState error={convs.error} onRetry={() => convs.refetch()} />
          ) : convs.data.items.length === 0 ? (
            <p className="px-1 text-xs text-zinc-500 dark:text-zinc-400">No conversations yet.</p>
          ) : (
            <ul className="max-h-40 space-y-0.5 overflow-y-auto md:max-h-[60vh]">
              {convs.data.items.map((c) => (
                <li key={c.id} className="group flex items-center gap-1">
                  <button
                    type="button"
                    disabled={streaming}
                    onClick={() => setParams({ c: c.id })}
                    aria-current={c.id === conversationId ? 'true' : undefined}
                    className={`min-w-0 flex-1 rounded-md px-2 py-1.5 text-left text-sm ${c.id === conversationId ? 'bg-indigo-50 text-indigo-700 dark:bg-indigo-950/60 dark:text-indigo-300' : 'hover:bg-zinc-100 dark:hover:bg-zinc-800'}`}
                  >
                    <span className="block truncate">{c.title}</span>
                    <span className="block text-[11px] text-zinc-500 dark:text-zinc-400">{formatRelative(c.updatedAt)}</span>
                  </button>
                  <button
                    type="button"
                    aria-label={`Delete conversation ${c.title}`}
                    className="rounded p-1 text-zinc-400 hover:bg-zinc-100 hover:text-red-600 dark:hover:bg-zinc-800"
                    onClick={async () => {
                      try {
                        await api(`/api/agents/${id}/conversations/${c.id}`, { method: 'DELETE' });
                        if (c.id === conversationId) setParams({}, { replace: true });
                        await qc.invalidateQueries({ queryKey: ['conversations', id] });
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  >
                    <Trash2 className="size-3.5" aria-hidden />
                  </button>
                </li>
              ))}
            </ul>
          )}
        </aside>
        <section className="flex min-h-[55vh] min-w-0 flex-col rounded-lg border border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-950" aria-label="Messages">
          <div className="flex-1 space-y-3 overflow-y-auto p-4" aria-live="polite" data-testid="chat-messages">
            {conversationId && conv.isPending ? (
              <Spinner />
            ) : conv.isError ? (
              <ErrorState error={conv.error} onRetry={() => conv.refetch()} />
            ) : messages.length === 0 && !pending ? (
              <EmptyState title="Say hello">Messages go to the agent over A2A; its answer streams in here.</EmptyState>
            ) : (
              messages.map((m) => (
                <Bubble key={m.id} role={m.role} meta={m.role === 'agent' ? tokens(m) ?? (m.status && m.status !== 'completed' ? m.status : undefined) : undefined}>
                  {m.content || <span className="italic opacity-70">(no text)</span>}
                </Bubble>
              ))
            )}
            {pending && (
              <>
                <Bubble role="user">{pending.user}</Bubble>
                <Bubble role="agent" meta="streaming…">
                  {pending.answer || <span className="inline-flex gap-1" aria-label="Waiting for the answer"><span className="animate-pulse">●</span><span className="animate-pulse [animation-delay:150ms]">●</span><span className="animate-pulse [animation-delay:300ms]">●</span></span>}
                </Bubble>
              </>
            )}
            {error !== null && <ErrorState error={error} />}
            <div ref={bottom} />
          </div>
          <form onSubmit={send} className="flex items-end gap-2 border-t border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
            <textarea
              aria-label="Message"
              value={text}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={onKey}
              rows={2}
              maxLength={32_000}
              placeholder="Write a message (Enter sends, Shift+Enter for a new line)"
              className="block min-h-10 flex-1 resize-y rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-900"
            />
            {streaming ? (
              <Button variant="secondary" onClick={stop}><Square className="size-3.5" aria-hidden />Stop</Button>
            ) : (
              <Button type="submit" disabled={!text.trim()}><Send className="size-3.5" aria-hidden />Send</Button>
            )}
          </form>
        </section>
      </div>
    </div>
  );
}
