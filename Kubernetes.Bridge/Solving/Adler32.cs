using System.Text;

namespace CertFleet.Kubernetes.Bridge.Solving;

/// <summary>
/// Adler-32 (RFC 1950), the checksum cert-manager puts in its solver labels: a dnsName or token can exceed the
/// 63-character label value limit, its checksum cannot.
/// </summary>
public static class Adler32
{
    private const uint Modulus = 65521;

    public static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        foreach (var value in data)
        {
            a = (a + value) % Modulus;
            b = (b + a) % Modulus;
        }
        return (b << 16) | a;
    }

    public static uint Checksum(string text) => Checksum(Encoding.UTF8.GetBytes(text));
}
