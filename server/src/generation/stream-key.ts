/**
 * The stream log key of a generation: seed 004's `user:{userId}:chat:{chatId}` with one stream per
 * generation. The owner is the Redis Cluster hash tag, so all of a user's streams share a slot.
 */
export function streamKeyOf(generation: { ownerId: string; chatId: string; streamId: string }): string {
  return `user:{${generation.ownerId}}:chat:${generation.chatId}:${generation.streamId}`;
}
