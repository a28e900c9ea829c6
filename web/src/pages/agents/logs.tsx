// Live agent output over server-sent events: the last lines, then new ones as they come.
import { useEffect, useRef, useState } from 'react';
import { streamSse } from '../../lib/sse';
import { Button } from '../../components/button';
import { ErrorState } from '../../components/feedback';

interface Line {
  ts: string;
  stream: 'stdout' | 'stderr' | string;
  line: string;
}

const MAX_LINES = 2_000;

export function AgentLogs({ agentId }: { agentId: string }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(true);
  const [state, setState] = useState<'connecting' | 'streaming' | 'ended'>('connecting');
  const [attempt, setAttempt] = useState(0);
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    if (!live) return;
    const abort = new AbortController();
    setLines([]);
    setError(null);
    setState('connecting');
    (async () => {
      try {
        for await (const msg of streamSse(`/api/agents/${agentId}/logs?tail=200&follow=1`, { signal: abort.signal })) {
          setState('streaming');
          try {
            const l = JSON.parse(msg.data) as Line;
            setLines((prev) => (prev.length >= MAX_LINES ? [...prev.slice(-MAX_LINES + 1), l] : [...prev, l]));
          } catch {
            // A line that is not JSON is not ours to show.
          }
        }
        setState('ended');
      } catch (err) {
        if (!abort.signal.aborted) {
          setError(err);
          setState('ended');
        }
      }
    })();
    return () => abort.abort();
  }, [agentId, live, attempt]);

  useEffect(() => {
    if (stick.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-zinc-500 dark:text-zinc-400" role="status">
          {state === 'connecting' ? 'Connecting…' : state === 'streaming' ? (live ? 'Live' : 'Paused') : 'Stream ended'} · {lines.length} lines
        </p>
        <div className="flex gap-2">
          <Button size="sm" variant="secondary" onClick={() => setLive(!live)}>{live ? 'Pause' : 'Follow'}</Button>
          {state === 'ended' && live && <Button size="sm" variant="secondary" onClick={() => setAttempt(attempt + 1)}>Reconnect</Button>}
        </div>
      </div>
      {error !== null && <ErrorState error={error} onRetry={() => setAttempt(attempt + 1)} />}
      <pre
        ref={box}
        tabIndex={0}
        aria-label="Agent logs"
        data-testid="agent-logs"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        className="h-96 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-relaxed text-zinc-200"
      >
        {lines.length === 0 ? (
          <span className="text-zinc-500">{state === 'connecting' ? 'Connecting…' : 'No output yet.'}</span>
        ) : (
          lines.map((l, i) => (
            <div key={i} className={l.stream === 'stderr' ? 'text-red-300' : undefined}>
              <span className="select-none text-zinc-500">{l.ts.slice(11, 19)} </span>
              {l.line}
            </div>
          ))
        )}
      </pre>
    </div>
  );
}
