using System.Net;
using System.Net.Mail;
using System.Text.Json;
using CertFleet.Interfaces.Api;
using CertFleet.Providers.Pki;
using ApiAnnotations = CertFleet.Interfaces.Api.Annotations;

namespace CertFleet.Kubernetes.Bridge.Shims;

/// <summary>What the shims want for one Ingress or Gateway: the Certificates, and what to tell its owner.</summary>
public sealed record ShimPlan
{
    /// <summary>Certificates to create or keep up to date; empty when the object asks for none or is misconfigured.</summary>
    public IReadOnlyList<Certificate> Certificates { get; init; } = [];

    /// <summary>Whether the object asks for Certificates and can have them; only then are stale ones deleted.</summary>
    public bool Active { get; init; }

    /// <summary>Messages of Warning BadConfig Events: each names the annotation or field and the fix.</summary>
    public IReadOnlyList<string> BadConfig { get; init; } = [];

    /// <summary>A Gateway that names no issuer while no default is set: how to opt in (a Normal Event).</summary>
    public string? OptInHint { get; init; }

    /// <summary>The Secrets the object serves and their hosts, whether or not the shim manages them (host coverage).</summary>
    public IReadOnlyList<ShimTarget> Targets { get; init; } = [];
}

/// <summary>
/// cert-manager's ingress-shim and gateway-shim as a pure function: an Ingress or Gateway in, the Certificates it
/// stands for out (one per TLS Secret, named after it, owned by the object, labels copied, shaped by the
/// cert-manager.io annotations of §2.1).
/// </summary>
public static class CertificateShim
{
    public const string NoIssuerReason = "NoIssuer";

    /// <summary>kubectl's applyset label would make kubectl prune the Certificates as strays of the applyset.</summary>
    private const string ApplysetLabel = "applyset.kubernetes.io/part-of";

    public static ShimPlan Plan(IngressLike source, ShimOptions defaults)
    {
        var (targets, skipped) = ShimTargets.Of(source);
        var annotations = source.Annotations;
        if (!IsRequested(source, defaults))
            return new ShimPlan
            {
                Targets = targets,
                OptInHint = source.Kind == ShimSourceKind.Gateway && targets.Count > 0
                    ? $"No Certificate is made for this Gateway: it names no issuer. Add the annotation {ApiAnnotations.ClusterIssuer} " +
                      $"(or {ApiAnnotations.Issuer}) naming one, or set CertFleet__Shims__DefaultIssuerName (and DefaultIssuerKind) to issue for every Gateway"
                    : null,
            };
        if (source.IsDeleting)
            return new ShimPlan { Targets = targets };

        var problems = new List<string>();
        var issuer = IssuerOf(source, defaults, problems);
        if (source.Kind == ShimSourceKind.Ingress)
            problems.AddRange(DuplicateSecretNames(source));
        var template = Translate(annotations, problems);
        if (problems.Count > 0)
            return new ShimPlan { Targets = targets, BadConfig = problems };

        var certificates = targets.GroupBy(t => t.SecretName, StringComparer.Ordinal)
            .Select(group => Build(source, issuer!, template, group.Key, [.. group.SelectMany(t => t.Hosts)]))
            .ToList();
        return new ShimPlan { Certificates = certificates, Active = true, BadConfig = skipped, Targets = targets };
    }

    /// <summary>An issuer annotation; for Ingresses kubernetes.io/tls-acme; for Gateways also a configured default issuer.</summary>
    public static bool IsRequested(IngressLike source, ShimOptions defaults)
    {
        var annotations = source.Annotations;
        if (annotations.ContainsKey(ApiAnnotations.Issuer) || annotations.ContainsKey(ApiAnnotations.ClusterIssuer))
            return true;
        return source.Kind == ShimSourceKind.Ingress
            ? annotations.TryGetValue(ApiAnnotations.TlsAcme, out var acme) && IsGoTrue(acme)
            : defaults.HasDefaultIssuer;
    }

    private static Certificate Build(IngressLike source, IssuerRef issuer, Shaping template, string secretName, List<string> hosts)
    {
        var labels = new Dictionary<string, string>(source.Metadata.Labels ?? []);
        labels.Remove(ApplysetLabel);
        var annotations = new Dictionary<string, string>(template.Annotations);
        if (source.Kind == ShimSourceKind.Ingress)
        {
            if (source.Annotations.GetValueOrDefault(ApiAnnotations.Http01EditInPlace) == "true")
            {
                annotations[ApiAnnotations.Http01OverrideIngressName] = source.Name;
                annotations[ApiAnnotations.IssueTemporaryCertificate] = "true";
            }
        }
        else
        {
            annotations[ApiAnnotations.Http01ParentRefKind] = source.KindName;
            annotations[ApiAnnotations.Http01ParentRefName] = source.Name;
        }

        var ipHosts = hosts.Where(h => IPAddress.TryParse(h, out _)).ToList();
        var dnsNames = Distinct(hosts.Except(ipHosts).Concat(template.AltNames));
        var ipAddresses = Distinct(ipHosts.Concat(template.IpAddresses));
        return new Certificate
        {
            Metadata = new ObjectMeta
            {
                Name = secretName,
                Namespace = source.Namespace,
                Labels = labels.Count > 0 ? labels : null,
                Annotations = annotations.Count > 0 ? annotations : null,
                OwnerReferences =
                [
                    new OwnerReference
                    {
                        ApiVersion = source.ApiVersion.Length > 0 ? source.ApiVersion : source.ResourceKind.ApiVersion,
                        Kind = source.KindName,
                        Name = source.Name,
                        Uid = source.Uid,
                        Controller = true,
                        BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec = template.Spec with
            {
                SecretName = secretName,
                IssuerRef = issuer,
                DnsNames = dnsNames.Count > 0 ? dnsNames : null,
                IpAddresses = ipAddresses.Count > 0 ? ipAddresses : null,
            },
        };
    }

    private static IssuerRef? IssuerOf(IngressLike source, ShimOptions defaults, List<string> problems)
    {
        var annotations = source.Annotations;
        var name = defaults.DefaultIssuerName;
        var kind = defaults.DefaultIssuerKind;
        var group = defaults.DefaultIssuerGroup;
        var hasIssuer = annotations.TryGetValue(ApiAnnotations.Issuer, out var issuerName);
        var hasClusterIssuer = annotations.TryGetValue(ApiAnnotations.ClusterIssuer, out var clusterIssuerName);
        var hasKind = annotations.TryGetValue(ApiAnnotations.IssuerKind, out var kindName);
        var hasGroup = annotations.TryGetValue(ApiAnnotations.IssuerGroup, out var groupName);
        if (hasIssuer)
            (name, kind) = (issuerName, "Issuer");
        if (hasClusterIssuer)
            (name, kind) = (clusterIssuerName, "ClusterIssuer");
        if (hasKind)
            kind = kindName!;
        if (hasGroup)
            group = groupName!;

        var count = problems.Count;
        if (hasIssuer && hasClusterIssuer)
            problems.Add($"Annotations {ApiAnnotations.Issuer} and {ApiAnnotations.ClusterIssuer} may not both be set; keep the one naming the issuer to use");
        if (hasClusterIssuer && hasKind)
            problems.Add($"Annotations {ApiAnnotations.ClusterIssuer} and {ApiAnnotations.IssuerKind} may not both be set; remove {ApiAnnotations.IssuerKind}");
        if (hasClusterIssuer && hasGroup)
            problems.Add($"Annotations {ApiAnnotations.ClusterIssuer} and {ApiAnnotations.IssuerGroup} may not both be set; remove {ApiAnnotations.IssuerGroup}");
        if (string.IsNullOrWhiteSpace(name))
            problems.Add($"No issuer is named: set the annotation {ApiAnnotations.ClusterIssuer} or {ApiAnnotations.Issuer}, " +
                         $"or start CertFleet with CertFleet__Shims__DefaultIssuerName for {ApiAnnotations.TlsAcme}");
        if (string.IsNullOrWhiteSpace(kind) && !string.IsNullOrWhiteSpace(name))
            problems.Add($"Annotation {ApiAnnotations.IssuerKind} is empty; name the issuer's kind, e.g. Issuer or ClusterIssuer");
        return problems.Count > count ? null : new IssuerRef { Name = name!, Kind = kind, Group = string.IsNullOrEmpty(group) ? IssuerRef.DefaultGroup : group };
    }

    /// <summary>One Certificate per Secret: two TLS entries naming one Secret would fight over it.</summary>
    private static IEnumerable<string> DuplicateSecretNames(IngressLike ingress)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < ingress.Tls.Count; i++)
        {
            if (ingress.Tls[i].SecretName is not { Length: > 0 } name)
                continue;
            if (first.TryGetValue(name, out var earlier))
                yield return $"spec.tls[{earlier}].secretName: Invalid value: \"{name}\": this secret name must only appear in a single TLS entry " +
                             $"but is also used in spec.tls[{i}].secretName; merge the two entries' hosts into one";
            else
                first[name] = i;
        }
    }

    /// <summary>The spec fields and Certificate annotations the shaping annotations ask for.</summary>
    private sealed record Shaping(CertificateSpec Spec, List<string> AltNames, List<string> IpAddresses, Dictionary<string, string> Annotations);

    private static Shaping Translate(IReadOnlyDictionary<string, string> annotations, List<string> problems)
    {
        var spec = new CertificateSpec { Usages = [KeyUsages.DigitalSignature, KeyUsages.KeyEncipherment] };
        var altNames = new List<string>();
        var ipAddresses = new List<string>();
        var certificateAnnotations = new Dictionary<string, string>();

        void Problem(string key, string value, string what) => problems.Add($"Annotation {key}: \"{value}\" {what}");

        bool Has(string key, out string value)
        {
            value = annotations.GetValueOrDefault(key)!;
            return value is not null;
        }

        if (Has(ApiAnnotations.CommonName, out var commonName))
        {
            if (commonName.Length > 64)
                Problem(ApiAnnotations.CommonName, commonName, "is longer than 64 characters; shorten it or leave it out (the hosts become SANs anyway)");
            else
                spec = spec with { CommonName = commonName };
        }
        if (Has(ApiAnnotations.AltNames, out var alt))
            altNames.AddRange(SplitList(alt));
        if (Has(ApiAnnotations.IpSans, out var ips))
        {
            foreach (var ip in SplitList(ips))
            {
                if (IPAddress.TryParse(ip, out _))
                    ipAddresses.Add(ip);
                else
                    Problem(ApiAnnotations.IpSans, ips, $"contains \"{ip}\", which is not an IP address; list addresses separated by commas, e.g. 10.0.0.1,2001:db8::1");
            }
        }
        if (Has(ApiAnnotations.UriSans, out var uris))
        {
            var parsed = SplitList(uris).ToList();
            foreach (var uri in parsed.Where(u => !Uri.TryCreate(u, UriKind.Absolute, out _)))
                Problem(ApiAnnotations.UriSans, uris, $"contains \"{uri}\", which is not an absolute URI; write e.g. spiffe://cluster.local/ns/app/sa/web");
            spec = spec with { Uris = parsed };
        }
        if (Has(ApiAnnotations.EmailSans, out var emails))
        {
            var parsed = SplitList(emails).ToList();
            foreach (var email in parsed.Where(e => !MailAddress.TryCreate(e, out var address) || address.Address != e))
                Problem(ApiAnnotations.EmailSans, emails, $"contains \"{email}\", which is not an email address; list addresses separated by commas");
            spec = spec with { EmailAddresses = parsed };
        }
        spec = spec with { Subject = Subject(annotations, problems) };

        if (Has(ApiAnnotations.Duration, out var duration))
            spec = spec with { Duration = Duration(ApiAnnotations.Duration, duration, problems) };
        if (Has(ApiAnnotations.RenewBefore, out var renewBefore))
            spec = spec with { RenewBefore = Duration(ApiAnnotations.RenewBefore, renewBefore, problems) };
        if (Has(ApiAnnotations.RenewBeforePercentage, out var percentage))
        {
            if (int.TryParse(percentage, System.Globalization.NumberStyles.None, null, out var value) && value is >= 1 and <= 99)
                spec = spec with { RenewBeforePercentage = value };
            else
                Problem(ApiAnnotations.RenewBeforePercentage, percentage, "is not a whole number from 1 to 99; write e.g. \"33\"");
        }
        if (Has(ApiAnnotations.Usages, out var usages))
        {
            var parsed = usages.Split(',').Select(u => u.Trim()).ToList();
            foreach (var usage in parsed.Where(u => !KeyUsages.All.Contains(u)))
                Problem(ApiAnnotations.Usages, usages, $"contains \"{usage}\", which is not a key usage; use names such as \"digital signature\", \"key encipherment\", \"server auth\"");
            spec = spec with { Usages = parsed };
        }
        if (Has(ApiAnnotations.RevisionHistoryLimit, out var limit))
        {
            if (int.TryParse(limit, System.Globalization.NumberStyles.None, null, out var value) && value >= 1)
                spec = spec with { RevisionHistoryLimit = value };
            else
                Problem(ApiAnnotations.RevisionHistoryLimit, limit, "is not a whole number of at least 1; write e.g. \"1\"");
        }
        spec = spec with { PrivateKey = PrivateKey(annotations, problems) };
        if (Has(ApiAnnotations.SecretTemplate, out var secretTemplate))
        {
            try
            {
                spec = spec with { SecretTemplate = JsonSerializer.Deserialize<TemplateMetadata>(secretTemplate, ApiJson.Options) };
            }
            catch (JsonException ex)
            {
                Problem(ApiAnnotations.SecretTemplate, secretTemplate,
                    $"is not a JSON secret template ({ex.Message}); write e.g. {{\"labels\": {{\"team\": \"web\"}}, \"annotations\": {{\"a\": \"b\"}}}}");
            }
        }

        if (annotations.GetValueOrDefault(ApiAnnotations.Http01IngressClass) is { Length: > 0 } ingressClass)
            certificateAnnotations[ApiAnnotations.Http01OverrideIngressClass] = ingressClass;
        if (annotations.GetValueOrDefault(ApiAnnotations.Http01IngressClassName) is { Length: > 0 } ingressClassName)
            certificateAnnotations[ApiAnnotations.Http01OverrideIngressClassName] = ingressClassName;
        return new Shaping(spec, altNames, ipAddresses, certificateAnnotations);
    }

    private static X509Subject? Subject(IReadOnlyDictionary<string, string> annotations, List<string> problems)
    {
        List<string>? List(string key)
        {
            if (annotations.GetValueOrDefault(key) is not { } value)
                return null;
            if (CsvList(value) is { } items)
                return items;
            problems.Add($"Annotation {key}: \"{value}\" is not a comma-separated list (a quote is left open); quote values that contain commas, e.g. \"Acme, Inc\",Other");
            return null;
        }

        var subject = new X509Subject
        {
            Organizations = List(ApiAnnotations.SubjectOrganizations),
            OrganizationalUnits = List(ApiAnnotations.SubjectOrganizationalUnits),
            Countries = List(ApiAnnotations.SubjectCountries),
            Provinces = List(ApiAnnotations.SubjectProvinces),
            Localities = List(ApiAnnotations.SubjectLocalities),
            PostalCodes = List(ApiAnnotations.SubjectPostalCodes),
            StreetAddresses = List(ApiAnnotations.SubjectStreetAddresses),
            SerialNumber = annotations.GetValueOrDefault(ApiAnnotations.SubjectSerialNumber),
        };
        return subject == new X509Subject() ? null : subject;
    }

    private static CertificatePrivateKey? PrivateKey(IReadOnlyDictionary<string, string> annotations, List<string> problems)
    {
        string? OneOf(string key, params string[] allowed)
        {
            if (annotations.GetValueOrDefault(key) is not { } value)
                return null;
            if (allowed.Contains(value, StringComparer.Ordinal))
                return value;
            problems.Add($"Annotation {key}: \"{value}\" is not one of {string.Join(", ", allowed)}");
            return null;
        }

        int? size = null;
        if (annotations.GetValueOrDefault(ApiAnnotations.PrivateKeySize) is { } sizeText)
        {
            if (int.TryParse(sizeText, System.Globalization.NumberStyles.None, null, out var value) && value > 0)
                size = value;
            else
                problems.Add($"Annotation {ApiAnnotations.PrivateKeySize}: \"{sizeText}\" is not a key size; write e.g. \"2048\" for RSA or \"256\" for ECDSA");
        }
        var key = new CertificatePrivateKey
        {
            Algorithm = OneOf(ApiAnnotations.PrivateKeyAlgorithm, PrivateKeyAlgorithms.Rsa, PrivateKeyAlgorithms.Ecdsa, PrivateKeyAlgorithms.Ed25519),
            Encoding = OneOf(ApiAnnotations.PrivateKeyEncoding, PrivateKeyEncodings.Pkcs1, PrivateKeyEncodings.Pkcs8),
            RotationPolicy = OneOf(ApiAnnotations.PrivateKeyRotationPolicy, PrivateKeyRotationPolicies.Never, PrivateKeyRotationPolicies.Always),
            Size = size,
        };
        return key == new CertificatePrivateKey() ? null : key;
    }

    /// <summary>Go's time.ParseDuration, written back in Go's form ("2160h0m0s") as cert-manager's metav1.Duration does.</summary>
    private static string? Duration(string key, string value, List<string> problems)
    {
        try
        {
            return GoDuration.Format(GoDuration.Parse(value));
        }
        catch (PkiException ex)
        {
            problems.Add($"Annotation {key}: {ex.Message}");
            return null;
        }
    }

    private static IEnumerable<string> SplitList(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>One CSV record, as cert-manager reads subject annotations: quotes protect commas, "" is a quote.</summary>
    private static List<string>? CsvList(string value)
    {
        var items = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quoted)
            {
                if (c != '"')
                    current.Append(c);
                else if (i + 1 < value.Length && value[i + 1] == '"')
                    current.Append(value[++i]);
                else
                    quoted = false;
            }
            else if (c == '"')
                quoted = true;
            else if (c == ',')
            {
                items.Add(current.ToString().Trim());
                current.Clear();
            }
            else
                current.Append(c);
        }
        if (quoted)
            return null;
        items.Add(current.ToString().Trim());
        return [.. items.Where(item => item.Length > 0)];
    }

    /// <summary>Go's strconv.ParseBool true values, which cert-manager accepts for kubernetes.io/tls-acme.</summary>
    private static bool IsGoTrue(string value) => value is "1" or "t" or "T" or "true" or "TRUE" or "True";

    private static List<string> Distinct(IEnumerable<string> values) => [.. values.Distinct(StringComparer.Ordinal)];
}
