import { expect } from 'vitest';
import { ValidationError } from '../../src/errors.js';

/** The detail paths of the ValidationError `fn` throws; fails the test when it throws nothing else. */
export function validationPaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details.map((d) => d.path);
  }
  throw new Error('expected a ValidationError');
}

/** The first detail path of the ValidationError `fn` throws. */
export function validationPath(fn: () => unknown): string | undefined {
  return validationPaths(fn)[0];
}
