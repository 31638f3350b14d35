namespace CertFleet.Interfaces.Api;

/// <summary>ACME states of an Order or Challenge (RFC 8555 plus cert-manager's <c>errored</c>).</summary>
public static class OrderStates
{
    public const string Valid = "valid";
    public const string Ready = "ready";
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Invalid = "invalid";
    public const string Expired = "expired";
    public const string Errored = "errored";

    /// <summary>The states after which nothing more happens to an Order or Challenge.</summary>
    public static bool IsFinal(string? state) => state is Valid or Invalid or Expired or Errored;
}

/// <summary>Challenge.spec.type values.</summary>
public static class ChallengeTypes
{
    public const string Http01 = "HTTP-01";
    public const string Dns01 = "DNS-01";
}

public static class Finalizers
{
    /// <summary>Held on a Challenge until its solver is cleaned up.</summary>
    public const string Acme = "acme.cert-manager.io/finalizer";

    /// <summary>Older cert-manager's spelling of <see cref="Acme"/>: never added, removed from a Challenge being deleted.</summary>
    public const string AcmeLegacy = "finalizer.acme.cert-manager.io";
}
