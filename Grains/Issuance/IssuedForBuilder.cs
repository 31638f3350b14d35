using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Issuance;

/// <summary>Reduces a Certificate spec to the fields that shape its request, normalised so order does not matter.</summary>
public static class IssuedForBuilder
{
    public static IssuedFor From(CertificateSpec spec)
    {
        var key = KeySpec.FromCertificateSpec(spec.PrivateKey?.Algorithm, spec.PrivateKey?.Size, spec.PrivateKey?.Encoding);
        return new IssuedFor
        {
            CommonName = NullIfEmpty(spec.CommonName),
            DnsNames = Sorted(spec.DnsNames),
            IpAddresses = Sorted(spec.IpAddresses),
            Uris = Sorted(spec.Uris),
            EmailAddresses = Sorted(spec.EmailAddresses),
            OtherNames = spec.OtherNames is { Count: > 0 } others
                ? string.Join(",", others.Select(o => $"{o.Oid}={o.Utf8Value}").Order(StringComparer.Ordinal))
                : null,
            Subject = spec.Subject is { } s
                ? string.Join(";", Join(s.Organizations), Join(s.Countries), Join(s.OrganizationalUnits), Join(s.Localities),
                    Join(s.Provinces), Join(s.StreetAddresses), Join(s.PostalCodes), s.SerialNumber ?? "")
                : null,
            LiteralSubject = NullIfEmpty(spec.LiteralSubject),
            Duration = GoDuration.Format(Policies.CertificateSpecValidation.Duration(spec)),
            IsCA = spec.IsCA ?? false,
            Usages = Sorted(spec.Usages),
            KeyAlgorithm = key.Algorithm,
            KeySize = key.Size,
            SignatureAlgorithm = NullIfEmpty(spec.SignatureAlgorithm),
            IssuerName = spec.IssuerRef.Name,
            IssuerKind = string.IsNullOrEmpty(spec.IssuerRef.Kind) ? IssuerRef.DefaultKind : spec.IssuerRef.Kind,
            IssuerGroup = string.IsNullOrEmpty(spec.IssuerRef.Group) ? IssuerRef.DefaultGroup : spec.IssuerRef.Group,
        };
    }

    private static IReadOnlyList<string> Sorted(List<string>? values) =>
        values is { Count: > 0 } ? [.. values.Order(StringComparer.Ordinal)] : [];

    private static string Join(List<string>? values) => values is null ? "" : string.Join(",", values);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
