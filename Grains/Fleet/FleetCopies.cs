using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Fleet;
using CertFleet.Interfaces.Ports;

namespace CertFleet.Grains.Fleet;

/// <summary>What to do with one placed copy, and for a write, which data keys the copy has that the home Secret has not.</summary>
public enum FleetCopyAction
{
    /// <summary>The copy already holds the home Secret's data, labels and annotations.</summary>
    Current,
    /// <summary>Create the copy, or update (or restore) one CertFleet wrote.</summary>
    Write,
    /// <summary>A Secret of that name exists that this FleetCertificate did not write: it is left alone.</summary>
    Refuse,
}

public sealed record FleetCopyDecision(FleetCopyAction Action, IReadOnlyCollection<string> RemoveKeys, string? Refusal = null);

/// <summary>
/// The copies of a FleetCertificate's Secret: built from the Secret in the home cluster (cert-manager's keys and
/// annotations, plus the ownership label), and the rule that only Secrets carrying this FleetCertificate's label are
/// ever written over or deleted.
/// </summary>
public static class FleetCopies
{
    /// <summary>The copy for <paramref name="copyKey"/>: the home Secret's type, data, labels and annotations, and the ownership label.</summary>
    public static SecretData Build(SecretData home, ObjectKey copyKey, string fleetName) => new()
    {
        Key = copyKey,
        Type = home.Type,
        Data = new Dictionary<string, byte[]>(home.Data),
        // The controller label keeps the copy in every member's Secret watch, so edits and deletions are heard.
        Labels = new Dictionary<string, string>(home.Labels)
        {
            [Labels.ControllerFao] = Labels.True,
            [FleetNames.FleetCertificateLabel] = fleetName,
        },
        Annotations = new Dictionary<string, string>(home.Annotations),
    };

    public static FleetCopyDecision Decide(SecretData? existing, SecretData desired, string fleetName)
    {
        if (existing is null)
            return new(FleetCopyAction.Write, []);
        var where = $"Secret {existing.Key.Namespace}/{existing.Key.Name} in cluster \"{existing.Key.Cluster}\"";
        if (!existing.Labels.TryGetValue(FleetNames.FleetCertificateLabel, out var owner))
            return new(FleetCopyAction.Refuse, [],
                $"{where} exists and was not written by CertFleet (no label {FleetNames.FleetCertificateLabel}); it is left alone: delete it, or choose another spec.certificate.secretName");
        if (owner != fleetName)
            return new(FleetCopyAction.Refuse, [],
                $"{where} is a copy of FleetCertificate \"{owner}\"; it is left alone: choose another spec.certificate.secretName or namespace");

        var extraKeys = existing.Data.Keys.Where(key => !desired.Data.ContainsKey(key)).ToList();
        var current = existing.Type == desired.Type && extraKeys.Count == 0
                      && desired.Data.All(entry => existing.Data.TryGetValue(entry.Key, out var bytes) && bytes.AsSpan().SequenceEqual(entry.Value))
                      && Contains(existing.Labels, desired.Labels) && Contains(existing.Annotations, desired.Annotations);
        return current ? new(FleetCopyAction.Current, []) : new(FleetCopyAction.Write, extraKeys);
    }

    /// <summary>A copy is deleted only when it still carries this FleetCertificate's label: a Secret someone took over is theirs.</summary>
    public static bool MayDelete(SecretData? existing, string fleetName) =>
        existing is not null && existing.Labels.TryGetValue(FleetNames.FleetCertificateLabel, out var owner) && owner == fleetName;

    /// <summary>The home Secret holds an issued certificate: a key and a chain.</summary>
    public static bool IsIssued(SecretData? home) =>
        home is not null && home.Data.TryGetValue(SecretKeys.TlsCertificate, out var chain) && chain.Length > 0
        && home.Data.TryGetValue(SecretKeys.TlsPrivateKey, out var key) && key.Length > 0;

    /// <summary>Identifies the certificate of a Secret (a hash of tls.crt: public data, fit for state).</summary>
    public static string Fingerprint(SecretData secret) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(secret.Data.GetValueOrDefault(SecretKeys.TlsCertificate) ?? []));

    private static bool Contains(IReadOnlyDictionary<string, string> actual, IReadOnlyDictionary<string, string> wanted) =>
        wanted.All(pair => actual.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
