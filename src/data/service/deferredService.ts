/**
 * The service while its warehouse is still being opened: the TUI draws its first frame with this one and opens
 * the warehouse after it. A call waits for the opening, then goes to the real service; a failed opening fails
 * every call with its error. Config and operator are known before anything is opened.
 */
import type { Config } from '../config.js';
import type { Service } from './service.js';

export function deferredService(config: Config, operator: string, opening: Promise<Service>): Service {
  let opened: Service | undefined;
  // Settled here too, so an opening that fails before any call is not an unhandled rejection.
  opening.then(
    (service) => {
      opened = service;
    },
    () => undefined,
  );
  return {
    config,
    operator,
    call: (async (kind, args, options) => (await opening).call(kind, args, options)) as Service['call'],
    // Nothing can be reading before the warehouse is open.
    cancelReads: async () => opened?.cancelReads(),
    close: async () => {
      const service = opened ?? (await opening.catch(() => undefined));
      await service?.close();
    },
  };
}
