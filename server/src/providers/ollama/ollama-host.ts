/**
 * OLLAMA_HOST as a base URL. Ollama's own CLI accepts `host`, `host:port` and full URLs, defaulting to plain
 * HTTP on port 11434; we accept the same spellings.
 */
export function normalizeOllamaHost(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) {
    return trimmed;
  }
  return /:\d+$/.test(trimmed) ? `http://${trimmed}` : `http://${trimmed}:11434`;
}
