/** Contends for the shared lock and increments a counter file non-atomically while holding it. */
import fs from 'node:fs';
import { withLock } from '../../database/lock';

const [lockFile, counter, rounds] = process.argv.slice(2);
void (async () => {
  for (let i = 0; i < Number(rounds); i++) {
    await withLock(lockFile, 'test', 60_000, async () => {
      const n = Number(fs.readFileSync(counter, 'utf8'));
      await new Promise((r) => setTimeout(r, 5));
      fs.writeFileSync(counter, String(n + 1));
    });
  }
})();
