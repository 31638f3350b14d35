namespace CertFleet.Providers.Acme;

/// <summary>The directory's optional <c>meta</c> object.</summary>
public sealed record AcmeDirectoryMeta(
    string? TermsOfService,
    bool ExternalAccountRequired,
    IReadOnlyDictionary<string, string> Profiles,
    IReadOnlyList<string> CaaIdentities);
