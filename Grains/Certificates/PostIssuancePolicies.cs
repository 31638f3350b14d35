using CertFleet.Grains.Issuance;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Certificates;

/// <summary>What a post-issuance policy looks at: the Certificate, its up-to-date Secret, and the keystore passwords now.</summary>
public sealed record PostIssuanceInput(Certificate Certificate, SecretInspection Inspection, KeystorePasswords Passwords, string? KeystoresWrittenWith);

/// <summary>A write that puts an up-to-date Secret right without re-issuing.</summary>
public sealed record SecretRepair(SecretData Secret, IReadOnlyCollection<string> RemoveKeys)
{
    /// <summary>The passwords the Secret's keystores are written with by this repair, when it writes them.</summary>
    public KeystorePasswords? Keystores { get; init; }
    /// <summary>A Normal Event that says what was repaired, when users should hear of it.</summary>
    public (string Reason, string Message)? Event { get; init; }
}

/// <summary>
/// cert-manager's post-issuance policy chain: for a Secret whose certificate needs no re-issuing, each policy returns
/// the repair it needs or null; the Certificate applies them in order.
/// </summary>
public static class PostIssuancePolicies
{
    public delegate SecretRepair? Policy(PostIssuanceInput input);

    public const string KeystoresUpdatedEventReason = "KeystoresUpdated";

    public static readonly IReadOnlyList<Policy> Chain = [SecretMetadata, Keystores];

    public static IReadOnlyList<SecretRepair> Evaluate(PostIssuanceInput input) =>
        [.. Chain.Select(policy => policy(input)).OfType<SecretRepair>()];

    /// <summary>Labels and cert-manager.io annotations are put back without re-issuing, as cert-manager does.</summary>
    public static SecretRepair? SecretMetadata(PostIssuanceInput input)
    {
        var certificate = input.Certificate;
        var secret = input.Inspection.Secret!;
        var wantedAnnotations = SecretContents.CertificateAnnotations(certificate, input.Inspection.Certificate!);
        var wantedLabels = new Dictionary<string, string>(certificate.Spec.SecretTemplate?.Labels ?? []) { [Labels.ControllerFao] = Labels.True };
        foreach (var (name, value) in certificate.Spec.SecretTemplate?.Annotations ?? [])
            if (!name.StartsWith("cert-manager.io/", StringComparison.Ordinal))
                wantedAnnotations[name] = value;
        var missing = wantedAnnotations.Any(a => secret.Annotations.GetValueOrDefault(a.Key) != a.Value)
                      || wantedLabels.Any(l => secret.Labels.GetValueOrDefault(l.Key) != l.Value);
        return missing
            ? new SecretRepair(new SecretData { Key = secret.Key, Type = secret.Type, Labels = wantedLabels, Annotations = wantedAnnotations }, [])
            : null;
    }

    /// <summary>
    /// The keystores are written again when their password changed, or keystores were added or removed since they
    /// were written, with the certificate and key already there (cert-manager re-issues nothing for this either). A
    /// Secret that has no keystores and needs none is left alone.
    /// </summary>
    public static SecretRepair? Keystores(PostIssuanceInput input)
    {
        var passwords = input.Passwords;
        var secret = input.Inspection.Secret!;
        if (passwords.Unknown || passwords.Matches(input.KeystoresWrittenWith) || input.Inspection.Key is not { } key
            || secret.GetString(SecretKeys.TlsCertificate) is not { Length: > 0 } chainPem)
            return null;
        if (passwords == KeystorePasswords.None && !SecretContents.KeystoreKeys.Any(secret.Data.ContainsKey))
            return null;
        var contents = SecretContents.Build(secret.Key, input.Certificate, key, chainPem, secret.GetString(SecretKeys.CaCertificate), passwords,
            input.Inspection.Certificate);
        return new SecretRepair(contents.Secret, contents.RemoveKeys)
        {
            Keystores = passwords,
            Event = (KeystoresUpdatedEventReason, "The keystores in the Secret have been written again for the current spec.keystores and passwords"),
        };
    }

    /// <summary>Applies the chain's repairs to the pass's up-to-date Secret.</summary>
    public static async Task RepairAsync(CertificatePass pass, SecretInspection inspection)
    {
        var passwords = await KeystorePasswordSource.ReadAsync(pass);
        pass.State.SecretResourceVersion = inspection.Secret!.ResourceVersion;
        foreach (var repair in Evaluate(new(pass.Object, inspection, passwords, pass.State.KeystoresWrittenWith)))
        {
            pass.State.SecretResourceVersion = await pass.Actions.ApplySecretAsync(repair.Secret, repair.RemoveKeys);
            if (repair.Keystores is { } written)
                pass.State.KeystoresWrittenWith = written.Fingerprint();
            if (repair.Event is { } note)
                pass.Actions.RecordEvent(EventRecord.Normal, note.Reason, note.Message);
        }
    }
}
