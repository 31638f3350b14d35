namespace CertFleet.Providers.Acme;

/// <summary>What a caller should do about a problem (acme.md §1 error table).</summary>
public enum AcmeProblemAction
{
    /// <summary>Transient and already handled by the client (badNonce); retrying at once is fine.</summary>
    RetryNow,

    /// <summary>Rate limited or load-shed: wait until Retry-After, never sooner.</summary>
    WaitForRetryAfter,

    /// <summary>Server-side trouble: retry later with exponential backoff.</summary>
    BackOff,

    /// <summary>Validation failed (DNS, HTTP, CAA…): the user must fix something; back off meanwhile.</summary>
    FixConfiguration,

    /// <summary>The account is gone: register again.</summary>
    ReRegister,

    /// <summary>The request itself is refused; repeating it cannot succeed.</summary>
    Permanent,

    /// <summary>The client called things out of order (orderNotReady, alreadyRevoked): a bug in the flow.</summary>
    FlowError,
}
