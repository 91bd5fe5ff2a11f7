/** vitest globalSetup: unpacks the archived fixture trees once, before any test file runs. */
import { ensureFixtures } from './fixture-archives';

export default async function setup(): Promise<void> {
  await ensureFixtures();
}
