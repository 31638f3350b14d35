namespace CertFleet.Providers.Pki;

/// <summary>
/// <c>spec.keystores.pkcs12.profile</c>: how keystore.p12 and truststore.p12 are encrypted.
/// See <see cref="Keystores"/> for what each maps to here.
/// </summary>
public enum Pkcs12Profile
{
    LegacyRC2,
    LegacyDES,
    Modern2023,
    Modern2026,
}

public static class Pkcs12Profiles
{
    /// <summary>The profile named by the spec; null or empty means cert-manager's default, LegacyRC2.</summary>
    public static Pkcs12Profile FromSpec(string? profile) => profile switch
    {
        null or "" or nameof(Pkcs12Profile.LegacyRC2) => Pkcs12Profile.LegacyRC2,
        nameof(Pkcs12Profile.LegacyDES) => Pkcs12Profile.LegacyDES,
        nameof(Pkcs12Profile.Modern2023) => Pkcs12Profile.Modern2023,
        nameof(Pkcs12Profile.Modern2026) => Pkcs12Profile.Modern2026,
        _ => throw new PkiException(
            $"spec.keystores.pkcs12.profile: \"{profile}\" is not supported; use LegacyRC2, LegacyDES, Modern2023 or Modern2026"),
    };
}
