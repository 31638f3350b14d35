using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using ApiAnnotations = CertFleet.Interfaces.Api.Annotations;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// <c>cert-manager.io/issue-temporary-certificate: "true"</c> (set by ingress-shim for HTTP-01 edit-in-place): while
/// the issuer works, a Secret without a usable key pair gets a placeholder from a throwaway CA with the next private key,
/// so an Ingress can serve TLS; the issued certificate replaces it, keeping the same key.
/// </summary>
public static class TemporaryCertificate
{
    public static bool Requested(Certificate certificate) =>
        certificate.Metadata.Annotations?.GetValueOrDefault(ApiAnnotations.IssueTemporaryCertificate) == "true";

    /// <summary>
    /// cert-manager's rule: only a Secret that is missing, lacks tls.crt or tls.key, or whose pair does not parse or match
    /// gets one; any valid certificate, even an outdated or expiring one, keeps serving until the new one arrives.
    /// </summary>
    public static bool Needed(SecretInspection inspection) =>
        inspection.Key is not { } key || inspection.Certificate is not { } certificate || !certificate.MatchesKey(key);

    /// <summary>
    /// The Secret with the placeholder: cert-manager's keys, label and certificate annotations, but no issuer annotations
    /// (the issuer did not sign it) and no ca.crt (nothing should trust the throwaway CA).
    /// </summary>
    public static SecretContents.Result Build(ObjectKey secretKey, Certificate certificate, PrivateKey key, DateTimeOffset now)
    {
        var chainPem = TemporaryCertificateSigner.SignPem(CertificateTemplates.From(certificate.Spec), key, now);
        var contents = SecretContents.Build(secretKey, certificate, key, chainPem, caPem: null, KeystorePasswords.None);
        foreach (var issuerAnnotation in (string[])[ApiAnnotations.IssuerName, ApiAnnotations.IssuerKind, ApiAnnotations.IssuerGroup])
            contents.Secret.Annotations.Remove(issuerAnnotation);
        return contents;
    }

    /// <summary>Writes the placeholder when the Certificate asks for one and its Secret needs it; returns the Secret's new resourceVersion, or null.</summary>
    public static async Task<string?> EnsureAsync(IClusterReader reader, IClusterWriter writer, ObjectKey certificateKey, Certificate certificate,
        PrivateKey key, DateTimeOffset now)
    {
        if (!Requested(certificate))
            return null;
        var secretKey = certificateKey.WithName(certificate.Spec.SecretName);
        bool missing;
        using (var inspection = SecretInspection.Of(await reader.GetSecretAsync(secretKey)))
        {
            if (!Needed(inspection))
                return null;
            missing = inspection.Secret is null;
        }
        var contents = await Task.Run(() => Build(secretKey, certificate, key, now));
        return await writer.ApplySecretAsync(contents.Secret, contents.RemoveKeys, likelyNew: missing);
    }
}
