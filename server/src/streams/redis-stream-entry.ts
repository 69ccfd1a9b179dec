import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';

/** An event as the fields of a Redis stream entry: its type, and its data as JSON. */
export function toEntryFields(event: StreamEvent): string[] {
  return ['type', event.type, 'data', JSON.stringify(event.data)];
}

/** Reads back an entry written by `toEntryFields`; throws on anything else. */
export function fromEntry(id: string, fields: string[]): LoggedEvent {
  let type: string | undefined;
  let data: string | undefined;
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === 'type') {
      type = fields[index + 1];
    } else if (fields[index] === 'data') {
      data = fields[index + 1];
    }
  }
  if (type === undefined || data === undefined) {
    throw new Error(`Stream entry ${id} has no type or no data field.`);
  }
  // The log is written only by toEntryFields, so the pair is a StreamEvent by construction.
  return { id, event: { type, data: JSON.parse(data) } as StreamEvent };
}
