/** Takes the shared lock, says so by creating `heldFlag`, and holds it until `releaseFlag` exists. */
import fs from 'node:fs';
import { withLock } from '../../database/lock';

const [lockFile, heldFlag, releaseFlag] = process.argv.slice(2);
void withLock(lockFile, 'test holder', 60_000, async () => {
  fs.writeFileSync(heldFlag, String(process.pid));
  while (!fs.existsSync(releaseFlag)) await new Promise((r) => setTimeout(r, 20));
});
