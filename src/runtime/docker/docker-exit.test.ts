import { describe, expect, it } from 'vitest';
import { exitFromState } from './docker-exit.js';

describe('exitFromState', () => {
  it('reports an exit code', () => {
    expect(exitFromState({ Status: 'exited', ExitCode: 3 }, false)).toEqual({ exitCode: 3, signal: null, reason: 'exited with code 3', requested: false });
    expect(exitFromState({ Status: 'exited', ExitCode: 0 }, false)).toMatchObject({ exitCode: 0, reason: 'exited normally' });
  });

  it('turns 128+N into the signal N', () => {
    expect(exitFromState({ Status: 'exited', ExitCode: 137 }, false)).toEqual({ exitCode: null, signal: 'SIGKILL', reason: 'killed by SIGKILL', requested: false });
    expect(exitFromState({ Status: 'exited', ExitCode: 143 }, true)).toEqual({ exitCode: null, signal: 'SIGTERM', reason: 'stopped', requested: true });
  });

  it('names an out-of-memory kill when the engine reports it', () => {
    expect(exitFromState({ Status: 'exited', ExitCode: 137, OOMKilled: true }, false)).toMatchObject({ signal: 'SIGKILL', reason: 'killed: out of memory' });
  });

  it('says when the container never started', () => {
    expect(exitFromState({ Status: 'created', ExitCode: 0, Error: 'bad mount' }, false)).toMatchObject({ exitCode: null, reason: 'never started: bad mount' });
  });
});
