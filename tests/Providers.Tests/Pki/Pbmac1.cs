using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Providers.Tests.Pki;

/// <summary>Checks a PFX's PBMAC1 MAC (RFC 9579) from the parameters the file names, as a reader would.</summary>
internal static class Pbmac1
{
    public static int Iterations(byte[] pfx) => Parameters(pfx).Iterations;

    public static bool Verifies(byte[] pfx, string password)
    {
        var (content, mac, salt, iterations, keyLength) = Parameters(pfx);
        var key = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, keyLength);
        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, content), mac);
    }

    private static (byte[] Content, byte[] Mac, byte[] Salt, int Iterations, int KeyLength) Parameters(byte[] pfx)
    {
        var (content, mac, kdf) = Read(pfx);
        var salt = kdf.ReadOctetString();
        var iterations = (int)kdf.ReadInteger();
        var keyLength = (int)kdf.ReadInteger();
        Assert.Equal("1.2.840.113549.2.9", kdf.ReadSequence().ReadObjectIdentifier()); // PRF hmacWithSHA256
        return (content, mac, salt, iterations, keyLength);
    }

    private static (byte[] Content, byte[] Mac, AsnReader Kdf) Read(byte[] pfx)
    {
        var top = new AsnReader(pfx, AsnEncodingRules.BER).ReadSequence();
        Assert.Equal(3, (int)top.ReadInteger());
        var authSafe = top.ReadSequence();
        Assert.Equal("1.2.840.113549.1.7.1", authSafe.ReadObjectIdentifier());
        var content = authSafe.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)).ReadOctetString();
        var digestInfo = top.ReadSequence().ReadSequence();
        var algorithm = digestInfo.ReadSequence();
        Assert.Equal("1.2.840.113549.1.5.14", algorithm.ReadObjectIdentifier()); // PBMAC1
        var parameters = algorithm.ReadSequence();
        var kdf = parameters.ReadSequence();
        Assert.Equal("1.2.840.113549.1.5.12", kdf.ReadObjectIdentifier()); // PBKDF2
        Assert.Equal("1.2.840.113549.2.9", parameters.ReadSequence().ReadObjectIdentifier()); // MAC hmacWithSHA256
        return (content, digestInfo.ReadOctetString(), kdf.ReadSequence());
    }
}
