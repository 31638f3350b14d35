using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace CertFleet.Providers.Pki;

/// <summary>Lets the framework's <see cref="CertificateRequest"/> sign with Ed25519 (RFC 8410), which .NET lacks.</summary>
internal sealed class Ed25519SignatureGenerator(Ed25519PrivateKeyParameters key, byte[] subjectPublicKeyInfo) : X509SignatureGenerator
{
    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(Oids.Ed25519);
        }
        return writer.Encode();
    }

    // PureEd25519 signs the message itself; the hash name the framework passes is irrelevant.
    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
    {
        var signature = new byte[Ed25519.SignatureSize];
        key.Sign(Ed25519.Algorithm.Ed25519, null, data, 0, data.Length, signature, 0);
        return signature;
    }

    protected override PublicKey BuildPublicKey() => PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
}
