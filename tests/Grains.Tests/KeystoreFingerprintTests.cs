using System.Security.Cryptography;
using System.Text;
using CertFleet.Grains.Issuance;

namespace CertFleet.Grains.Tests;

/// <summary>
/// The fingerprint grain state keeps of the keystore passwords: it tells a change of passwords, and costs no slow hash
/// when there are none (every issuance without keystores writes one).
/// </summary>
public sealed class KeystoreFingerprintTests
{
    [Fact]
    public void Without_passwords_the_fingerprint_is_no_hash_and_matches_only_no_passwords()
    {
        var none = KeystorePasswords.None.Fingerprint();

        Assert.DoesNotContain("pbkdf2", none, StringComparison.Ordinal);
        Assert.True(KeystorePasswords.None.Matches(none));
        Assert.False(new KeystorePasswords("secret", null).Matches(none));
        Assert.False(new KeystorePasswords(null, "").Matches(none));
        Assert.False(KeystorePasswords.None.Matches(new KeystorePasswords("secret", null).Fingerprint()));
    }

    [Fact]
    public void Passwords_unknown_to_this_activation_match_no_fingerprint()
    {
        var unknown = KeystorePasswords.None with { Unknown = true };

        Assert.False(unknown.Matches(KeystorePasswords.None.Fingerprint()));
        Assert.False(unknown.Matches(unknown.Fingerprint()));
    }

    [Fact]
    public void Passwords_match_their_own_salted_fingerprint_and_not_changed_ones()
    {
        var passwords = new KeystorePasswords("p12", "jks");
        var fingerprint = passwords.Fingerprint();

        Assert.StartsWith("pbkdf2-sha256:", fingerprint, StringComparison.Ordinal);
        Assert.NotEqual(fingerprint, passwords.Fingerprint()); // a fresh salt each time
        Assert.True(passwords.Matches(fingerprint));
        Assert.False(new KeystorePasswords("p12", "other").Matches(fingerprint));
        Assert.False(new KeystorePasswords("p12", null).Matches(fingerprint));
    }

    [Fact]
    public void A_hashed_fingerprint_of_no_passwords_kept_by_an_earlier_version_still_matches()
    {
        // What grain state holds for a Certificate without keystores issued before "none": the length-prefixed pair,
        // both absent, through PBKDF2-SHA256.
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(":|:"), salt, 20_000, HashAlgorithmName.SHA256, 32);
        var stored = $"pbkdf2-sha256:20000:{Convert.ToBase64String(salt)}:{Convert.ToBase64String(hash)}";

        Assert.True(KeystorePasswords.None.Matches(stored));
        Assert.False(new KeystorePasswords("secret", null).Matches(stored));
    }
}
