// How an engine's container state becomes a RuntimeExit.
import { constants as osConstants } from 'node:os';
import type { RuntimeExit } from '../runtime.js';

function signalName(n: number): string | null {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name;
  return null;
}

export interface EngineState {
  Status?: string;
  ExitCode?: number;
  OOMKilled?: boolean;
  Error?: string;
}

/** Docker reports a process killed by signal N as exit code 128+N (there is no separate field). */
export function exitFromState(s: EngineState, requested: boolean): RuntimeExit {
  const code = s.ExitCode ?? -1;
  if (s.OOMKilled) return { exitCode: null, signal: 'SIGKILL', reason: 'killed: out of memory', requested };
  const sig = code > 128 && code <= 128 + 64 ? signalName(code - 128) : null;
  if (sig) return { exitCode: null, signal: sig, reason: requested ? 'stopped' : `killed by ${sig}`, requested };
  if (requested) return { exitCode: code, signal: null, reason: 'stopped', requested };
  if (s.Status === 'created') return { exitCode: null, signal: null, reason: `never started${s.Error ? `: ${s.Error}` : ''}`, requested };
  return { exitCode: code, signal: null, reason: code === 0 ? 'exited normally' : `exited with code ${code}`, requested };
}
