import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/**
 * `reflector.getAllAndOverride(key, [handler, class])`, read once per route: decorators are
 * fixed once the classes are defined, and reflect-metadata walks prototype chains on every
 * read. Keyed by handler and then class, since a handler inherited by two controllers can
 * carry different class metadata.
 */
export function routeMetadata<T>(
  reflector: Reflector,
  key: string,
): (context: ExecutionContext) => T | undefined {
  const byHandler = new WeakMap<object, Map<object, T | undefined>>();
  return (context) => {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byClass = byHandler.get(handler);
    if (!byClass) {
      byClass = new Map();
      byHandler.set(handler, byClass);
    }
    if (byClass.has(controller)) return byClass.get(controller);
    const value = reflector.getAllAndOverride<T | undefined>(key, [handler, controller]);
    byClass.set(controller, value);
    return value;
  };
}
