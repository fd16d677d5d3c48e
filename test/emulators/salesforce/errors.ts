import type { EmulatorResponse } from "../shared/server.ts";

/** A record-level error as sObject Collections report it (statusCode, not errorCode). */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export interface SaveResult {
  id?: string;
  success: boolean;
  errors: SaveError[];
  created?: boolean;
}

/** The REST API's error body: always an array. */
export interface RestError {
  message: string;
  errorCode: string;
  fields?: string[];
}

export function restErrors(status: number, errors: RestError[]): EmulatorResponse {
  return { status, body: errors };
}

export function restError(status: number, errorCode: string, message: string, fields?: string[]): EmulatorResponse {
  return restErrors(status, [{ message, errorCode, ...(fields ? { fields } : {}) }]);
}

/** Single-record endpoints answer a failed save with its errors in the REST shape. */
export function saveErrorsAsRest(status: number, errors: SaveError[]): EmulatorResponse {
  return restErrors(
    status,
    errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })),
  );
}

export const saveError = (statusCode: string, message: string, fields: string[] = []): SaveError => ({ statusCode, message, fields });

export const notFound = (): EmulatorResponse => restError(404, "NOT_FOUND", "The requested resource does not exist");

export const REQUEST_LIMIT_EXCEEDED: RestError[] = [{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }];
export const UNKNOWN_EXCEPTION: RestError[] = [{ message: "An unexpected error occurred", errorCode: "UNKNOWN_EXCEPTION" }];
export const INVALID_SESSION: RestError[] = [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }];

/** Thrown by handlers to answer with an error; the route wrapper turns it into a response. */
export class RestFailure extends Error {
  readonly response: EmulatorResponse;

  constructor(response: EmulatorResponse) {
    super(JSON.stringify(response.body));
    this.response = response;
  }
}

export function fail(status: number, errorCode: string, message: string, fields?: string[]): never {
  throw new RestFailure(restError(status, errorCode, message, fields));
}
