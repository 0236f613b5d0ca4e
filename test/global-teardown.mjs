// Stops the test run's PostgreSQL cluster and removes its folder.
export default async function globalTeardown() {
  globalThis.__ENROLLSY_PG__?.stop();
}
