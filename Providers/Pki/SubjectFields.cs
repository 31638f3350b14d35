namespace CertFleet.Providers.Pki;

/// <summary>The structured <c>spec.subject</c> of a Certificate (everything except the common name).</summary>
public sealed record SubjectFields
{
    public static SubjectFields Empty { get; } = new();

    public IReadOnlyList<string> Organizations { get; init; } = [];

    public IReadOnlyList<string> Countries { get; init; } = [];

    public IReadOnlyList<string> OrganizationalUnits { get; init; } = [];

    public IReadOnlyList<string> Localities { get; init; } = [];

    public IReadOnlyList<string> Provinces { get; init; } = [];

    public IReadOnlyList<string> StreetAddresses { get; init; } = [];

    public IReadOnlyList<string> PostalCodes { get; init; } = [];

    public string? SerialNumber { get; init; }

    public bool IsEmpty =>
        Organizations.Count == 0 && Countries.Count == 0 && OrganizationalUnits.Count == 0 && Localities.Count == 0
        && Provinces.Count == 0 && StreetAddresses.Count == 0 && PostalCodes.Count == 0 && string.IsNullOrEmpty(SerialNumber);

    // Value equality over the lists, so a spec's subject can be compared with one read back from a certificate.
    public bool Equals(SubjectFields? other) =>
        other is not null
        && Organizations.SequenceEqual(other.Organizations) && Countries.SequenceEqual(other.Countries)
        && OrganizationalUnits.SequenceEqual(other.OrganizationalUnits) && Localities.SequenceEqual(other.Localities)
        && Provinces.SequenceEqual(other.Provinces) && StreetAddresses.SequenceEqual(other.StreetAddresses)
        && PostalCodes.SequenceEqual(other.PostalCodes) && (SerialNumber ?? "") == (other.SerialNumber ?? "");

    public override int GetHashCode() => HashCode.Combine(Organizations.Count, Countries.Count, SerialNumber ?? "");
}
