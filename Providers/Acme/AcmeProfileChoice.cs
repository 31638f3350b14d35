namespace CertFleet.Providers.Acme;

/// <summary>
/// Whether to send an issuer's <c>spec.acme.profile</c> in newOrder, decided from the directory's <c>meta.profiles</c>
/// (draft-ietf-acme-profiles): sent only when advertised, since servers without profiles ignore the field silently.
/// </summary>
/// <param name="Profile">The profile to send; null sends none.</param>
/// <param name="Error">Set when the server advertises profiles but not the one asked for: nothing should be ordered.</param>
/// <param name="Ignored">A profile was asked for but the server advertises no profiles at all, so none is sent.</param>
public sealed record AcmeProfileChoice(string? Profile, string? Error, bool Ignored)
{
    public static AcmeProfileChoice For(string? wanted, IReadOnlyDictionary<string, string> advertised)
    {
        ArgumentNullException.ThrowIfNull(advertised);
        if (string.IsNullOrEmpty(wanted))
        {
            return new AcmeProfileChoice(null, null, false);
        }
        if (advertised.Count == 0)
        {
            return new AcmeProfileChoice(null, null, true);
        }
        if (advertised.ContainsKey(wanted))
        {
            return new AcmeProfileChoice(wanted, null, false);
        }
        var offered = string.Join(", ", advertised.Keys.Order(StringComparer.Ordinal).Select(p => $"\"{p}\""));
        return new AcmeProfileChoice(null,
            $"spec.acme.profile: the ACME server does not offer profile \"{wanted}\"; it offers {offered}: set one of those or remove the field",
            false);
    }
}
