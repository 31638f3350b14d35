using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>The keystore passwords spec.keystores asks for: inline from the live object, or read from their Secrets.</summary>
public static class KeystorePasswordSource
{
    public static async Task<KeystorePasswords> ReadAsync(CertificatePass pass)
    {
        var stored = pass.Object;
        // Inline passwords come from the live object only; the stored one is without them.
        var live = pass.Memory.Live is { } synced && synced.Metadata.Uid == stored.Metadata.Uid && synced.Metadata.Generation == stored.Metadata.Generation
            ? synced
            : null;
        var keystores = (live ?? stored).Spec.Keystores;
        if (keystores is null) return KeystorePasswords.None;
        var unknown = false;
        async Task<string?> PasswordAsync(bool create, string? inline, SecretKeySelector? reference, string store, string field)
        {
            if (!create) return null;
            if (inline is not null)
            {
                // Stored state withholds inline passwords: until the watch delivers the live object it is unknown.
                unknown |= live is null;
                return live is null ? null : inline;
            }
            if (reference is null) return null;
            var secret = await pass.Actions.ReadSecretAsync(reference.Name);
            if (secret is null)
            {
                pass.Actions.RecordEvent(EventRecord.Warning, EventReasons.KeystorePasswordSecretNotFound,
                    $"{store} keystore password Secret \"{reference.Name}\" not found ({field}); the keystore is not written until it exists");
                return null;
            }
            var value = secret.GetString(reference.Key ?? "");
            if (value is null)
                pass.Actions.RecordEvent(EventRecord.Warning, EventReasons.BadConfig,
                    $"{field}: Secret \"{reference.Name}\" key \"{reference.Key}\" not found; the keystore is not written until it exists");
            return value;
        }
        return new KeystorePasswords(
            await PasswordAsync(keystores.Pkcs12?.Create == true, keystores.Pkcs12?.Password, keystores.Pkcs12?.PasswordSecretRef, "PKCS12", "spec.keystores.pkcs12.passwordSecretRef"),
            await PasswordAsync(keystores.Jks?.Create == true, keystores.Jks?.Password, keystores.Jks?.PasswordSecretRef, "JKS", "spec.keystores.jks.passwordSecretRef"))
        {
            Unknown = unknown,
        };
    }
}
