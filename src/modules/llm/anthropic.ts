// OpenAI chat-completions ⇄ Anthropic Messages API translation, both directions and streaming
// (Anthropic "Messages" and "Streaming Messages" docs). Pure functions: no I/O.
import type { ChatChunk, ChatCompletion, ChatMessage, ChatRequest, ChatToolCall } from './openai-types.js';
import { textOfContent } from './openai-types.js';

export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires max_tokens; used when neither the agent nor its limits give one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: string };

interface AMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

function parseArgs(s: string): unknown {
  try {
    return s ? JSON.parse(s) : {};
  } catch {
    return { _raw: s };
  }
}

function blocksOf(m: ChatMessage): { role: 'user' | 'assistant'; blocks: Block[] } {
  if (m.role === 'tool') return { role: 'user', blocks: [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: textOfContent(m.content) }] };
  if (m.role === 'assistant') {
    const blocks: Block[] = [];
    const text = textOfContent(m.content);
    if (text) blocks.push({ type: 'text', text });
    for (const c of m.tool_calls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.function.name, input: parseArgs(c.function.arguments) });
    return { role: 'assistant', blocks };
  }
  return { role: 'user', blocks: [{ type: 'text', text: textOfContent(m.content) }] };
}

export function toAnthropicRequest(req: ChatRequest): Record<string, unknown> {
  const system = req.messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => textOfContent(m.content)).join('\n\n');
  const messages: AMessage[] = [];
  for (const m of req.messages) {
    if (m.role === 'system' || m.role === 'developer') continue;
    const { role, blocks } = blocksOf(m);
    if (blocks.length === 0) continue;
    // The Messages API wants alternating roles: consecutive same-role turns (e.g. several tool results) merge.
    const prev = messages[messages.length - 1];
    if (prev && prev.role === role) prev.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }
  const out: Record<string, unknown> = {
    model: req.model,
    messages,
    max_tokens: req.max_tokens ?? req.max_completion_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
  };
  if (system) out.system = system;
  if (req.stream) out.stream = true;
  if (req.temperature !== undefined) out.temperature = Math.min(req.temperature, 1);
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.stop !== undefined) out.stop_sequences = Array.isArray(req.stop) ? req.stop : [req.stop];
  if (req.tools && req.tools.length > 0 && req.tool_choice !== 'none') {
    out.tools = req.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }));
    const tc = req.tool_choice;
    if (tc === 'required') out.tool_choice = { type: 'any' };
    else if (tc && typeof tc === 'object') out.tool_choice = { type: 'tool', name: tc.function.name };
  }
  return out;
}

const FINISH: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls', pause_turn: 'stop', refusal: 'content_filter' };
const finishOf = (r: unknown) => (typeof r === 'string' ? (FINISH[r] ?? 'stop') : null);

interface AResponse {
  id: string;
  model: string;
  content: { type: string; text?: string; id?: string; name?: string; input?: unknown }[];
  stop_reason: string | null;
  usage: { input_tokens: number; output_tokens: number };
}

export function fromAnthropicResponse(a: AResponse, created: number): ChatCompletion {
  const text = a.content.filter((b) => b.type === 'text').map((b) => b.text ?? '').join('');
  const toolCalls: ChatToolCall[] = a.content
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: b.id ?? '', type: 'function', function: { name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}) } }));
  const usage = { prompt_tokens: a.usage.input_tokens, completion_tokens: a.usage.output_tokens, total_tokens: a.usage.input_tokens + a.usage.output_tokens };
  return {
    id: a.id,
    object: 'chat.completion',
    created,
    model: a.model,
    choices: [{ index: 0, message: { role: 'assistant', content: toolCalls.length > 0 && !text ? null : text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }, finish_reason: finishOf(a.stop_reason) }],
    usage,
  };
}

/** Turns Anthropic stream events into OpenAI chunks; keeps the usage it has seen. */
export function createAnthropicStreamTranslator(model: string, created: number) {
  let id = 'msg';
  let toolIndex = -1;
  const usage = { input: 0, output: 0 };
  const chunk = (delta: ChatChunk['choices'][0]['delta'], finish: string | null = null): ChatChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  return {
    usage,
    /** Null when the event has no OpenAI counterpart. Throws on an `error` event. */
    translate(event: Record<string, unknown>): ChatChunk | null {
      switch (event.type) {
        case 'message_start': {
          const m = event.message as { id?: string; usage?: { input_tokens?: number; output_tokens?: number } };
          id = m.id ?? id;
          usage.input = m.usage?.input_tokens ?? 0;
          return chunk({ role: 'assistant', content: '' });
        }
        case 'content_block_start': {
          const b = event.content_block as { type: string; id?: string; name?: string };
          if (b.type !== 'tool_use') return null;
          toolIndex++;
          return chunk({ tool_calls: [{ index: toolIndex, id: b.id, type: 'function', function: { name: b.name, arguments: '' } }] });
        }
        case 'content_block_delta': {
          const d = event.delta as { type: string; text?: string; partial_json?: string };
          if (d.type === 'text_delta') return chunk({ content: d.text ?? '' });
          if (d.type === 'input_json_delta') return chunk({ tool_calls: [{ index: Math.max(toolIndex, 0), function: { arguments: d.partial_json ?? '' } }] });
          return null;
        }
        case 'message_delta': {
          const u = event.usage as { output_tokens?: number; input_tokens?: number } | undefined;
          if (u?.output_tokens !== undefined) usage.output = u.output_tokens;
          if (u?.input_tokens) usage.input = u.input_tokens;
          return chunk({}, finishOf((event.delta as { stop_reason?: string } | undefined)?.stop_reason));
        }
        case 'error': {
          const e = event.error as { type?: string; message?: string } | undefined;
          throw new Error(`anthropic stream error: ${e?.type ?? 'unknown'}: ${e?.message ?? ''}`);
        }
        default:
          return null;
      }
    },
  };
}
