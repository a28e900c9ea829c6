// The managed agent's brain: for each A2A message, the system prompt + the conversation of the
// contextId go to the LLM gateway (pilox.sock); tokens stream out as artifact updates; tool
// calls (OpenAI format) are run by Pilox's tools proxy, up to maxSteps rounds. Refusals of the
// gateway (402 budget, 429 limits) end the task as failed with their code.
import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Message, type Part } from '@a2a-js/sdk';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus } from '@a2a-js/sdk/server';
import type { ManagedConfig } from '../modules/agents/managed-config.js';
import type { ConversationStore, ConvMessage } from './conversations.js';
import { HostError, type HostClient } from './host-client.js';

const text = (value: string): Part => ({ content: { $case: 'text', value }, mediaType: 'text/plain', filename: '', metadata: undefined });
const status = (state: TaskState, message?: Message) => ({ state, message, timestamp: new Date().toISOString() });

export interface RunnerLog {
  error(msg: string, err?: unknown): void;
}

type ToolCall = NonNullable<ConvMessage['tool_calls']>[number];

export function createManagedExecutor(deps: { managed: ManagedConfig; host: HostClient; conversations: ConversationStore; log: RunnerLog }): AgentExecutor {
  const { managed, host, conversations } = deps;
  const running = new Map<string, AbortController>();
  const cancelled = new Set<string>();

  return {
    async execute(rc, bus) {
      const ids = { taskId: rc.taskId, contextId: rc.contextId };
      const agentMessage = (value: string, metadata?: Record<string, unknown>): Message => ({
        messageId: randomUUID(),
        role: Role.ROLE_AGENT,
        ...ids,
        parts: [text(value)],
        metadata,
        extensions: [],
        referenceTaskIds: [],
      });
      const userText = rc.userMessage.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
      bus.publish(
        AgentEvent.task({ id: rc.taskId, contextId: rc.contextId, status: status(TaskState.TASK_STATE_WORKING), history: [rc.userMessage], artifacts: rc.task?.artifacts ?? [], metadata: undefined }),
      );
      const abort = new AbortController();
      running.set(rc.taskId, abort);
      const history = conversations.load(rc.contextId);
      const turn: ConvMessage[] = [{ role: 'user', content: userText }];
      const usage = { promptTokens: 0, completionTokens: 0 };
      const artifactId = `response-${rc.taskId}`;
      let firstPiece = true;
      const emit = (piece: string) => {
        if (cancelled.has(rc.taskId)) return;
        bus.publish(
          AgentEvent.artifactUpdate({
            ...ids,
            artifact: { artifactId, name: 'response', description: '', parts: [text(piece)], metadata: undefined, extensions: [] },
            append: !firstPiece,
            lastChunk: false,
            metadata: undefined,
          }),
        );
        firstPiece = false;
      };
      try {
        const tools = managed.tools.length > 0 ? await host.listTools() : [];
        let answer: string | null = null;
        for (let step = 0; step < managed.maxSteps && answer === null; step++) {
          const messages = [...(managed.systemPrompt ? [{ role: 'system', content: managed.systemPrompt }] : []), ...history, ...turn];
          let content = '';
          const calls: ToolCall[] = [];
          for await (const chunk of host.chatStream({ model: managed.model, messages, ...(tools.length > 0 ? { tools } : {}) }, abort.signal)) {
            if (chunk.usage) {
              usage.promptTokens += chunk.usage.prompt_tokens;
              usage.completionTokens += chunk.usage.completion_tokens;
            }
            const delta = chunk.choices?.[0]?.delta;
            if (delta?.content) {
              content += delta.content;
              emit(delta.content);
            }
            for (const tc of delta?.tool_calls ?? []) {
              const c = (calls[tc.index] ??= { id: tc.id ?? `call_${tc.index}`, type: 'function', function: { name: '', arguments: '' } });
              if (tc.id) c.id = tc.id;
              if (tc.function?.name) c.function.name += tc.function.name;
              if (tc.function?.arguments) c.function.arguments += tc.function.arguments;
            }
          }
          if (calls.length === 0) {
            answer = content;
            turn.push({ role: 'assistant', content });
            break;
          }
          turn.push({ role: 'assistant', content: content || null, tool_calls: calls });
          for (const call of calls) {
            let args: unknown = {};
            try {
              args = JSON.parse(call.function.arguments || '{}');
            } catch {
              // The model wrote invalid JSON: let the tool server refuse it.
            }
            const result = await host.callTool(call.function.name, args).catch((err: Error) => ({ content: `tool failed: ${err.message}`, isError: true }));
            turn.push({ role: 'tool', tool_call_id: call.id, content: result.content });
          }
        }
        if (cancelled.has(rc.taskId)) return;
        if (answer === null) {
          conversations.save(rc.contextId, [...history, ...turn]);
          bus.publish(AgentEvent.statusUpdate({ ...ids, status: status(TaskState.TASK_STATE_FAILED, agentMessage(`TOOL_STEPS_EXHAUSTED: no answer after ${managed.maxSteps} tool rounds`, { error: { code: 'TOOL_STEPS_EXHAUSTED' }, usage })), metadata: undefined }));
          return;
        }
        conversations.save(rc.contextId, [...history, ...turn]);
        bus.publish(
          AgentEvent.artifactUpdate({
            ...ids,
            artifact: { artifactId, name: 'response', description: '', parts: [text('')], metadata: undefined, extensions: [] },
            append: !firstPiece,
            lastChunk: true,
            metadata: undefined,
          }),
        );
        bus.publish(AgentEvent.statusUpdate({ ...ids, status: status(TaskState.TASK_STATE_COMPLETED, agentMessage(answer, { usage: { ...usage, model: managed.model } })), metadata: undefined }));
      } catch (err) {
        if (cancelled.has(rc.taskId) || abort.signal.aborted) return;
        const code = err instanceof HostError ? err.code : 'RUNNER_ERROR';
        const reason = err instanceof HostError ? err.message : 'the agent failed';
        if (!(err instanceof HostError)) deps.log.error('execute failed', err);
        bus.publish(
          AgentEvent.statusUpdate({
            ...ids,
            status: status(TaskState.TASK_STATE_FAILED, agentMessage(`${code}: ${reason}`, { error: { code, status: err instanceof HostError ? err.status : 500 }, usage })),
            metadata: undefined,
          }),
        );
      } finally {
        // The SDK's request handler settles the bus once execute returns.
        running.delete(rc.taskId);
      }
    },

    async cancelTask(taskId: string, bus: ExecutionEventBus) {
      cancelled.add(taskId);
      running.get(taskId)?.abort();
      bus.publish(AgentEvent.statusUpdate({ taskId, contextId: '', status: status(TaskState.TASK_STATE_CANCELED), metadata: undefined }));
      // Forget after a while: the set only guards the execute loop still winding down.
      setTimeout(() => cancelled.delete(taskId), 60_000).unref();
    },
  };
}
