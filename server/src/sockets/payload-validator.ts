import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from 'typebox';
import { AppError } from '../app-error.ts';

// allErrors stays off: reporting every error of a hostile payload is a known DoS lever.
const ajv = new Ajv({ coerceTypes: false, useDefaults: true, allErrors: false, strict: false });
addFormats.default(ajv);

/** Compiles `schema` once; the returned function fills defaults and returns the payload, or throws VALIDATION_FAILED. */
export function createPayloadValidator<T extends TSchema>(
  schema: T,
  name: string,
): (payload: unknown) => Static<T> {
  const validate = ajv.compile<Static<T>>(schema);
  return (payload) => {
    if (validate(payload)) {
      return payload;
    }
    const issue = validate.errors?.[0];
    const missing = issue?.params.missingProperty;
    const field = [issue?.instancePath.replace(/^\//, '').replaceAll('/', '.'), missing]
      .filter((part) => typeof part === 'string' && part !== '')
      .join('.');
    throw new AppError('VALIDATION_FAILED', {
      message: `${name}${field ? ` "${field}"` : ''} ${issue?.message ?? 'is invalid'}.`,
      ...(field && { field }),
    });
  };
}
