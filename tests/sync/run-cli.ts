/** Runs the real CLI in a child process (tests spawn it with tsx to capture stdout, stderr and the exit code). */
import { main } from '../../cli/main';

void main(process.argv).then((code) => {
  process.exitCode = code;
});
