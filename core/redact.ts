/** Removes credentials from any text before it is printed, logged, stored or sent to a client. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(https?:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, '$1***@')
    .replace(/([?&]sig=)[^&\s"'<>]+/gi, '$1***')
    .replace(/(--teams-webhook-url[= ])\S+/gi, '$1***')
    .replace(/(authorization:\s*(?:bearer|basic|token)?\s*)[A-Za-z0-9+/=._~-]{8,}/gi, '$1***')
    .replace(/\b(ghp_|gho_|ghs_|github_pat_)[A-Za-z0-9_]{10,}/g, '$1***')
    .replace(/(x-access-token:)[^@\s"']+/gi, '$1***');
}
