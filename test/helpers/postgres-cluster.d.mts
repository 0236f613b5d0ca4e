/** A throwaway PostgreSQL cluster (see postgres-cluster.mjs). */
export interface Cluster {
  url: string;
  port: number;
  dir: string;
  stop(): void;
  restart(): void;
  stopNow(): void;
}
export function postgresBinDir(): string | null;
export function startCluster(options?: { password?: string }): Promise<Cluster>;
