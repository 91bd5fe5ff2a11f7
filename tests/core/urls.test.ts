/** safeHref: which stored URLs may become links. */
import { describe, expect, it } from 'vitest';
import { safeHref } from '../../core/urls';

describe('safeHref', () => {
  it('keeps absolute http(s) URLs and same-site paths', () => {
    for (const url of ['https://github.com/o/r/tree/log/x', 'HTTP://example.org/a?b=1', '/logs/mi30x/20251130/sanity_check_nightly.log']) {
      expect(safeHref(url)).toBe(url);
    }
  });

  it('refuses every other scheme, protocol-relative paths and URLs browsers would rewrite', () => {
    const refused = [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      '\u0001javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      '//evil.example/x',
      '/\\evil.example/x',
      '/\t/evil.example/x',
      'https:/\\evil.example',
      'github.com/o/r',
      '',
      null,
      undefined,
    ];
    for (const url of refused) expect(safeHref(url), JSON.stringify(url)).toBeNull();
  });
});
