using CertFleet.Interfaces.Api;
using CertFleet.Providers.Pki;

namespace CertFleet.Grains.Issuance;

/// <summary>Turns a Certificate spec into the template the CSR is built from.</summary>
public static class CertificateTemplates
{
    public static CertificateTemplate From(CertificateSpec spec) => new()
    {
        CommonName = spec.CommonName,
        LiteralSubject = spec.LiteralSubject,
        Subject = spec.Subject is { } s
            ? new SubjectFields
            {
                Organizations = s.Organizations ?? [],
                Countries = s.Countries ?? [],
                OrganizationalUnits = s.OrganizationalUnits ?? [],
                Localities = s.Localities ?? [],
                Provinces = s.Provinces ?? [],
                StreetAddresses = s.StreetAddresses ?? [],
                PostalCodes = s.PostalCodes ?? [],
                SerialNumber = s.SerialNumber,
            }
            : new SubjectFields(),
        DnsNames = spec.DnsNames ?? [],
        IpAddresses = spec.IpAddresses ?? [],
        Uris = spec.Uris ?? [],
        EmailAddresses = spec.EmailAddresses ?? [],
        OtherNames = [.. (spec.OtherNames ?? []).Select(o => (o.Oid ?? "", o.Utf8Value ?? ""))],
        IsCA = spec.IsCA ?? false,
        Usages = spec.Usages ?? [],
        Duration = Policies.CertificateSpecValidation.Duration(spec),
        SignatureAlgorithm = spec.SignatureAlgorithm,
        EncodeUsagesInRequest = spec.EncodeUsagesInRequest ?? true,
        NameConstraints = spec.NameConstraints is { } constraints
            ? new Providers.Pki.NameConstraints
            {
                Critical = constraints.Critical ?? false,
                Permitted = Items(constraints.Permitted),
                Excluded = Items(constraints.Excluded),
            }
            : null,
    };

    private static NameConstraintItems? Items(NameConstraintItem? items) => items is null
        ? null
        : new NameConstraintItems
        {
            DnsDomains = items.DnsDomains ?? [],
            IpRanges = items.IpRanges ?? [],
            EmailAddresses = items.EmailAddresses ?? [],
            UriDomains = items.UriDomains ?? [],
        };
}
