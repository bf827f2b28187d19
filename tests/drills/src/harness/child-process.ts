import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../child-till.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A till process (src/child-till.ts) and the JSON lines it prints. */
export interface ChildTill {
  readonly process: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** resolves with the exit code (null when killed) */
  readonly exited: Promise<number | null>;
  /** the child's stderr so far, for a failure message */
  stderr(): string;
}

export function spawnTill(dir: string, url: string, mode: 'sell'): ChildTill {
  const child = spawn(process.execPath, ['--conditions=@tillkit/source', '--import', 'tsx', CHILD, dir, url, mode], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not one of ours
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, lines, exited, stderr: () => stderr };
}
