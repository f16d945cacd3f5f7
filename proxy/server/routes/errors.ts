// Error bodies (ApiError), in one shape for every route and for the app's error handler.
import { STATUS_CODES } from 'node:http';
import type { ApiError } from '../../../shared/api/dto.js';

export function apiError(statusCode: number, message: string): ApiError {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export const notFound = (message: string) => apiError(404, message);
