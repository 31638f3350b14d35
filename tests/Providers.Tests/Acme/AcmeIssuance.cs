using System.Security.Cryptography.X509Certificates;
using CertFleet.Providers.Acme;
using CertFleet.Providers.Pki;
using CertFleet.TestSupport;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>The issuance flow a grain drives from timers, compressed into awaited loops with a deadline for tests.</summary>
internal static class AcmeIssuance
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static AcmeClient Client(PebbleServer pebble, AcmeAccountKey key, IAcmeRequestObserver? observer = null, int badNonceRetries = 3) =>
        new(new AcmeClientOptions { DirectoryUrl = pebble.DirectoryUrl, CaBundlePem = pebble.ListenerCaPem, Observer = observer, BadNonceRetries = badNonceRetries }, key);

    public static async Task<AcmeClient> RegisteredClientAsync(PebbleServer pebble, IAcmeRequestObserver? observer = null, int badNonceRetries = 3)
    {
        var client = Client(pebble, AcmeAccountKey.Generate(), observer, badNonceRetries);
        await client.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true });
        return client;
    }

    /// <summary>A DER CSR from a fresh P-256 key naming exactly these SANs.</summary>
    public static byte[] CsrDer(IReadOnlyList<string> dnsNames, IReadOnlyList<string> ipAddresses)
    {
        using var key = PrivateKey.Generate(KeySpec.FromCertificateSpec(KeyAlgorithms.Ecdsa, 256, null));
        var pem = CsrBuilder.BuildPem(new CertificateTemplate { DnsNames = dnsNames, IpAddresses = ipAddresses }, key);
        return PemBundle.Split(pem)[0].Der;
    }

    public static byte[] CsrDer(IEnumerable<AcmeIdentifier> identifiers) =>
        CsrDer(identifiers.Where(i => i.Type == AcmeIdentifier.DnsType).Select(i => i.Value).ToArray(),
            identifiers.Where(i => i.Type == AcmeIdentifier.IpType).Select(i => i.Value).ToArray());

    /// <summary>Reads until <paramref name="done"/> holds, backing off from 100 ms to 1 s, failing after the deadline.</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} still not done after {Deadline.TotalSeconds} s: {value}");
            }
            await Task.Delay(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond));
        }
    }

    /// <summary>
    /// Answers every pending authorization's HTTP-01 challenge through challtestsrv with <paramref name="response"/>
    /// (default: the key authorization), waits for each to settle, then for the order to leave <c>pending</c>.
    /// </summary>
    public static async Task<AcmeOrder> AnswerHttp01Async(AcmeClient client, PebbleServer pebble, AcmeOrder order, Func<string, string>? response = null)
    {
        foreach (var url in order.AuthorizationUrls)
        {
            var authorization = await client.GetAuthorizationAsync(url);
            if (authorization.Status != "pending")
            {
                continue;
            }
            var challenge = authorization.Challenges.Single(c => c.Type == AcmeChallenge.Http01);
            await pebble.ChallengeServer.AddHttp01Async(challenge.Token, response?.Invoke(challenge.Token) ?? client.KeyAuthorization(challenge.Token));
            await client.AcceptChallengeAsync(challenge.Url);
            await PollAsync(() => client.GetAuthorizationAsync(url), a => a.Status is not ("pending" or "processing"), "authorization " + url);
        }
        return await PollAsync(() => client.GetOrderAsync(order.Url), o => o.Status != AcmeOrder.Pending, "order " + order.Url);
    }

    /// <summary>newOrder → HTTP-01 → finalize → download.</summary>
    public static async Task<(AcmeOrder Order, AcmeCertificateChain Chain)> IssueAsync(
        AcmeClient client, PebbleServer pebble, IReadOnlyList<AcmeIdentifier> identifiers, string? preferredChain = null)
    {
        var order = await client.NewOrderAsync(identifiers);
        order = await AnswerHttp01Async(client, pebble, order);
        Assert.Equal(AcmeOrder.Ready, order.Status);
        order = await client.FinalizeAsync(order, CsrDer(identifiers));
        order = await PollAsync(() => client.GetOrderAsync(order.Url), o => o.Status is not (AcmeOrder.Processing or AcmeOrder.Ready), "finalized order");
        Assert.Equal(AcmeOrder.Valid, order.Status);
        var chain = await client.DownloadCertificateAsync(order.CertificateUrl!, preferredChain);
        return (order, chain);
    }

    /// <summary>True when the chain's leaf builds to <paramref name="rootPem"/> as the only trusted root.</summary>
    public static bool ChainsTo(AcmeCertificateChain chain, string rootPem)
    {
        var certificates = PemBundle.Certificates(chain.Pem, "chain").Select(X509CertificateLoader.LoadCertificate).ToArray();
        using var x509 = new X509Chain();
        x509.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        x509.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(PemBundle.Certificates(rootPem, "root")[0]));
        x509.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        x509.ChainPolicy.ExtraStore.AddRange(certificates[1..]);
        return x509.Build(certificates[0]);
    }

    public static string CommonName(string pem) =>
        X509CertificateLoader.LoadCertificate(PemBundle.Certificates(pem, "certificate")[0]).GetNameInfo(X509NameType.SimpleName, forIssuer: false);
}
