using System.Globalization;
using CertFleet.Interfaces.Api;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Policies;

/// <summary>
/// cert-manager's certificate policy chains: ordered pure checks, the first failing one names the reason.
/// <see cref="Trigger"/> decides whether to issue; <see cref="Readiness"/> decides the Ready condition.
/// </summary>
public static class CertificatePolicies
{
    public delegate PolicyViolation? Check(PolicyInput input);

    private static readonly Check[] SecretChecks =
    [
        SecretExists,
        SecretHasData,
        SecretParses,
        KeyMatchesCertificate,
        NotTemporary,
        IssuerAnnotationsMatch,
        CertificateNameAnnotationMatches,
        KeyMatchesSpec,
        IssuedForMatchesSpec,
    ];

    public static readonly IReadOnlyList<Check> Trigger = [.. SecretChecks, RenewalDue];
    public static readonly IReadOnlyList<Check> Readiness = [.. SecretChecks, NotExpired];

    public static PolicyViolation? Evaluate(IReadOnlyList<Check> chain, PolicyInput input)
    {
        foreach (var check in chain)
            if (check(input) is { } violation)
                return violation;
        return null;
    }

    public static PolicyViolation? SecretExists(PolicyInput i) => i.Secret is null
        ? new(CertificateReasons.DoesNotExist, "Issuing certificate as Secret does not exist")
        : null;

    public static PolicyViolation? SecretHasData(PolicyInput i)
    {
        var data = i.Secret!.Data;
        if (data.Count == 0)
            return new(CertificateReasons.MissingData, "Issuing certificate as Secret does not contain any data");
        if (!data.TryGetValue(SecretKeys.TlsPrivateKey, out var key) || key.Length == 0)
            return new(CertificateReasons.MissingData, "Issuing certificate as Secret does not contain a private key");
        if (!data.TryGetValue(SecretKeys.TlsCertificate, out var crt) || crt.Length == 0)
            return new(CertificateReasons.MissingData, "Issuing certificate as Secret does not contain a certificate");
        return null;
    }

    public static PolicyViolation? SecretParses(PolicyInput i)
    {
        if (i.KeyError is { } keyError)
            return new(CertificateReasons.InvalidKeyPair, $"Issuing certificate as Secret contains invalid private key data: {keyError}");
        if (i.CertificateError is { } certError)
            return new(CertificateReasons.InvalidCertificate, $"Issuing certificate as Secret contains an invalid certificate: {certError}");
        return null;
    }

    public static PolicyViolation? KeyMatchesCertificate(PolicyInput i) => i.Certificate!.MatchesKey(i.Key!)
        ? null
        : new(CertificateReasons.InvalidKeyPair, "Issuing certificate as Secret contains a private key that does not match the certificate");

    /// <summary>
    /// A temporary certificate keeps the Secret servable while issuing but was never issued by the issuer: not Ready,
    /// and due for issuance even if issuer annotations left from an earlier certificate still match.
    /// </summary>
    public static PolicyViolation? NotTemporary(PolicyInput i) =>
        TemporaryCertificateSigner.IsTemporary(i.Certificate!) ? TemporaryCertificateViolation(i.Spec.IssuerRef) : null;

    public static PolicyViolation TemporaryCertificateViolation(IssuerRef issuerRef) => new(CertificateReasons.IncorrectIssuer,
        $"Issuing certificate as Secret contains a temporary certificate issued by \"{TemporaryCertificateSigner.AuthorityCommonName}\", " +
        $"not by \"{OrDefault(issuerRef.Kind, IssuerRef.DefaultKind)}.{OrDefault(issuerRef.Group, IssuerRef.DefaultGroup)}/{issuerRef.Name}\"");

    public static PolicyViolation? IssuerAnnotationsMatch(PolicyInput i)
    {
        var annotations = i.Secret!.Annotations;
        var name = annotations.GetValueOrDefault(Annotations.IssuerName, "");
        var kind = annotations.GetValueOrDefault(Annotations.IssuerKind, "");
        var group = annotations.GetValueOrDefault(Annotations.IssuerGroup, "");
        var issuerRef = i.Spec.IssuerRef;
        // Missing kind/group annotations mean the defaults, as in cert-manager.
        var same = name == issuerRef.Name
                   && OrDefault(kind, IssuerRef.DefaultKind) == OrDefault(issuerRef.Kind, IssuerRef.DefaultKind)
                   && OrDefault(group, IssuerRef.DefaultGroup) == OrDefault(issuerRef.Group, IssuerRef.DefaultGroup);
        return same
            ? null
            : new(CertificateReasons.IncorrectIssuer,
                $"Issuing certificate as Secret was previously issued by \"{OrDefault(kind, IssuerRef.DefaultKind)}.{OrDefault(group, IssuerRef.DefaultGroup)}/{name}\"");
    }

    public static PolicyViolation? CertificateNameAnnotationMatches(PolicyInput i) =>
        i.Secret!.Annotations.TryGetValue(Annotations.CertificateName, out var owner) && owner != i.CertificateName
            ? new(CertificateReasons.IncorrectCertificate,
                $"Secret was issued for \"{owner}\". If this message is not transient, you might have two conflicting Certificates pointing at the same secret.")
            : null;

    public static PolicyViolation? KeyMatchesSpec(PolicyInput i)
    {
        var key = i.Key!;
        if (key.Algorithm == i.Wanted.KeyAlgorithm && key.Size == i.Wanted.KeySize)
            return null;
        var fields = key.Algorithm != i.Wanted.KeyAlgorithm ? "spec.privateKey.algorithm" : "spec.privateKey.size";
        return new(CertificateReasons.SecretMismatch, $"Existing private key is not up to date for spec: [{fields}]");
    }

    public static PolicyViolation? IssuedForMatchesSpec(PolicyInput i)
    {
        if (i.IssuedFor is { } issuedFor)
        {
            var differences = issuedFor.Differences(i.Wanted);
            return differences.Count == 0
                ? null
                : new(CertificateReasons.RequestChanged,
                    $"Fields on existing CertificateRequest resource not up to date: [{string.Join(' ', differences)}]");
        }
        // This controller does not remember the request (first sight of an existing Secret): compare the certificate itself.
        var mismatched = CertificateMismatches(i.Certificate!, i.Spec);
        return mismatched.Count == 0
            ? null
            : new(CertificateReasons.SecretMismatch,
                $"Issuing certificate as Existing issued Secret is not up to date for spec: [{string.Join(' ', mismatched)}]");
    }

    public static PolicyViolation? RenewalDue(PolicyInput i)
    {
        if (i.Spec.Renewal?.Policy == RenewalPolicies.Disabled && i.Now < i.Certificate!.NotAfter)
            return null;
        return i.RenewalTime is { } at && i.Now >= at
            ? new(CertificateReasons.Renewing, $"Renewing certificate as renewal was scheduled at {FormatTime(at)}")
            : null;
    }

    public static PolicyViolation? NotExpired(PolicyInput i) => i.Now >= i.Certificate!.NotAfter
        ? new(CertificateReasons.Expired, $"Certificate expired on {i.Certificate.NotAfter.UtcDateTime.ToString("R", CultureInfo.InvariantCulture)}")
        : null;

    /// <summary>The spec fields whose values the certificate does not carry (names compared as sets).</summary>
    public static IReadOnlyList<string> CertificateMismatches(CertificateInfo certificate, CertificateSpec spec)
    {
        var fields = new List<string>();
        if (!string.IsNullOrEmpty(spec.CommonName) && spec.CommonName != certificate.CommonName)
            fields.Add("spec.commonName");
        if (!SameSet(spec.DnsNames, certificate.DnsNames)) fields.Add("spec.dnsNames");
        if (!SameSet(spec.IpAddresses?.Select(NormalizeIp), certificate.IpAddresses.Select(NormalizeIp))) fields.Add("spec.ipAddresses");
        if (!SameSet(spec.Uris, certificate.Uris)) fields.Add("spec.uris");
        if (!SameSet(spec.EmailAddresses, certificate.EmailAddresses)) fields.Add("spec.emailAddresses");
        if ((spec.IsCA ?? false) != certificate.IsCA) fields.Add("spec.isCA");
        return fields;
    }

    private static bool SameSet(IEnumerable<string>? wanted, IEnumerable<string> actual) =>
        new HashSet<string>(wanted ?? [], StringComparer.OrdinalIgnoreCase).SetEquals(actual);

    private static string NormalizeIp(string ip) => System.Net.IPAddress.TryParse(ip, out var parsed) ? parsed.ToString() : ip;

    private static string OrDefault(string? value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;

    /// <summary>RFC 3339 in UTC with seconds, as Kubernetes prints times.</summary>
    public static string FormatTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
