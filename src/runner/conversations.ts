// The conversation of each A2A contextId, kept as JSON files in the agent's work dir (the one
// writable directory of its sandbox), so a restarted runner continues where it stopped.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ConvMessage {
  role: 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** Oldest turns are dropped past this; keeps prompts and files bounded. */
const MAX_MESSAGES = 200;

export function createConversationStore(workDir: string) {
  const dir = join(workDir, 'conversations');
  mkdirSync(dir, { recursive: true });
  // A contextId is chosen by the caller: hash it instead of trusting it as a file name.
  const file = (contextId: string) => join(dir, `${createHash('sha256').update(contextId).digest('hex').slice(0, 32)}.json`);
  return {
    load(contextId: string): ConvMessage[] {
      try {
        return JSON.parse(readFileSync(file(contextId), 'utf8')) as ConvMessage[];
      } catch {
        return [];
      }
    },
    save(contextId: string, messages: ConvMessage[]): void {
      let kept = messages.slice(-MAX_MESSAGES);
      // Never start on a tool result whose call was dropped.
      while (kept.length > 0 && kept[0]!.role !== 'user') kept = kept.slice(1);
      const target = file(contextId);
      writeFileSync(`${target}.tmp`, JSON.stringify(kept));
      renameSync(`${target}.tmp`, target);
    },
  };
}

export type ConversationStore = ReturnType<typeof createConversationStore>;
