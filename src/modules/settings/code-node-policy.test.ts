import { describe, expect, it } from 'vitest';
import { resolveCodeNodePolicy } from './code-node-policy.js';

describe('resolveCodeNodePolicy (spec 4.2)', () => {
  it.each([
    // envDisable, isProduction, mode, enabled, source
    [true, false, 'allow', false, 'env'],
    [true, true, 'inherit', false, 'env'],
    [false, true, 'off', false, 'setting'],
    [undefined, false, 'off', false, 'setting'],
    [undefined, true, 'allow', true, 'setting'],
    [false, true, 'inherit', true, 'env'],
    [undefined, true, 'inherit', false, 'default'],
    [undefined, false, 'inherit', true, 'default'],
  ] as const)('env=%s production=%s mode=%s → enabled=%s (%s)', (envDisable, isProduction, mode, enabled, source) => {
    expect(resolveCodeNodePolicy({ envDisable, isProduction, mode })).toMatchObject({ enabled, source });
  });
});
