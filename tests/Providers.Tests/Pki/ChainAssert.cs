using System.Security.Cryptography.X509Certificates;
using CertFleet.Providers.Pki;

namespace CertFleet.Providers.Tests.Pki;

internal static class ChainAssert
{
    /// <summary>Builds the chain with the framework's X509Chain, trusting only <see cref="IssuedCertificate.CaPem"/>.</summary>
    public static void Valid(IssuedCertificate issued)
    {
        var certificates = PemBundle.Certificates(issued.ChainPem, "chain").Select(X509CertificateLoader.LoadCertificate).ToList();
        using var root = X509CertificateLoader.LoadCertificate(PemBundle.Certificates(issued.CaPem!, "ca")[0]);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(certificates.Skip(1).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = TestCertificates.Now.AddHours(1).UtcDateTime;

        var valid = chain.Build(certificates[0]);

        Assert.True(valid, string.Join("; ", chain.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation}")));
        Assert.Equal(certificates.Count + (certificates[^1].Thumbprint == root.Thumbprint ? 0 : 1), chain.ChainElements.Count);
        certificates.ForEach(c => c.Dispose());
    }
}
