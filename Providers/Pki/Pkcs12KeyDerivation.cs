using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Providers.Pki;

/// <summary>
/// The PKCS#12 password-based key derivation (RFC 7292 appendix B.2), which PKCS#12 MACs use and the framework
/// does not expose.
/// </summary>
internal static class Pkcs12KeyDerivation
{
    public const byte MacKeyId = 3;
    private const int BlockLength = 64; // v for SHA-1 and SHA-256

    public static byte[] DeriveKey(string password, ReadOnlySpan<byte> salt, int iterations, HashAlgorithmName hash, byte id, int length)
    {
        // The password is a NUL-terminated BMPString.
        var passwordBytes = Encoding.BigEndianUnicode.GetBytes(password + "\0");
        var input = new byte[RoundUp(salt.Length) + RoundUp(passwordBytes.Length)];
        Repeat(salt, input.AsSpan(0, RoundUp(salt.Length)));
        Repeat(passwordBytes, input.AsSpan(RoundUp(salt.Length)));

        var diversifier = new byte[BlockLength];
        Array.Fill(diversifier, id);
        var key = new byte[length];
        var block = new byte[BlockLength];
        for (var offset = 0; offset < length;)
        {
            var digest = HashData(hash, [.. diversifier, .. input]);
            for (var i = 1; i < iterations; i++)
            {
                digest = HashData(hash, digest);
            }
            var take = Math.Min(digest.Length, length - offset);
            digest.AsSpan(0, take).CopyTo(key.AsSpan(offset));
            offset += take;

            // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I, B being the digest repeated to v bytes.
            Repeat(digest, block);
            for (var start = 0; start < input.Length; start += BlockLength)
            {
                var carry = 1;
                for (var i = BlockLength - 1; i >= 0; i--)
                {
                    var sum = input[start + i] + block[i] + carry;
                    input[start + i] = (byte)sum;
                    carry = sum >> 8;
                }
            }
        }
        return key;
    }

    private static byte[] HashData(HashAlgorithmName hash, byte[] data) =>
        hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data)
        : hash == HashAlgorithmName.SHA1 ? SHA1.HashData(data)
        : throw new ArgumentOutOfRangeException(nameof(hash), hash, "only SHA-1 and SHA-256 are used for PKCS#12 MACs");

    private static int RoundUp(int length) => (length + BlockLength - 1) / BlockLength * BlockLength;

    private static void Repeat(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = source[i % source.Length];
        }
    }
}
