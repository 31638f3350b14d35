namespace CertFleet.Providers.Caa;

/// <summary>One CAA record (RFC 8659): flags (128 = critical), tag and value, at the name that holds it.</summary>
public sealed record CaaRecordData(string Owner, byte Flags, string Tag, string Value)
{
    public bool IsCritical => (Flags & 128) != 0;

    public override string ToString() => $"{Owner} CAA {Flags} {Tag} \"{Value}\"";
}
