using CertFleet.Interfaces.Grains;

namespace CertFleet.Grains.State;

/// <summary>Durable progress of one ACME order: URLs, authorizations and their challenges, the outcome.</summary>
[GenerateSerializer, Alias("certfleet.OrderState")]
public sealed record OrderState
{
    [Id(0)] public OrderWork? Work { get; set; }
    [Id(1)] public string? ResourceUid { get; set; }
    [Id(2)] public string? OrderUrl { get; set; }
    [Id(3)] public string? FinalizeUrl { get; set; }
    [Id(4)] public string? CertificateUrl { get; set; }
    /// <summary>cert-manager's Order state string (pending, ready, processing, valid, invalid, errored).</summary>
    [Id(5)] public string State { get; set; } = "";
    [Id(6)] public string? Reason { get; set; }
    [Id(7)] public List<AuthorizationProgress> Authorizations { get; set; } = [];
    [Id(8)] public string? ChainPem { get; set; }
    [Id(9)] public DateTimeOffset? FailureTime { get; set; }
    /// <summary>Set once the CertificateRequest has been told the final outcome.</summary>
    [Id(10)] public bool Reported { get; set; }
    /// <summary>newOrder was answered 429: when the CA allows the next attempt.</summary>
    [Id(20)] public DateTimeOffset? RetryAt { get; set; }
    /// <summary>
    /// Set just before newOrder is sent and kept until its answer is recorded: with no <see cref="OrderUrl"/> it means
    /// the CA may have created an order whose answer was lost (a crash in between), to be looked for before ordering again.
    /// </summary>
    [Id(11)] public bool NewOrderSent { get; set; }
    /// <summary>When the unanswered newOrder was sent: a listing of the account's orders made after it shows its order.</summary>
    [Id(12)] public DateTimeOffset? NewOrderSentAt { get; set; }
    /// <summary>
    /// The work names a certificate to replace but the order went without "replaces" (no ARI at the CA, or it refused
    /// the replacement): it is an ordinary order, and the rate-limit budgets count it.
    /// </summary>
    [Id(21)] public bool ReplacesNotSent { get; set; }
}

[GenerateSerializer, Alias("certfleet.AuthorizationProgress")]
public sealed record AuthorizationProgress
{
    [Id(0)] public required string Url { get; init; }
    [Id(1)] public string? Identifier { get; set; }
    [Id(2)] public bool Wildcard { get; set; }
    [Id(3)] public string? InitialState { get; set; }
    [Id(4)] public string? ChallengeName { get; set; }
    [Id(5)] public string? ChallengeUrl { get; set; }
    [Id(6)] public string? ChallengeToken { get; set; }
    [Id(7)] public string? ChallengeType { get; set; }
}
