import type { Clock } from "../deps.ts";
import type { ConfigMapSource, SecretSource } from "../policy/index.ts";
import { engineError } from "./errors.ts";

type ObjectSource<T> = { get(namespace: string, name: string): Promise<T | undefined> };

/**
 * `source` with every lookup bounded by the clock time `until`: a ConfigMap
 * or Secret that does not come in time fails its rule (`DEADLINE_EXCEEDED`)
 * instead of holding the admission past its deadline.
 */
function bounded<T>(
  source: ObjectSource<T>,
  kind: string,
  clock: Clock,
  until: number,
): ObjectSource<T> {
  return {
    async get(namespace: string, name: string): Promise<T | undefined> {
      const timer = new AbortController();
      const expired = clock.sleep(Math.max(0, until - clock.now()), timer.signal).then(() => {
        throw engineError(
          "DEADLINE_EXCEEDED",
          `${kind} ${namespace}/${name} was not loaded within the admission's time budget`,
        );
      });
      try {
        return await Promise.race([source.get(namespace, name), expired]);
      } finally {
        timer.abort();
        expired.catch(() => undefined);
      }
    },
  };
}

export const boundedConfigMaps = (
  source: ConfigMapSource,
  clock: Clock,
  until: number,
): ConfigMapSource => bounded(source, "ConfigMap", clock, until);

export const boundedSecrets = (source: SecretSource, clock: Clock, until: number): SecretSource =>
  bounded(source, "Secret", clock, until);
