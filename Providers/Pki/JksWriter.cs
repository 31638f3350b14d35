using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace CertFleet.Providers.Pki;

/// <summary>
/// Writes Sun's JKS keystore format (version 2): big-endian records, private keys protected with Sun's
/// SHA-1 keystream "KeyProtector", and a SHA-1 integrity digest keyed by the password.
/// </summary>
internal sealed class JksWriter(string password, DateTimeOffset createdAt)
{
    private const uint Magic = 0xFEEDFEED;
    private const uint Version = 2;
    private const uint PrivateKeyTag = 1;
    private const uint TrustedCertificateTag = 2;
    private const string CertificateType = "X.509";
    private const string KeyProtectorOid = "1.3.6.1.4.1.42.2.17.1.1";
    private const int DigestLength = 20; // SHA-1

    private readonly List<byte[]> _entries = [];

    public void AddPrivateKey(string alias, byte[] pkcs8, IReadOnlyList<byte[]> chain)
    {
        var entry = new MemoryStream();
        WriteUInt32(entry, PrivateKeyTag);
        WriteEntryHeader(entry, alias);
        var protectedKey = ProtectKey(pkcs8);
        WriteUInt32(entry, (uint)protectedKey.Length);
        entry.Write(protectedKey);
        WriteUInt32(entry, (uint)chain.Count);
        foreach (var certificate in chain)
        {
            WriteCertificate(entry, certificate);
        }
        _entries.Add(entry.ToArray());
    }

    public void AddTrustedCertificate(string alias, byte[] certificate)
    {
        var entry = new MemoryStream();
        WriteUInt32(entry, TrustedCertificateTag);
        WriteEntryHeader(entry, alias);
        WriteCertificate(entry, certificate);
        _entries.Add(entry.ToArray());
    }

    public byte[] ToArray()
    {
        var store = new MemoryStream();
        WriteUInt32(store, Magic);
        WriteUInt32(store, Version);
        WriteUInt32(store, (uint)_entries.Count);
        foreach (var entry in _entries)
        {
            store.Write(entry);
        }

        using var integrity = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        integrity.AppendData(PasswordBytes());
        integrity.AppendData("Mighty Aphrodite"u8);
        integrity.AppendData(store.GetBuffer().AsSpan(0, (int)store.Length));
        store.Write(integrity.GetHashAndReset());
        return store.ToArray();
    }

    /// <summary>
    /// salt(20) ‖ (key XOR SHA-1 keystream) ‖ SHA-1(password ‖ key), where the keystream blocks are
    /// SHA-1(password ‖ previous block) starting from the salt; wrapped in an EncryptedPrivateKeyInfo.
    /// </summary>
    private byte[] ProtectKey(byte[] pkcs8)
    {
        var passwordBytes = PasswordBytes();
        var salt = RandomNumberGenerator.GetBytes(DigestLength);
        var protectedKey = new byte[DigestLength + pkcs8.Length + DigestLength];
        salt.CopyTo(protectedKey, 0);

        var block = salt;
        for (var offset = 0; offset < pkcs8.Length; offset += DigestLength)
        {
            block = SHA1.HashData([.. passwordBytes, .. block]);
            for (var i = 0; i < DigestLength && offset + i < pkcs8.Length; i++)
            {
                protectedKey[DigestLength + offset + i] = (byte)(pkcs8[offset + i] ^ block[i]);
            }
        }
        var check = SHA1.HashData([.. passwordBytes, .. pkcs8]);
        check.CopyTo(protectedKey, DigestLength + pkcs8.Length);

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(KeyProtectorOid);
                writer.WriteNull();
            }
            writer.WriteOctetString(protectedKey);
        }
        return writer.Encode();
    }

    // Java's keystores lowercase aliases, as cert-manager's JKS library does by default.
    private void WriteEntryHeader(Stream entry, string alias)
    {
        WriteUtf(entry, alias.ToLowerInvariant());
        Span<byte> timestamp = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(timestamp, createdAt.ToUnixTimeMilliseconds());
        entry.Write(timestamp);
    }

    private static void WriteCertificate(Stream entry, byte[] certificate)
    {
        WriteUtf(entry, CertificateType);
        WriteUInt32(entry, (uint)certificate.Length);
        entry.Write(certificate);
    }

    // Java's DataOutput.writeUTF: a 16-bit length, then the bytes (plain UTF-8 for everything but NUL and astral characters).
    private static void WriteUtf(Stream stream, string text)
    {
        if (text.Contains('\0') || text.Any(char.IsSurrogate))
        {
            throw new PkiException($"keystores.jks.alias: \"{text}\" may not contain NUL or characters outside the Basic Multilingual Plane");
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)bytes.Length));
        stream.Write(length);
        stream.Write(bytes);
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        stream.Write(bytes);
    }

    // Java passes passwords as char[] and hashes each char as two big-endian bytes.
    private byte[] PasswordBytes() => Encoding.BigEndianUnicode.GetBytes(password);
}
