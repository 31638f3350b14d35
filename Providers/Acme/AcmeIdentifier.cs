namespace CertFleet.Providers.Acme;

/// <summary>An order identifier: <c>dns</c> (RFC 8555) or <c>ip</c> (RFC 8738).</summary>
public sealed record AcmeIdentifier(string Type, string Value)
{
    public const string DnsType = "dns";
    public const string IpType = "ip";

    public static AcmeIdentifier Dns(string name) => new(DnsType, name);

    public static AcmeIdentifier Ip(string address) => new(IpType, address);

    public override string ToString() => $"{Type}:{Value}";
}
