using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Grains.Policies;

/// <summary>
/// A number in [0, 1) drawn from a seed by SHA-256: spread like a random draw across certificates, yet the same on
/// every silo and after every restart, so a renewal time once shown never reshuffles.
/// </summary>
public static class StableFraction
{
    public static double Of(string seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        // 53 bits: exactly representable in a double.
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) / (double)(1UL << 53);
    }
}
