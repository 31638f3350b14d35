namespace CertFleet.Providers.Vault;

/// <summary>A Vault client token from a login, and its lease (zero: the token does not expire).</summary>
public sealed record VaultToken(string ClientToken, TimeSpan LeaseDuration);
