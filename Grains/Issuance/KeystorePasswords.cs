using System.Security.Cryptography;
using System.Text;
using CertFleet.Interfaces.Api;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// Keystore passwords resolved from the spec (inline or from a Secret); null means "do not write that keystore".
/// They live in memory only: grain state keeps the Certificate without inline passwords and a salted, slow
/// <see cref="Fingerprint"/> of the passwords the keystores were written with, which tells a changed password
/// without revealing it.
/// </summary>
public sealed record KeystorePasswords(string? Pkcs12, string? Jks)
{
    private const int Iterations = 20_000;
    private const string Scheme = "pbkdf2-sha256";

    // No keystores: nothing secret to hide, so no slow hash (20,000 rounds cost milliseconds of every issuance).
    private const string NoPasswords = "none";

    public static readonly KeystorePasswords None = new(null, null);

    /// <summary>
    /// A keystore is asked for with an inline password this activation has not seen (it was activated from storage,
    /// which never holds one, and the Certificate has not been synced since): its keys are left as they are.
    /// </summary>
    public bool Unknown { get; init; }

    /// <summary>"pbkdf2-sha256:iterations:salt:hash" of both passwords, with a fresh random salt; "none" without passwords.</summary>
    public string Fingerprint() => IsNone ? NoPasswords : Fingerprint(RandomNumberGenerator.GetBytes(16), Iterations);

    private bool IsNone => Pkcs12 is null && Jks is null;

    /// <summary>Whether <paramref name="fingerprint"/> was made from these passwords; never true while <see cref="Unknown"/>.</summary>
    public bool Matches(string? fingerprint)
    {
        if (fingerprint == NoPasswords)
            return !Unknown && IsNone;
        if (Unknown || fingerprint?.Split(':') is not [Scheme, var iterations, var salt, _]
            || !int.TryParse(iterations, System.Globalization.CultureInfo.InvariantCulture, out var count) || count is < 1 or > 1_000_000)
            return false;
        try
        {
            return CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(Fingerprint(Convert.FromBase64String(salt), count)), Encoding.ASCII.GetBytes(fingerprint));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private string Fingerprint(byte[] salt, int iterations)
    {
        // Length-prefixed, so no two pairs of passwords (or absent ones) read the same.
        var input = $"{Pkcs12?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{Pkcs12}|{Jks?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{Jks}";
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(input), salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{Scheme}:{iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{Convert.ToBase64String(salt)}:{Convert.ToBase64String(hash)}";
    }

    /// <summary>
    /// Stands in grain state for an inline password, so the stored spec still says one was given (spec validation
    /// and change detection read it) without holding it.
    /// </summary>
    public const string Withheld = "(withheld from grain state)";

    /// <summary>kubectl apply's copy of the applied manifest, inline keystore passwords included.</summary>
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>Whether <paramref name="certificate"/>'s spec gives a keystore password inline.</summary>
    public static bool HasInline(Certificate certificate) =>
        certificate.Spec.Keystores is { } keystores && (keystores.Pkcs12?.Password is not null || keystores.Jks?.Password is not null);

    /// <summary>Whether <paramref name="certificate"/> holds nothing <see cref="ForState"/> leaves out.</summary>
    public static bool IsFitForState(Certificate certificate) =>
        certificate.Spec.Keystores?.Pkcs12?.Password is null or Withheld && certificate.Spec.Keystores?.Jks?.Password is null or Withheld
        && certificate.Metadata.Annotations?.ContainsKey(LastAppliedAnnotation) != true;

    /// <summary>
    /// <paramref name="certificate"/> as grain state may keep it: inline keystore passwords <see cref="Withheld"/>, and without
    /// kubectl's last-applied-configuration annotation, which repeats them.
    /// </summary>
    public static Certificate ForState(Certificate certificate)
    {
        if (IsFitForState(certificate))
            return certificate;
        var keystores = certificate.Spec.Keystores;
        return certificate with
        {
            Metadata = certificate.Metadata with
            {
                Annotations = certificate.Metadata.Annotations?.Where(a => a.Key != LastAppliedAnnotation).ToDictionary(),
            },
            Spec = keystores is null ? certificate.Spec : certificate.Spec with
            {
                Keystores = keystores with
                {
                    Pkcs12 = keystores.Pkcs12 is { } p12 ? p12 with { Password = p12.Password is null ? null : Withheld } : null,
                    Jks = keystores.Jks is { } jks ? jks with { Password = jks.Password is null ? null : Withheld } : null,
                },
            },
        };
    }
}
