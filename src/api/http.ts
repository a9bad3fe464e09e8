// What every route module shares: an error with an HTTP status for handlers, and the schema
// fragments for error responses and bearer auth in the OpenAPI document.
import { Type } from '@sinclair/typebox';

/** An error with an HTTP status, for handlers. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Error responses (the shared `Error` schema) for the given status codes. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Type.Ref('Error')]));

/** The route needs `Authorization: Bearer <token>`. */
export const secured = { security: [{ bearer: [] }] };
