using System.Net;
using CertFleet.Interfaces.Api;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Policies;

/// <summary>
/// The checks cert-manager's admission webhook makes on a Certificate. CertFleet has no webhook, so a Certificate that
/// fails them is accepted by the API server and gets a Ready=False condition naming each field and its fix instead.
/// </summary>
public static class CertificateSpecValidation
{
    private static readonly TimeSpan MinimumDuration = TimeSpan.FromHours(1);
    private static readonly TimeSpan MinimumRenewBefore = TimeSpan.FromMinutes(5);
    /// <summary>Every problem found, each "field: what is wrong; the fix". Empty when the spec is valid.</summary>
    public static IReadOnlyList<string> Validate(CertificateSpec spec)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(spec.SecretName))
            errors.Add("spec.secretName: Required value; name the Secret that should receive the certificate");
        else if (!KubernetesNames.IsSubdomain(spec.SecretName))
            errors.Add($"spec.secretName: Invalid value: \"{Shorten(spec.SecretName)}\": a Secret name is a lowercase RFC 1123 subdomain (a-z, 0-9, '-' and '.', at most 253 characters)");
        if (string.IsNullOrWhiteSpace(spec.IssuerRef.Name))
            errors.Add("spec.issuerRef.name: Required value; name an Issuer or ClusterIssuer");

        var hasSubject = !string.IsNullOrEmpty(spec.CommonName) || !string.IsNullOrEmpty(spec.LiteralSubject);
        var hasSans = spec.DnsNames is { Count: > 0 } || spec.IpAddresses is { Count: > 0 } || spec.Uris is { Count: > 0 }
                      || spec.EmailAddresses is { Count: > 0 } || spec.OtherNames is { Count: > 0 };
        if (!hasSubject && !hasSans)
            errors.Add("spec: at least one of commonName, literalSubject, dnsNames, uris, ipAddresses, emailAddresses or otherNames must be set");
        if (spec.CommonName is { Length: > 64 } cn)
            errors.Add($"spec.commonName: Too long: {cn.Length} characters, at most 64 are allowed; put long names in spec.dnsNames");
        if (!string.IsNullOrEmpty(spec.LiteralSubject) && (!string.IsNullOrEmpty(spec.CommonName) || spec.Subject is not null))
            errors.Add("spec.literalSubject: cannot be combined with spec.commonName or spec.subject; use one or the other");

        foreach (var ip in spec.IpAddresses ?? [])
            if (!IPAddress.TryParse(ip, out _))
                errors.Add($"spec.ipAddresses: Invalid value: \"{ip}\": not an IPv4 or IPv6 address");
        foreach (var uri in spec.Uris ?? [])
            // A scheme is required: .NET would read "/path" as a file: URI.
            if (!Uri.TryCreate(uri, UriKind.Absolute, out _) || !char.IsAsciiLetter(uri[0]) || !uri.Contains(':', StringComparison.Ordinal))
                errors.Add($"spec.uris: Invalid value: \"{uri}\": not an absolute URI");
        foreach (var name in spec.DnsNames ?? [])
            if (DnsNameError(name) is { } dnsError)
                errors.Add($"spec.dnsNames: Invalid value: \"{Shorten(name)}\": {dnsError}");
        foreach (var email in spec.EmailAddresses ?? [])
            if (!System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
                errors.Add($"spec.emailAddresses: Invalid value: \"{Shorten(email)}\": not an email address; write it as user@example.com");

        var duration = ValidateDuration(spec, errors);
        ValidateRenewBefore(spec, duration, errors);

        foreach (var usage in spec.Usages ?? [])
            if (!KeyUsages.All.Contains(usage))
                errors.Add($"spec.usages: Unsupported value: \"{usage}\"; use cert-manager's usage names such as \"digital signature\" or \"server auth\"");

        try
        {
            var key = KeySpec.FromCertificateSpec(spec.PrivateKey?.Algorithm, spec.PrivateKey?.Size, spec.PrivateKey?.Encoding);
            key.CheckSignatureAlgorithm(spec.SignatureAlgorithm);
        }
        catch (PkiException ex)
        {
            errors.Add(ex.Message);
        }
        if (spec.PrivateKey?.RotationPolicy is { } rotation
            && rotation != PrivateKeyRotationPolicies.Always && rotation != PrivateKeyRotationPolicies.Never)
            errors.Add($"spec.privateKey.rotationPolicy: Unsupported value: \"{rotation}\": supported values: \"Always\", \"Never\"");

        try
        {
            Providers.Pki.Pkcs12Profiles.FromSpec(spec.Keystores?.Pkcs12?.Profile);
        }
        catch (PkiException ex)
        {
            errors.Add(ex.Message);
        }
        ValidateKeystore("spec.keystores.jks", spec.Keystores?.Jks?.Create, spec.Keystores?.Jks?.Password, spec.Keystores?.Jks?.PasswordSecretRef, errors);
        ValidateKeystore("spec.keystores.pkcs12", spec.Keystores?.Pkcs12?.Create, spec.Keystores?.Pkcs12?.Password, spec.Keystores?.Pkcs12?.PasswordSecretRef, errors);
        foreach (var name in (spec.SecretTemplate?.Annotations ?? []).Keys)
            if (name.StartsWith("cert-manager.io/", StringComparison.Ordinal))
                errors.Add($"spec.secretTemplate.annotations: Invalid value: \"{Shorten(name)}\": cert-manager.io/* annotations are set by the controller; remove it from secretTemplate");
            else if (!KubernetesNames.IsQualifiedName(name))
                errors.Add($"spec.secretTemplate.annotations: Invalid value: \"{Shorten(name)}\": {KubernetesNames.QualifiedNameRule}");
        foreach (var (name, value) in spec.SecretTemplate?.Labels ?? [])
            if (!KubernetesNames.IsQualifiedName(name))
                errors.Add($"spec.secretTemplate.labels: Invalid value: \"{Shorten(name)}\": {KubernetesNames.QualifiedNameRule}");
            else if (!KubernetesNames.IsLabelValue(value))
                errors.Add($"spec.secretTemplate.labels: Invalid value: \"{Shorten(value)}\": {KubernetesNames.LabelValueRule}");
        if (spec.NameConstraints is not null && spec.IsCA != true)
            errors.Add("spec.nameConstraints: only allowed for CA certificates; set spec.isCA: true or remove nameConstraints");
        RenewalWindows.Parse(spec.Renewal?.Windows, errors);
        if (spec.DnsPolicy is { } policy && policy != DnsPolicies.Http01 && policy != DnsPolicies.Dns01)
            errors.Add($"spec.dnsPolicy: Unsupported value: \"{policy}\": supported values: \"http01\", \"dns01\"");
        return errors;
    }

    /// <summary>
    /// What a particular issuer type adds: ACME CAs only sign names they validated, so the common name must be one of
    /// the SANs (cert-manager fails such orders as InvalidOrder; CertFleet says so before ordering anything), and an
    /// order may hold only so many identifiers (<see cref="MaxAcmeIdentifiers"/>, Let's Encrypt's limit).
    /// </summary>
    public static IReadOnlyList<string> ValidateForIssuer(CertificateSpec spec, string issuerType)
    {
        if (issuerType != "ACME")
            return [];
        var errors = new List<string>();
        var sans = (spec.DnsNames ?? []).Concat(spec.IpAddresses ?? []).ToList();
        if (!string.IsNullOrEmpty(spec.CommonName) && !sans.Contains(spec.CommonName, StringComparer.OrdinalIgnoreCase))
            errors.Add($"spec.commonName: \"{spec.CommonName}\" is not in spec.dnsNames or spec.ipAddresses; an ACME issuer only signs validated names, so add it to spec.dnsNames or drop spec.commonName");
        var identifiers = sans.Distinct(StringComparer.OrdinalIgnoreCase).Count();
        if (identifiers > MaxAcmeIdentifiers)
            errors.Add($"spec.dnsNames, spec.ipAddresses: {identifiers} identifiers, but an ACME order may hold at most {MaxAcmeIdentifiers} (Let's Encrypt's limit); split the names over several Certificates");
        if (spec.Uris is { Count: > 0 } || spec.EmailAddresses is { Count: > 0 } || spec.OtherNames is { Count: > 0 })
            errors.Add("spec.uris, spec.emailAddresses, spec.otherNames: an ACME CA validates only DNS names and IP addresses; remove the other SANs or use a CA issuer");
        if (identifiers == 0)
            errors.Add("spec.dnsNames: an ACME order needs at least one DNS name or IP address; add one");
        return errors;
    }

    /// <summary>Identifiers per ACME order: Let's Encrypt refuses more than 100 names in one order.</summary>
    public const int MaxAcmeIdentifiers = 100;

    /// <summary>At most this many problems are listed in a status message; the rest are counted.</summary>
    public const int MaxListedProblems = 10;

    /// <summary>The problems for a message: the first <see cref="MaxListedProblems"/>, then how many more there are.</summary>
    public static string Describe(IReadOnlyList<string> problems) =>
        string.Join("; ", problems.Take(MaxListedProblems))
        + (problems.Count > MaxListedProblems ? $"; and {problems.Count - MaxListedProblems} more problems" : "");

    /// <summary>Why a name cannot be a DNS SAN (RFC 1035 lengths, letters, digits, hyphens, a leading "*." wildcard), or null.</summary>
    private static string? DnsNameError(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return "empty; remove it";
        var host = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        if (host.EndsWith('.'))
            host = host[..^1];
        if (name.Length > 253)
            return $"{name.Length} characters, a DNS name has at most 253";
        foreach (var label in host.Split('.'))
        {
            if (label.Length == 0)
                return "has an empty label; remove the doubled or leading dot";
            if (label.Length > 63)
                return $"label \"{Shorten(label)}\" has {label.Length} characters, at most 63 are allowed";
            if (label.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) )
                return "only letters, digits, hyphens and dots are allowed (write internationalised names in their xn-- form; a wildcard only as a leading \"*.\")";
            if (label.StartsWith('-') || label.EndsWith('-'))
                return $"label \"{label}\" starts or ends with a hyphen";
        }
        return null;
    }

    /// <summary>A value quoted in a message, cut so one huge value cannot fill the message.</summary>
    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";

    private static void ValidateKeystore(string field, bool? create, string? password, SecretKeySelector? reference, List<string> errors)
    {
        if (create != true)
            return;
        if (password is null && reference is null)
            errors.Add($"{field}: Required value: set passwordSecretRef (or password) so the keystore can be encrypted, or set create: false");
        else if (password is not null && reference is not null)
            errors.Add($"{field}: Forbidden: password and passwordSecretRef are both set; keep one of them");
        else if (reference is not null && (string.IsNullOrEmpty(reference.Name) || string.IsNullOrEmpty(reference.Key)))
            errors.Add($"{field}.passwordSecretRef: Required value: name and key of the Secret entry holding the password");
    }

    /// <summary>spec.duration, defaulting to 2160h (90 days) as cert-manager does.</summary>
    public static TimeSpan Duration(CertificateSpec spec) =>
        GoDuration.TryParse(spec.Duration, out var d) ? d : TimeSpan.FromHours(2160);

    public static TimeSpan? RenewBefore(CertificateSpec spec) =>
        GoDuration.TryParse(spec.RenewBefore, out var d) ? d : null;

    private static TimeSpan ValidateDuration(CertificateSpec spec, List<string> errors)
    {
        if (spec.Duration is null) return TimeSpan.FromHours(2160);
        if (!GoDuration.TryParse(spec.Duration, out var duration))
        {
            errors.Add($"spec.duration: Invalid value: \"{spec.Duration}\": not a duration; write it like 2160h or 90m");
            return TimeSpan.FromHours(2160);
        }
        if (duration < MinimumDuration)
            errors.Add($"spec.duration: Invalid value: \"{spec.Duration}\": certificate duration must be at least 1h");
        return duration;
    }

    private static void ValidateRenewBefore(CertificateSpec spec, TimeSpan duration, List<string> errors)
    {
        if (spec.RenewBefore is not null && spec.RenewBeforePercentage is not null)
            errors.Add("spec.renewBefore: cannot be set together with spec.renewBeforePercentage; keep one of them");
        if (spec.RenewBefore is { } text)
        {
            if (!GoDuration.TryParse(text, out var rb))
                errors.Add($"spec.renewBefore: Invalid value: \"{text}\": not a duration; write it like 720h");
            else if (rb < MinimumRenewBefore)
                errors.Add($"spec.renewBefore: Invalid value: \"{text}\": must be at least 5m");
            else if (rb >= duration)
                errors.Add($"spec.renewBefore: Invalid value: \"{text}\": must be shorter than spec.duration ({GoDuration.Format(duration)})");
        }
        if (spec.RenewBeforePercentage is { } pct && (pct <= 0 || pct >= 100))
            errors.Add($"spec.renewBeforePercentage: Invalid value: {pct}: must be between 1 and 99");
    }
}
