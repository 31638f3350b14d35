namespace CertFleet.Interfaces.Grains;

/// <summary>A grain call whose arguments name objects outside what the grain's key allows; nothing was done.</summary>
[GenerateSerializer, Alias("certfleet.GrainScopeException")]
public sealed class GrainScopeException : Exception
{
    public GrainScopeException(string message) : base(message) { }

    /// <summary>Throws when <paramref name="refusal"/> says why a call is refused.</summary>
    public static void ThrowIf(string? refusal)
    {
        if (refusal is not null)
            throw new GrainScopeException(refusal);
    }
}
