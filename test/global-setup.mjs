// Starts one throwaway PostgreSQL cluster for the whole test run; each test makes its own
// database in it. In CI the PostgreSQL suite must run: missing binaries fail the run there.
import { postgresBinDir, startCluster } from './helpers/postgres-cluster.mjs';

export default async function globalSetup() {
  if (!postgresBinDir()) {
    if (process.env.CI) throw new Error('PostgreSQL server binaries are missing; .ci/run installs Debian\'s postgresql package');
    process.stderr.write('\n! PostgreSQL server binaries not found: the PostgreSQL half of the suite is skipped (apt-get install postgresql).\n');
    return;
  }
  const cluster = await startCluster();
  globalThis.__ENROLLSY_PG__ = cluster;
  process.env.ENROLLSY_TEST_PG_URL = cluster.url;
  process.env.ENROLLSY_TEST_PG_DIR = cluster.dir;
}
