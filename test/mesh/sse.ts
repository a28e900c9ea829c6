// A minimal server-sent-events reader over fetch for the mesh tests.
export interface SseEvent {
  event: string;
  data: string;
}

export function readSse(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const queue: (SseEvent | { comment: string })[] = [];

  async function fill(): Promise<boolean> {
    const { done, value } = await reader.read();
    if (done) return false;
    buffer += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      let event = 'message';
      const data: string[] = [];
      let comment: string | null = null;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comment = line.slice(1).trim();
        else if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) queue.push({ event, data: data.join('\n') });
      else if (comment !== null) queue.push({ comment });
    }
    return true;
  }

  return {
    async waitForComment(text: string): Promise<void> {
      for (;;) {
        const item = queue.shift();
        if (item && 'comment' in item && item.comment === text) return;
        if (!item && !(await fill())) throw new Error('stream ended');
      }
    },
    /** The next data event (comments skipped); null when the stream ended. */
    async next(): Promise<SseEvent> {
      for (;;) {
        const item = queue.shift();
        if (item && !('comment' in item)) return item;
        if (!item && !(await fill())) throw new Error('stream ended');
      }
    },
    async all(): Promise<SseEvent[]> {
      const out: SseEvent[] = [];
      for (;;) {
        const item = queue.shift();
        if (item) {
          if (!('comment' in item)) out.push(item);
          continue;
        }
        if (!(await fill())) return out;
      }
    },
  };
}
