using System.Collections.Concurrent;
using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

/// <summary>
/// Keys shared by tests that only need "a key of this kind": RSA generation is slow, so each kind is made once
/// and handed out as a fresh PrivateKey read from its PEM (callers dispose their copy).
/// </summary>
internal static class TestKeys
{
    private static readonly ConcurrentDictionary<(string, int), Lazy<string>> Pems = new();

    public static PrivateKey Get(string algorithm, int size = 0)
    {
        var spec = KeySpec.FromCertificateSpec(algorithm, size, KeyEncodings.Pkcs8);
        var pem = Pems.GetOrAdd((spec.Algorithm, spec.Size), _ => new Lazy<string>(() =>
        {
            using var key = PrivateKey.Generate(spec);
            return key.ToPem(KeyEncodings.Pkcs8);
        }));
        return PrivateKey.FromPem(pem.Value);
    }

    public static PrivateKey Rsa() => Get(KeyAlgorithms.Rsa, 2048);

    public static PrivateKey Ecdsa(int size = 256) => Get(KeyAlgorithms.Ecdsa, size);

    public static PrivateKey Ed25519() => Get(KeyAlgorithms.Ed25519);
}
