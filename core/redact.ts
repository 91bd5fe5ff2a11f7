/**
 * Secret redaction: one table of rules applied to any text before it is printed, logged, stored or
 * sent to a client. Every pattern is linear (no nested or overlapping quantifiers), so a hostile
 * multi-megabyte line costs one pass per rule.
 */

/** Names of the settings whose values are secrets (config.ts re-exports them as SECRET_SETTINGS). */
export const SECRET_SETTING_NAMES = ['GITHUB_TOKEN', 'ADMIN_TOKEN', 'TEAMS_WEBHOOK_URL'] as const;

export interface RedactionRule {
  readonly name: string;
  readonly pattern: RegExp;
  readonly replacement: string;
}

/**
 * A secret value: it ends at whitespace, a quote, a separator or markup. One that an earlier rule
 * already redacted (`token=ghp_***`) is left as it is, so the kind of secret stays readable.
 */
const VALUE = `(?![^\\s"'&,;<>]*\\*\\*\\*)[^\\s"'&,;<>]+`;
/** `=` or `:` between a key and its value on one line, optionally quoted (`KEY=v`, `key: v`, `"key": "v"`). */
const ASSIGN = `["']?[ \\t]*[=:][ \\t]*["']?`;

export const REDACTION_RULES: readonly RedactionRule[] = [
  { name: 'URL credentials', pattern: /(https?:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, replacement: '$1***@' },
  { name: 'signed URL sig=', pattern: /([?&]sig=)[^&\s"'<>]+/gi, replacement: '$1***' },
  { name: 'Teams webhook flag', pattern: /(--teams-webhook-url[= ])\S+/gi, replacement: '$1***' },
  // outlook.webhook.office.com and <tenant>.webhook.office.com: the path is the credential.
  { name: 'Teams incoming webhook URL', pattern: /(webhook\.office\.com\/webhookb2\/)[^\s"'<>]+/gi, replacement: '$1***' },
  { name: 'Teams legacy webhook URL', pattern: /(outlook\.office(?:365)?\.com\/webhook\/)[^\s"'<>]+/gi, replacement: '$1***' },
  // Power Automate / Logic Apps workflow URLs (prod-NN.<region>.logic.azure.com/workflows/<id>/…?sig=…).
  { name: 'Azure workflow URL', pattern: /(\.logic\.azure\.com(?::\d+)?\/workflows\/)[^\s"'<>]+/gi, replacement: '$1***' },
  { name: 'Authorization header', pattern: /(authorization:[ \t]*(?:(?:bearer|basic|token)[ \t]+)?)[A-Za-z0-9+/=._~-]{8,}/gi, replacement: '$1***' },
  { name: 'GitHub token', pattern: /\b(ghp_|gho_|ghs_|ghu_|ghr_|github_pat_)[A-Za-z0-9_]{10,}/g, replacement: '$1***' },
  { name: 'git x-access-token', pattern: /(x-access-token:)[^@\s"']+/gi, replacement: '$1***' },
  {
    name: 'secret setting assignment',
    pattern: new RegExp(`\\b((?:${SECRET_SETTING_NAMES.join('|')})${ASSIGN})${VALUE}`, 'gi'),
    replacement: '$1***',
  },
  { name: 'password assignment', pattern: new RegExp(`\\b([A-Za-z0-9_]*passw(?:or)?d${ASSIGN})${VALUE}`, 'gi'), replacement: '$1***' },
  // Only `=` for the generic names: "output token: 1234" is a benchmark figure, not a secret.
  {
    name: 'token or secret assignment',
    pattern: new RegExp(`\\b((?:access_|auth_|api_|client_|refresh_|session_|private_)?(?:token|secret)["']?[ \\t]*=[ \\t]*["']?)${VALUE}`, 'gi'),
    replacement: '$1***',
  },
  { name: 'AWS access key id', pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, replacement: '$1***' },
  { name: 'AWS secret access key', pattern: new RegExp(`\\b(aws_secret_access_key${ASSIGN})${VALUE}`, 'gi'), replacement: '$1***' },
];

/** Removes credentials from any text before it is printed, logged, stored or sent to a client. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const rule of REDACTION_RULES) out = out.replace(rule.pattern, rule.replacement);
  return out;
}
