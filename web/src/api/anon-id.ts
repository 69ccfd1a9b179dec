const storageKey = 'parley.anonId';

// crypto.randomUUID exists only in secure contexts; a self-hosted Parley is often reached over plain http.
export function newUuid(): string {
  if (typeof crypto.randomUUID === 'function') {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The anonymous principal of this browser: made once, kept in localStorage, sent as `x-anon-id`. */
export function getAnonId(): string {
  const existing = localStorage.getItem(storageKey);
  if (existing) {
    return existing;
  }
  const created = newUuid();
  localStorage.setItem(storageKey, created);
  return created;
}
