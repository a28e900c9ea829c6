// ListTasks semantics shared by the stores that filter in process (A2A §3.1.4): only the
// caller's tasks, newest status first (ties by id), cursor pagination, totalSize before paging.
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { ListTasksRequest } from '@a2a-js/sdk';
import { decodePageToken, encodePageToken } from './task-store.js';

export interface TaskMeta {
  id: string;
  at: number;
  contextId: string;
  state: number;
}

export const DEFAULT_PAGE_SIZE = 50;

export function selectPage<T extends TaskMeta>(metas: T[], params: ListTasksRequest): { page: T[]; totalSize: number; nextPageToken: string } {
  const after = params.statusTimestampAfter ? Date.parse(params.statusTimestampAfter) : undefined;
  const filtered = metas.filter(
    (m) =>
      (!params.contextId || m.contextId === params.contextId) &&
      (!params.status || m.state === params.status) &&
      (after === undefined || m.at > after),
  );
  filtered.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  let start = 0;
  if (params.pageToken) {
    const cursor = decodePageToken(params.pageToken);
    if (!cursor) throw new RequestMalformedError('pageToken is not valid');
    start = filtered.findIndex((m) => m.at < cursor.at || (m.at === cursor.at && m.id < cursor.id));
    if (start === -1) start = filtered.length;
  }
  const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
  const page = filtered.slice(start, start + pageSize);
  const last = page[page.length - 1];
  const more = start + pageSize < filtered.length;
  return { page, totalSize: filtered.length, nextPageToken: more && last ? encodePageToken({ at: last.at, id: last.id }) : '' };
}
