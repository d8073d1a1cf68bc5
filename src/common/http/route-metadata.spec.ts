import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { routeMetadata } from './route-metadata';

const KIND = 'kind';

@SetMetadata(KIND, 'class')
class Base {
  @SetMetadata(KIND, 'handler')
  marked() {}
  plain() {}
}
class Plain {
  plain() {}
}
/** Inherits Base's handlers but declares its own class metadata. */
@SetMetadata(KIND, 'child')
class Child extends Base {}

function contextOf(controller: object, handler: (...args: never[]) => unknown) {
  return { getHandler: () => handler, getClass: () => controller } as unknown as ExecutionContext;
}

describe('routeMetadata', () => {
  it('answers as getAllAndOverride: handler over class, undefined when neither has it', () => {
    const kind = routeMetadata<string>(new Reflector(), KIND);
    expect(kind(contextOf(Base, Base.prototype.marked))).toBe('handler');
    expect(kind(contextOf(Base, Base.prototype.plain))).toBe('class');
    expect(kind(contextOf(Plain, Plain.prototype.plain))).toBeUndefined();
  });

  it('keeps one answer per handler and class, including an inherited handler', () => {
    const reflector = new Reflector();
    const read = vi.spyOn(reflector, 'getAllAndOverride');
    const kind = routeMetadata<string>(reflector, KIND);
    expect(kind(contextOf(Base, Base.prototype.plain))).toBe('class');
    expect(kind(contextOf(Child, Base.prototype.plain))).toBe('child');
    expect(kind(contextOf(Plain, Plain.prototype.plain))).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      expect(kind(contextOf(Base, Base.prototype.plain))).toBe('class');
      expect(kind(contextOf(Child, Base.prototype.plain))).toBe('child');
      expect(kind(contextOf(Plain, Plain.prototype.plain))).toBeUndefined();
    }
    expect(read).toHaveBeenCalledTimes(3);
  });
});
