using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Ports;
using CertFleet.Providers.Pki;
using ApiAnnotations = CertFleet.Interfaces.Api.Annotations;

namespace CertFleet.Grains.Issuance;

/// <summary>
/// The target Secret exactly as cert-manager's issuing controller writes it: keys, type, the cert-manager.io
/// annotations describing the certificate, the controller label and the secretTemplate.
/// </summary>
public static class SecretContents
{
    /// <summary>Every data key this controller may write; those not written this time are removed.</summary>
    private static readonly string[] ManagedKeys =
    [
        SecretKeys.TlsCertificate, SecretKeys.TlsPrivateKey, SecretKeys.CaCertificate, SecretKeys.PrivateKeyDer,
        SecretKeys.CombinedPem, SecretKeys.Pkcs12Keystore, SecretKeys.Pkcs12Truststore, SecretKeys.JksKeystore,
        SecretKeys.JksTruststore,
    ];

    /// <summary>The data keys of the keystores and truststores.</summary>
    public static readonly string[] KeystoreKeys =
        [SecretKeys.Pkcs12Keystore, SecretKeys.Pkcs12Truststore, SecretKeys.JksKeystore, SecretKeys.JksTruststore];

    public sealed record Result(SecretData Secret, IReadOnlyCollection<string> RemoveKeys);

    /// <param name="keystorePasswords">Passwords for the keystores the spec asks for, already read from their Secrets.</param>
    /// <param name="leaf">The first certificate of <paramref name="chainPem"/> when the caller parsed it already (parsing is
    /// a good part of an issuance's CPU).</param>
    public static Result Build(ObjectKey secretKey, Certificate certificate, PrivateKey key, string chainPem, string? caPem,
        KeystorePasswords keystorePasswords, CertificateInfo? leaf = null)
    {
        var spec = certificate.Spec;
        leaf ??= CertificateInfo.ParseFirst(chainPem);
        var encoding = spec.PrivateKey?.Encoding ?? PrivateKeyEncodings.Pkcs1;
        var keyPem = key.ToPem(encoding);
        var data = new Dictionary<string, byte[]>
        {
            [SecretKeys.TlsCertificate] = Utf8(chainPem),
            [SecretKeys.TlsPrivateKey] = Utf8(keyPem),
        };
        if (!string.IsNullOrEmpty(caPem))
            data[SecretKeys.CaCertificate] = Utf8(caPem);
        foreach (var format in spec.AdditionalOutputFormats ?? [])
        {
            if (format.Type == AdditionalOutputFormats.Der) data[SecretKeys.PrivateKeyDer] = key.ToPkcs8Der();
            if (format.Type == AdditionalOutputFormats.CombinedPem) data[SecretKeys.CombinedPem] = Utf8(PemBundle.Combined(keyPem, chainPem));
        }
        if (spec.Keystores?.Pkcs12 is { Create: true } p12 && keystorePasswords.Pkcs12 is { } p12Password)
        {
            var profile = Providers.Pki.Pkcs12Profiles.FromSpec(p12.Profile);
            data[SecretKeys.Pkcs12Keystore] = Keystores.Pkcs12(key, chainPem, caPem, p12Password, profile);
            if (!string.IsNullOrEmpty(caPem))
                data[SecretKeys.Pkcs12Truststore] = Keystores.Pkcs12Truststore(caPem, p12Password, profile);
        }
        if (spec.Keystores?.Jks is { Create: true } jks && keystorePasswords.Jks is { } jksPassword)
        {
            data[SecretKeys.JksKeystore] = Keystores.Jks(key, chainPem, caPem, jksPassword, leaf.NotBefore, jks.Alias ?? "certificate");
            if (!string.IsNullOrEmpty(caPem))
                data[SecretKeys.JksTruststore] = Keystores.JksTruststore(caPem, jksPassword, leaf.NotBefore);
        }

        var labels = new Dictionary<string, string>(spec.SecretTemplate?.Labels ?? []) { [Labels.ControllerFao] = Labels.True };
        var annotations = new Dictionary<string, string>();
        foreach (var (name, value) in spec.SecretTemplate?.Annotations ?? [])
            if (!name.StartsWith("cert-manager.io/", StringComparison.Ordinal))
                annotations[name] = value;
        foreach (var (name, value) in CertificateAnnotations(certificate, leaf))
            annotations[name] = value;

        var secret = new SecretData
        {
            Key = secretKey,
            Type = SecretKeys.TlsSecretType,
            Data = data,
            Labels = labels,
            Annotations = annotations,
        };
        // Keystores whose password this activation does not know yet stay as they are until it does.
        return new Result(secret, [.. ManagedKeys.Where(k => !data.ContainsKey(k) && !(keystorePasswords.Unknown && KeystoreKeys.Contains(k)))]);
    }

    /// <summary>cert-manager.io annotations: always the issuer and SAN ones, the subject ones only when non-empty.</summary>
    public static Dictionary<string, string> CertificateAnnotations(Certificate certificate, CertificateInfo leaf)
    {
        var issuerRef = certificate.Spec.IssuerRef;
        var annotations = new Dictionary<string, string>
        {
            [ApiAnnotations.CertificateName] = certificate.Metadata.Name ?? "",
            [ApiAnnotations.IssuerName] = issuerRef.Name,
            [ApiAnnotations.IssuerKind] = string.IsNullOrEmpty(issuerRef.Kind) ? IssuerRef.DefaultKind : issuerRef.Kind,
            [ApiAnnotations.IssuerGroup] = string.IsNullOrEmpty(issuerRef.Group) ? IssuerRef.DefaultGroup : issuerRef.Group,
            [ApiAnnotations.CommonName] = leaf.CommonName ?? "",
            [ApiAnnotations.AltNames] = string.Join(",", leaf.DnsNames),
            [ApiAnnotations.IpSans] = string.Join(",", leaf.IpAddresses),
            [ApiAnnotations.UriSans] = string.Join(",", leaf.Uris),
        };
        void Optional(string name, IEnumerable<string>? values)
        {
            var joined = values is null ? "" : string.Join(",", values);
            if (joined.Length > 0) annotations[name] = joined;
        }
        Optional(ApiAnnotations.EmailSans, leaf.EmailAddresses);
        var subject = certificate.Spec.Subject;
        Optional(ApiAnnotations.SubjectOrganizations, subject?.Organizations);
        Optional(ApiAnnotations.SubjectOrganizationalUnits, subject?.OrganizationalUnits);
        Optional(ApiAnnotations.SubjectCountries, subject?.Countries);
        Optional(ApiAnnotations.SubjectProvinces, subject?.Provinces);
        Optional(ApiAnnotations.SubjectLocalities, subject?.Localities);
        Optional(ApiAnnotations.SubjectPostalCodes, subject?.PostalCodes);
        Optional(ApiAnnotations.SubjectStreetAddresses, subject?.StreetAddresses);
        if (!string.IsNullOrEmpty(subject?.SerialNumber)) annotations[ApiAnnotations.SubjectSerialNumber] = subject.SerialNumber;
        return annotations;
    }

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
