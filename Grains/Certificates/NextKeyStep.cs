using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Certificates;

/// <summary>
/// cert-manager's key manager: the next private key lives in its own Secret from generation until the certificate
/// is stored, so a resumed issuance requests with the same key.
/// </summary>
public static class NextKeyStep
{
    /// <summary>With rotationPolicy Never the Secret's key is kept when it still satisfies the spec: its PEM, else null.</summary>
    public static string? ReusableKey(CertificatePass pass, SecretInspection inspection)
    {
        var privateKey = pass.Object.Spec.PrivateKey;
        if (privateKey?.RotationPolicy != PrivateKeyRotationPolicies.Never || inspection.Key is not { } key)
            return null;
        if (!key.Satisfies(KeySpec.FromCertificateSpec(privateKey.Algorithm, privateKey.Size, privateKey.Encoding)))
        {
            pass.Actions.RecordEvent(EventRecord.Warning, EventReasons.CannotRegenerateKey,
                "User intervention required: existing private key in Secret does not match requirements on Certificate resource, mismatching fields: [spec.privateKey], but cert-manager cannot create new private key as the Certificate's .spec.privateKey.rotationPolicy field is set to \"Never\". The private key Secret must be manually deleted, or the Certificate's rotation policy changed.");
            return null;
        }
        return inspection.Secret!.GetString(SecretKeys.TlsPrivateKey);
    }

    /// <summary>
    /// The issuance's key: from memory, else from its Secret, else a new (or reused) one stored in a new Secret
    /// (step <see cref="IssuanceStep.KeyStored"/>). A key Secret gone or unreadable sends the issuance back to
    /// <see cref="IssuanceStep.Started"/>: a request made with it would not match any more.
    /// </summary>
    public static async Task<PrivateKey> EnsureAsync(CertificatePass pass, IssuanceProgress issuance)
    {
        var memory = pass.Memory;
        if (issuance.NextPrivateKeySecretName is { } existing)
        {
            if (memory.NextKey is { } known)
                return known;
            var stored = await pass.Actions.ReadSecretAsync(existing);
            if (stored?.GetString(SecretKeys.TlsPrivateKey) is { } pem)
            {
                try
                {
                    var key = PrivateKey.FromPem(pem);
                    memory.KeepNextKey(key);
                    return key;
                }
                catch (PkiException ex)
                {
                    pass.Actions.RecordEvent(EventRecord.Warning, EventReasons.DecodeFailed, $"Failed to decode private key stored in Secret \"{existing}\": {ex.Message}");
                }
            }
            issuance.NextPrivateKeySecretName = null;
            issuance.RequestName = null;
            issuance.CsrPem = null;
            issuance.Outcome = null;
            pass.State.Step = IssuanceStep.Started;
            memory.Request = null;
        }

        var spec = pass.Object.Spec;
        var reused = memory.NextKey is not null;
        var nextKey = memory.NextKey ?? await Task.Run(() => PrivateKey.Generate(
            KeySpec.FromCertificateSpec(spec.PrivateKey?.Algorithm, spec.PrivateKey?.Size, spec.PrivateKey?.Encoding)));
        memory.KeepNextKey(nextKey);
        var secret = new SecretData
        {
            Key = pass.Key.WithName(""),
            Data = new() { [SecretKeys.TlsPrivateKey] = System.Text.Encoding.UTF8.GetBytes(nextKey.ToPem(PrivateKeyEncodings.Pkcs8)) },
            Labels = new() { [Labels.NextPrivateKey] = Labels.True, [Labels.ControllerFao] = Labels.True },
            OwnerReferences = [new(Certificate.GroupVersion, Certificate.KindName, pass.Name, pass.Object.Metadata.Uid ?? "")],
        };
        issuance.NextPrivateKeySecretName = await pass.Actions.CreateSecretAsync($"{pass.Name}-", secret);
        pass.State.Step = IssuanceStep.KeyStored;
        await pass.Actions.SaveStateAsync();
        pass.Actions.RecordEvent(EventRecord.Normal, reused ? EventReasons.Reused : EventReasons.Generated, reused
            ? $"Reusing private key stored in existing Secret resource \"{spec.SecretName}\""
            : $"Stored new private key in temporary Secret resource \"{issuance.NextPrivateKeySecretName}\"");
        return nextKey;
    }
}
