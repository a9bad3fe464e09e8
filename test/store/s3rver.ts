// Starts a real S3-protocol server (s3rver) in-process on 127.0.0.1 for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type S3rverInstance = { run(): Promise<{ address: string; port: number }>; close(): Promise<void> };
// s3rver ships no type declarations; this is the part of its API the tests use.
const S3rver = createRequire(import.meta.url)('s3rver') as new (o: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}) => S3rverInstance;

export interface RunningS3 {
  endpoint: string;
  close(): Promise<void>;
}

export async function startS3rver(): Promise<RunningS3> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
