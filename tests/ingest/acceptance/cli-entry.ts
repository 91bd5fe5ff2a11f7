// Runs the CLI from source in a child process (`node --import tsx cli-entry.ts …`), so tests need no build.
import { main } from '../../../cli/main';

main(process.argv).then((code) => {
  process.exitCode = code;
});
