// Server-sent events over fetch (EventSource cannot POST or send a body), used by chat and
// log streams. Yields { event, data } pairs until the stream ends or the signal aborts.
import { toApiError } from './api';

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

export async function* streamSse(
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal } = {},
): AsyncGenerator<SseMessage> {
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers: { accept: 'text/event-stream', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    credentials: 'same-origin',
    signal: init.signal,
  });
  if (!res.ok || !res.body) throw await toApiError(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let sep: number;
    while ((sep = buffer.search(/\r?\n\r?\n/)) !== -1) {
      const raw = buffer.slice(0, sep);
      buffer = buffer.slice(sep).replace(/^\r?\n\r?\n/, '');
      const msg: SseMessage = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of raw.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i === -1 ? line : line.slice(0, i);
        const val = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') msg.event = val;
        else if (field === 'data') data.push(val);
        else if (field === 'id') msg.id = val;
      }
      msg.data = data.join('\n');
      if (data.length > 0 || msg.event !== 'message') yield msg;
    }
  }
}
