import { registerUser, TEST_PASSWORD, uniqueEmail } from './factories/users';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';

/** UsersRepository.insert translates the unique index's 23505 into EmailTakenError. */
describe('a taken email', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const register = (email: string) =>
    t.request({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password: TEST_PASSWORD, displayName: 'Twin' },
    });

  it('is 409 with the account message, not the generic unique-value one', async () => {
    const user = await registerUser(t);
    const res = await register(user.email);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'CONFLICT',
      message: 'An account with this email already exists.',
    });
  });

  it('lets one of two concurrent registrations win; the other writes nothing', async () => {
    const email = uniqueEmail();
    const answers = await Promise.all([register(email), register(email)]);
    expect(answers.map((res) => res.statusCode).sort()).toEqual([201, 409]);
    const loser = answers.find((res) => res.statusCode === 409)!;
    expect(loser.json().error.message).toBe('An account with this email already exists.');
    const rows = await sql(
      t,
      `SELECT count(*)::int AS n FROM ledger_entries l JOIN users u ON u.id = l.user_id
       WHERE u.email = $1`,
      [email],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });
});
