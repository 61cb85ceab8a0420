import type { Clock } from "../deps.ts";
import type { ConfigMap, ConfigMapSource } from "../policy/index.ts";
import { engineError } from "./errors.ts";

/**
 * `source` with every lookup bounded by the clock time `until`: a ConfigMap
 * that does not come in time fails its rule (`DEADLINE_EXCEEDED`) instead of
 * holding the admission past its deadline.
 */
export function boundedConfigMaps(
  source: ConfigMapSource,
  clock: Clock,
  until: number,
): ConfigMapSource {
  return {
    async get(namespace: string, name: string): Promise<ConfigMap | undefined> {
      const timer = new AbortController();
      const expired = clock.sleep(Math.max(0, until - clock.now()), timer.signal).then(() => {
        throw engineError(
          "DEADLINE_EXCEEDED",
          `ConfigMap ${namespace}/${name} was not loaded within the admission's time budget`,
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
