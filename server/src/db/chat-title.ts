import { UNTITLED_CHAT_TITLE } from './schema.ts';

const TITLE_LENGTH = 60;
/** Enough of a first prompt to find its first line, without reading a long paste whole. */
export const PROMPT_HEAD_CHARS = 2000;

/** A chat's name from its first prompt: the first line, shortened to fit a sidebar. */
export function titleFrom(content: string): string {
  const line = content.trim().split('\n')[0]?.trim() ?? '';
  return line.length > TITLE_LENGTH ? `${line.slice(0, TITLE_LENGTH - 1)}…` : line || UNTITLED_CHAT_TITLE;
}
