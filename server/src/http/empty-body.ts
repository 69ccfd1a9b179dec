import type { FastifyRequest } from 'fastify';

/** For POSTs whose body is all optional: no body at all reads as `{}`, instead of failing the schema. */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}
