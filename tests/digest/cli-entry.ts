/** Runs the CLI from source (spawned through `node --import tsx`), like bin/ci-dash.js runs dist/. */
import { main } from '../../cli/main';

main(process.argv).then((code) => {
  process.exitCode = code;
});
