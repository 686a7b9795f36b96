// The error a provider's configuration raises when it names something that cannot be built: a
// code of the shared table ("internal": the deployment, not the caller, is wrong), logged in full
// and answered as a generic 500 that leaks nothing of the configuration.
import { CodedError } from "@memos-edge/errors";

export class ConfigError extends CodedError<"internal"> {
  override readonly name: string = "ConfigError";
  constructor(message: string) {
    super("internal", message);
  }
}
