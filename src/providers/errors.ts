// Errors raised by model providers; the API maps them to 503 upstream_unavailable.

export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    readonly retryable = true,
  ) {
    super(`${provider}: ${message}`);
    this.name = "ProviderError";
  }
}
