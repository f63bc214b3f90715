import type { AwsSession } from "../aws/session.js";
import { ownerBlastRadius } from "../aws/owner-blast-radius.js";
import type { RegionalClients } from "../aws/regional.js";
import type { LookupPort } from "../response/ports.js";
import type { RespondDeps } from "../response/respond.js";

// respond's adapters on one AWS session, for the event paths (Lambda and `respond --event`). Only
// the IAM/STS port is built before containment; CloudTrail, EC2, the blast radius and their SDK
// packages load on first use, after the key is Inactive (as `respond` does).

export interface SessionDeps {
  deps: RespondDeps;
  /** Closes the regional clients made for the investigation. */
  close(): Promise<void>;
}

export async function respondDepsFor(
  session: AwsSession,
  opts: {
    save: RespondDeps["save"];
    log: (line: string) => void;
    now: () => Date;
    endpointUrl?: string | undefined;
    maxAttempts?: number | undefined;
  },
): Promise<SessionDeps> {
  const [{ responseIamPort }, { newIncidentId }] = await Promise.all([
    import("../aws/iam-response.js"),
    import("../response/inputs.js"),
  ]);
  let regional: Promise<{ clients: RegionalClients; lookup: LookupPort }> | undefined;
  const investigation = () =>
    (regional ??= (async () => {
      const [{ regionalClients }, { lookupPort, REAL_PACING }] = await Promise.all([
        import("../aws/regional.js"),
        import("../aws/cloudtrail.js"),
      ]);
      const clients = regionalClients(session, {
        endpointUrl: opts.endpointUrl,
        maxAttempts: opts.maxAttempts,
      });
      const lookup = lookupPort(session, clients, {
        pacing: REAL_PACING,
        warn: (line) => {
          opts.log(`warning: ${line}`);
        },
      });
      return { clients, lookup };
    })());
  const deps: RespondDeps = {
    iam: responseIamPort(session),
    blastRadius: ownerBlastRadius(session),
    lookup: {
      regions: async () => (await investigation()).lookup.regions(),
      lookup: async (region, key, window) => (await investigation()).lookup.lookup(region, key, window),
    },
    now: opts.now,
    newIncidentId,
    log: opts.log,
    save: opts.save,
    // The event paths never remediate (remediate: false), so nothing is ever asked.
    confirm: () => Promise.resolve(false),
  };
  return {
    deps,
    async close() {
      if (regional) (await regional.catch(() => null))?.clients.destroy();
    },
  };
}
