// Structural checks of method parameters before the SDK's translators see them, so wrong
// types get an Invalid params answer naming the field instead of an internal error.
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const optString = (o: Obj, k: string) => o[k] === undefined || typeof o[k] === 'string';
const optInt = (o: Obj, k: string) => o[k] === undefined || o[k] === null || (typeof o[k] === 'number' && Number.isInteger(o[k]));
const optBool = (o: Obj, k: string) => o[k] === undefined || typeof o[k] === 'boolean';
const optObj = (o: Obj, k: string) => o[k] === undefined || o[k] === null || isObj(o[k]);

function checkPart(p: unknown, i: number, legacy: boolean): string | null {
  const f = `params.message.parts[${i}]`;
  if (!isObj(p)) return `${f} must be an object`;
  if (!optObj(p, 'metadata')) return `${f}.metadata must be an object`;
  if (legacy) {
    if (p.kind === 'text') return typeof p.text === 'string' ? null : `${f}.text must be a string`;
    if (p.kind === 'data') return isObj(p.data) ? null : `${f}.data must be an object`;
    if (p.kind === 'file') {
      const file = p.file;
      if (!isObj(file)) return `${f}.file must be an object`;
      if (typeof file.bytes !== 'string' && typeof file.uri !== 'string') return `${f}.file needs bytes or uri`;
      if (!optString(file, 'name') || !optString(file, 'mimeType')) return `${f}.file.name and mimeType must be strings`;
      return null;
    }
    return `${f}.kind must be text, file or data`;
  }
  for (const k of ['text', 'raw', 'url', 'filename', 'mediaType']) if (!optString(p, k)) return `${f}.${k} must be a string`;
  if (p.text === undefined && p.raw === undefined && p.url === undefined && !('data' in p)) return `${f} needs text, raw, url or data`;
  return null;
}

function checkMessage(params: Obj, legacy: boolean): string | null {
  const m = params.message;
  if (!isObj(m)) return 'params.message must be an object';
  if (typeof m.messageId !== 'string' || m.messageId === '' || m.messageId.length > 256) {
    return 'params.message.messageId must be a non-empty string of at most 256 characters';
  }
  if (typeof m.role !== 'string') return 'params.message.role must be a string';
  for (const k of ['contextId', 'taskId']) {
    if (!optString(m, k) || (typeof m[k] === 'string' && (m[k] as string).length > 256)) return `params.message.${k} must be a string of at most 256 characters`;
  }
  if (!Array.isArray(m.parts) || m.parts.length === 0 || m.parts.length > 1000) return 'params.message.parts must be a list of 1 to 1000 parts';
  for (let i = 0; i < m.parts.length; i++) {
    const problem = checkPart(m.parts[i], i, legacy);
    if (problem) return problem;
  }
  if (!optObj(m, 'metadata')) return 'params.message.metadata must be an object';
  if (m.referenceTaskIds !== undefined && !(Array.isArray(m.referenceTaskIds) && m.referenceTaskIds.length <= 32 && m.referenceTaskIds.every((x) => typeof x === 'string'))) {
    return 'params.message.referenceTaskIds must be a list of at most 32 strings';
  }
  if (m.extensions !== undefined && !(Array.isArray(m.extensions) && m.extensions.every((x) => typeof x === 'string'))) {
    return 'params.message.extensions must be a list of strings';
  }
  if (!optObj(params, 'metadata')) return 'params.metadata must be an object';
  const c = params.configuration;
  if (c !== undefined && c !== null) {
    if (!isObj(c)) return 'params.configuration must be an object';
    if (!optInt(c, 'historyLength')) return 'params.configuration.historyLength must be an integer';
    if (!optBool(c, 'blocking') || !optBool(c, 'returnImmediately')) return 'params.configuration.blocking and returnImmediately must be booleans';
    if (c.acceptedOutputModes !== undefined && !(Array.isArray(c.acceptedOutputModes) && c.acceptedOutputModes.every((x) => typeof x === 'string'))) {
      return 'params.configuration.acceptedOutputModes must be a list of strings';
    }
    const push = legacy ? c.pushNotificationConfig : c.taskPushNotificationConfig;
    if (push !== undefined && push !== null && (!isObj(push) || typeof push.url !== 'string')) {
      return `params.configuration.${legacy ? 'pushNotificationConfig' : 'taskPushNotificationConfig'}.url must be a string`;
    }
  }
  return null;
}

function checkId(params: Obj, field: string): string | null {
  const v = params[field];
  return typeof v === 'string' && v !== '' && v.length <= 256 ? null : `params.${field} must be a non-empty string of at most 256 characters`;
}

/** Returns a problem naming the field, or null. `method` is the 1.0 name. */
export function paramsProblem(method: string, legacy: boolean, raw: unknown): string | null {
  if (method === 'GetExtendedAgentCard') return null;
  if (!isObj(raw)) return 'params must be an object';
  const p = raw;
  if (!optString(p, 'tenant')) return 'params.tenant must be a string';
  switch (method) {
    case 'SendMessage':
    case 'SendStreamingMessage':
      return checkMessage(p, legacy);
    case 'GetTask':
      return checkId(p, 'id') ?? (optInt(p, 'historyLength') ? null : 'params.historyLength must be an integer');
    case 'CancelTask':
    case 'SubscribeToTask':
      return checkId(p, 'id') ?? (optObj(p, 'metadata') ? null : 'params.metadata must be an object');
    case 'ListTasks':
      if (!optInt(p, 'pageSize') || !optInt(p, 'historyLength')) return 'params.pageSize and historyLength must be integers';
      for (const k of ['contextId', 'pageToken', 'statusTimestampAfter']) if (!optString(p, k)) return `params.${k} must be a string`;
      if (p.status !== undefined && typeof p.status !== 'string' && typeof p.status !== 'number') return 'params.status must be a task state';
      return optBool(p, 'includeArtifacts') ? null : 'params.includeArtifacts must be a boolean';
    case 'CreateTaskPushNotificationConfig':
      if (legacy) {
        if (!isObj(p.pushNotificationConfig) || typeof p.pushNotificationConfig.url !== 'string') {
          return 'params.pushNotificationConfig.url must be a string';
        }
        return checkId(p, 'taskId');
      }
      if (typeof p.url !== 'string') return 'params.url must be a string';
      if (!optString(p, 'token') || !optObj(p, 'authentication')) return 'params.token must be a string and authentication an object';
      return checkId(p, 'taskId');
    case 'GetTaskPushNotificationConfig':
    case 'DeleteTaskPushNotificationConfig':
      if (legacy) return checkId(p, 'id') ?? (optString(p, 'pushNotificationConfigId') ? null : 'params.pushNotificationConfigId must be a string');
      return checkId(p, 'taskId') ?? checkId(p, 'id');
    case 'ListTaskPushNotificationConfigs':
      return legacy ? checkId(p, 'id') : checkId(p, 'taskId');
    default:
      return null;
  }
}
