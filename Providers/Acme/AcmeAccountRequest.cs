namespace CertFleet.Providers.Acme;

/// <summary>The newAccount payload. <see cref="Contact"/> holds bare e-mail addresses or <c>mailto:</c> URLs.</summary>
public sealed record AcmeAccountRequest
{
    public IReadOnlyList<string> Contact { get; init; } = [];

    public bool TermsOfServiceAgreed { get; init; }

    /// <summary>Only look the key's account up; an unknown key gets <c>accountDoesNotExist</c> instead of a new account.</summary>
    public bool OnlyReturnExisting { get; init; }

    public AcmeExternalAccountBinding? ExternalAccountBinding { get; init; }
}
