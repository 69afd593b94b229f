/**
 * What signing needs beyond the database: the key vault (master key) and the archive's file
 * store, both derived from the configuration. One instance per configuration, so the master
 * key is read once per process.
 */
import type { Config } from "../../config";
import type { ServiceContext } from "../context";
import { ArchiveStore } from "./archive.store";
import { KeyVault } from "./key-vault";

export interface SigningServices {
  vault: KeyVault;
  archive: ArchiveStore;
}

/** A service context that can sign and archive. */
export interface SigningContext extends ServiceContext {
  signing: SigningServices;
}

type SigningConfig = Pick<Config, "signingKey" | "signingKeyFile" | "archiveDir" | "databaseUrl">;

const instances = new Map<string, SigningServices>();

export function signingServicesFor(config: SigningConfig): SigningServices {
  const key = JSON.stringify([
    config.signingKey ?? "",
    config.signingKeyFile,
    config.archiveDir,
    !config.databaseUrl,
  ]);
  let services = instances.get(key);
  if (!services) {
    services = {
      vault: new KeyVault({
        signingKey: config.signingKey,
        signingKeyFile: config.signingKeyFile,
        embedded: !config.databaseUrl,
      }),
      archive: new ArchiveStore(config.archiveDir),
    };
    instances.set(key, services);
  }
  return services;
}

export function withSigning(ctx: ServiceContext, config: SigningConfig): SigningContext {
  return { ...ctx, signing: signingServicesFor(config) };
}
