// Whether workflow code nodes may run (spec 4.2, HIVE_WORKFLOW_DISABLE_CODE_NODE, and the admin
// "inherit / force off / allow" setting). The workflows module asks SettingsService, which
// applies this rule; it is exported on its own so the rule has one definition.
import type { CodeNodeMode } from './settings.tables.js';

export interface CodeNodePolicy {
  enabled: boolean;
  /** What decided: the environment variable, the admin setting, or the built-in default. */
  source: 'env' | 'setting' | 'default';
  reason: string;
}

/**
 * 1. HIVE_WORKFLOW_DISABLE_CODE_NODE=true forces code nodes off, whatever the setting.
 * 2. Otherwise the admin setting decides when it is `off` or `allow`.
 * 3. `inherit`: HIVE_WORKFLOW_DISABLE_CODE_NODE=false enables them (even in production);
 *    unset means off in production, on in development and tests.
 */
export function resolveCodeNodePolicy(input: { envDisable: boolean | undefined; isProduction: boolean; mode: CodeNodeMode }): CodeNodePolicy {
  if (input.envDisable === true) {
    return { enabled: false, source: 'env', reason: 'HIVE_WORKFLOW_DISABLE_CODE_NODE=true forces code nodes off' };
  }
  if (input.mode === 'off') return { enabled: false, source: 'setting', reason: 'an admin set code nodes to off' };
  if (input.mode === 'allow') return { enabled: true, source: 'setting', reason: 'an admin allowed code nodes' };
  if (input.envDisable === false) {
    return { enabled: true, source: 'env', reason: 'HIVE_WORKFLOW_DISABLE_CODE_NODE=false enables code nodes' };
  }
  return input.isProduction
    ? { enabled: false, source: 'default', reason: 'off by default in production' }
    : { enabled: true, source: 'default', reason: 'on by default outside production' };
}
