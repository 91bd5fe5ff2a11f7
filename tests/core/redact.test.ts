/**
 * redactSecrets, one case per rule of REDACTION_RULES. The fake secrets are assembled at run time
 * (see tests/helpers/fixtures.ts) so that no committed file holds a secret-shaped literal.
 */
import { describe, expect, it } from 'vitest';
import { REDACTION_RULES, redactSecrets } from '../../core/redact';
import { FAKE_GITHUB_TOKEN, fakeSigParam } from '../helpers/fixtures';

const join = (...parts: string[]): string => parts.join('');
const FAKE_VALUE = join('s3cr3t', '-value-', '0123456789');
const FAKE_AWS_KEY_ID = join('AKIA', 'ABCDEFGHIJKLMNOP');
const FAKE_AWS_SECRET = join('wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY');
const FAKE_GUID = join('0f1e2d3c', '-4b5a-6978-8796-', 'a5b4c3d2e1f0');

/** Per rule: text holding a fake secret, and what must be left after redaction. */
const CASES: Record<string, { text: string; expected: string }> = {
  'URL credentials': { text: `fetch https://user:${FAKE_VALUE}@github.com/o/r.git`, expected: 'fetch https://***@github.com/o/r.git' },
  'signed URL sig=': { text: `POST https://hooks.example/x?a=1&${fakeSigParam(FAKE_VALUE)}&b=2`, expected: 'POST https://hooks.example/x?a=1&sig=***&b=2' },
  'Teams webhook flag': { text: `send_teams.py --teams-webhook-url ${FAKE_VALUE} --quiet`, expected: 'send_teams.py --teams-webhook-url *** --quiet' },
  'Teams incoming webhook URL': {
    text: `posting to https://contoso.webhook.office.com/webhookb2/${FAKE_GUID}@${FAKE_GUID}/IncomingWebhook/${FAKE_VALUE}/${FAKE_GUID} now`,
    expected: 'posting to https://contoso.webhook.office.com/webhookb2/*** now',
  },
  'Teams legacy webhook URL': { text: `url=https://outlook.office.com/webhook/${FAKE_GUID}@${FAKE_GUID}/IncomingWebhook/x`, expected: 'url=https://outlook.office.com/webhook/***' },
  'Azure workflow URL': {
    text: `"https://prod-42.westus.logic.azure.com:443/workflows/${FAKE_GUID}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=x&sv=1.0&${fakeSigParam(FAKE_VALUE)}"`,
    expected: '"https://prod-42.westus.logic.azure.com:443/workflows/***"',
  },
  'Authorization header': { text: `Authorization: Bearer ${FAKE_VALUE}`, expected: 'Authorization: Bearer ***' },
  'GitHub token': { text: `token ${FAKE_GITHUB_TOKEN} used`, expected: 'token ghp_*** used' },
  'git x-access-token': { text: `credential x-access-token:${FAKE_VALUE} rejected`, expected: 'credential x-access-token:*** rejected' },
  'secret setting assignment': {
    text: join('ADMIN_TOKEN=', FAKE_VALUE, '\nexport GITHUB_TOKEN="', FAKE_VALUE, '"\n{"TEAMS_WEBHOOK_URL": "', FAKE_VALUE, '"}'),
    expected: 'ADMIN_TOKEN=***\nexport GITHUB_TOKEN="***"\n{"TEAMS_WEBHOOK_URL": "***"}',
  },
  'password assignment': {
    text: join('password=', FAKE_VALUE, ' DB_PASSWORD: ', FAKE_VALUE, '\nPASSWORD:\nnext line stays'),
    expected: 'password=*** DB_PASSWORD: ***\nPASSWORD:\nnext line stays',
  },
  'token or secret assignment': {
    text: join('GET /x?token=', FAKE_VALUE, '&page=2 client_secret=', FAKE_VALUE, ' secret = ', FAKE_VALUE),
    expected: 'GET /x?token=***&page=2 client_secret=*** secret = ***',
  },
  'AWS access key id': { text: `key ${FAKE_AWS_KEY_ID} in use`, expected: 'key AKIA*** in use' },
  'AWS secret access key': { text: `aws_secret_access_key = ${FAKE_AWS_SECRET}\nAWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET}`, expected: 'aws_secret_access_key = ***\nAWS_SECRET_ACCESS_KEY=***' },
};

describe('redactSecrets', () => {
  it('has a case for every rule of the table', () => {
    expect(Object.keys(CASES).sort()).toEqual(REDACTION_RULES.map((r) => r.name).sort());
  });

  for (const rule of REDACTION_RULES) {
    it(`rule "${rule.name}" removes the secret`, () => {
      const c = CASES[rule.name];
      expect(c, `no case for rule ${rule.name}`).toBeDefined();
      const out = redactSecrets(c.text);
      expect(out).toBe(c.expected);
      expect(out).not.toContain(FAKE_VALUE);
      // The rule itself does the work: text matched by it.
      expect(new RegExp(rule.pattern.source, rule.pattern.flags.replace('g', '')).test(c.text)).toBe(true);
    });
  }

  it('leaves benchmark figures and server arguments alone', () => {
    const text = [
      '#Output token: 1234',
      'max_new_tokens=256 bucket_time_to_first_token=None kt_max_deferred_experts_per_token=None',
      'Authorization required',
      'tokenizer_path=/models/x secret_sauce: none',
    ].join('\n');
    expect(redactSecrets(text)).toBe(text);
  });

  it('keeps the kind of a secret that an earlier rule already redacted', () => {
    expect(redactSecrets(`token=${FAKE_GITHUB_TOKEN} GITHUB_TOKEN=${FAKE_GITHUB_TOKEN}`)).toBe('token=ghp_*** GITHUB_TOKEN=ghp_***');
  });

  it('is idempotent', () => {
    const all = Object.values(CASES).map((c) => c.text).join('\n');
    const once = redactSecrets(all);
    expect(redactSecrets(once)).toBe(once);
  });

  // A guard against catastrophic backtracking, not a timing target: a quadratic rule would take
  // minutes on these 200 KB near-misses, a linear one takes milliseconds.
  it('stays linear on long near-miss inputs', () => {
    const n = 200_000;
    const shapes = [
      'authorization:' + ' '.repeat(n) + '!',
      'password' + ' '.repeat(n),
      'a_'.repeat(n / 2) + 'password',
      'http://' + 'a'.repeat(n),
      'token' + '\t'.repeat(n) + '=',
      'x.'.repeat(n / 2) + 'webhook.office.com',
      'AKIA'.repeat(n / 4),
    ];
    for (const text of shapes) {
      const started = process.hrtime.bigint();
      redactSecrets(text);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(ms, `slow on a ${text.slice(0, 12)}… input`).toBeLessThan(2000);
    }
  });
});
