import { createChats } from './create-chats.ts';

export interface CreateChatsJob {
  kind: 'create-chats';
  url: string;
  headers: Record<string, string>;
  count: number;
}

/** Chats made ahead of a measured load, so that their writes fall outside it. */
export async function runCreateChats(job: CreateChatsJob): Promise<{ chatIds: string[] }> {
  return { chatIds: await createChats(job.url, job.headers, job.count) };
}
