import { basicAuthMatches } from './basic-auth';

const expected = { user: 'ops', password: 'a long dashboard password' };
const header = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('basicAuthMatches', () => {
  it('accepts the right user and password, with any case of the scheme', () => {
    expect(basicAuthMatches(header('ops:a long dashboard password'), expected)).toBe(true);
    expect(
      basicAuthMatches(header('ops:a long dashboard password').replace('Basic', 'basic'), expected),
    ).toBe(true);
  });

  it('keeps colons in the password (only the first colon separates)', () => {
    expect(basicAuthMatches(header('ops:p:a:s:s'), { user: 'ops', password: 'p:a:s:s' })).toBe(
      true,
    );
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Bearer abc'],
    ['a wrong password', header('ops:a long dashboard passworD')],
    ['a wrong user', header('root:a long dashboard password')],
    ['a prefix of the password', header('ops:a long')],
    ['no colon', header('opsa long dashboard password')],
    ['garbage base64', 'Basic !!!'],
    ['an empty user and password', header(':')],
  ])('refuses %s', (_label, value) => {
    expect(basicAuthMatches(value, expected)).toBe(false);
  });
});
