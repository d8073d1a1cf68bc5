import { ERROR_STATUS, ErrorCode } from '../../src/common/errors/error-code';

/**
 * Asserts an error answer by its code: the status the contract gives that code, and the
 * envelope naming it. A status alone would also pass for another error of the same status.
 */
export function expectError(res: { statusCode: number; json(): unknown }, code: ErrorCode): void {
  expect(res.statusCode).toBe(ERROR_STATUS[code]);
  expect(res.json()).toMatchObject({ success: false, error: { code } });
}
