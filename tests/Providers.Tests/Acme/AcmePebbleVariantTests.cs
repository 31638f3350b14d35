using CertFleet.Providers.Acme;
using CertFleet.TestSupport;

namespace CertFleet.Providers.Tests.Acme;

/// <summary>Behaviours that need Pebble started with particular settings; each test runs its own Pebble.</summary>
public sealed class AcmePebbleVariantTests
{
    private const string MacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

    [Fact]
    public async Task Issuance_survives_a_30_percent_badNonce_rate()
    {
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { NonceRejectPercent = 30, AuthorizationReusePercent = 0 });
        var observer = new RecordingObserver();
        // Enough retries that 30 % rejections cannot exhaust them by chance in this many requests.
        using var client = await AcmeIssuance.RegisteredClientAsync(pebble, observer, badNonceRetries: 10);

        var (order, _) = await AcmeIssuance.IssueAsync(client, pebble, [AcmeIdentifier.Dns("nonce.certfleet.test"), AcmeIdentifier.Dns("nonce2.certfleet.test")]);

        Assert.Equal(AcmeOrder.Valid, order.Status);
        Assert.Contains(observer.Calls, c => c.Method == "POST" && c.Status == 400);
    }

    [Fact]
    public async Task External_account_binding_is_required_and_accepted()
    {
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { ExternalAccountMacKeys = new Dictionary<string, string> { ["kid-1"] = MacKey } });
        using var key = AcmeAccountKey.Generate();
        using var client = AcmeIssuance.Client(pebble, key);

        Assert.True((await client.GetDirectoryAsync()).Meta.ExternalAccountRequired);
        var missing = await Assert.ThrowsAsync<AcmeException>(() => client.RegisterAccountAsync(new AcmeAccountRequest { TermsOfServiceAgreed = true }));
        var wrongMac = await Assert.ThrowsAsync<AcmeException>(() => client.RegisterAccountAsync(new AcmeAccountRequest
        {
            TermsOfServiceAgreed = true,
            ExternalAccountBinding = new AcmeExternalAccountBinding("kid-1", "b10lLJs8l1GPIzsLP0s6pMt8O0XVGnfTaCeROxQM0BIt2XrJMDHJZBM5NuQmQJQH"),
        }));
        var account = await client.RegisterAccountAsync(new AcmeAccountRequest
        {
            TermsOfServiceAgreed = true,
            ExternalAccountBinding = new AcmeExternalAccountBinding("kid-1", MacKey),
        });

        Assert.Equal("externalAccountRequired", missing.Problem!.ShortType);
        Assert.Equal(AcmeProblemAction.Permanent, missing.Problem.Action);
        Assert.Equal("unauthorized", wrongMac.Problem!.ShortType);
        Assert.Equal("valid", account.Status);
    }

    [Fact]
    public async Task PreferredChain_picks_the_alternate_chain_by_its_root_common_name()
    {
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { AlternateRoots = 1, AlwaysValid = true, AuthorizationReusePercent = 0 });
        using var client = await AcmeIssuance.RegisteredClientAsync(pebble);
        var defaultRoot = await pebble.RootPemAsync(0);
        var alternateRoot = await pebble.RootPemAsync(1);
        var alternateName = AcmeIssuance.CommonName(alternateRoot);

        var (order, preferred) = await AcmeIssuance.IssueAsync(client, pebble, [AcmeIdentifier.Dns("chain.certfleet.test")], preferredChain: alternateName);
        var byDefault = await client.DownloadCertificateAsync(order.CertificateUrl!);
        var unknownPreference = await client.DownloadCertificateAsync(order.CertificateUrl!, "No Such Root");

        Assert.NotEqual(AcmeIssuance.CommonName(defaultRoot), alternateName);
        Assert.Equal(alternateName, preferred.IssuerCommonName);
        Assert.True(AcmeIssuance.ChainsTo(preferred, alternateRoot));
        Assert.Equal(AcmeIssuance.CommonName(defaultRoot), byDefault.IssuerCommonName);
        Assert.True(AcmeIssuance.ChainsTo(byDefault, defaultRoot));
        Assert.Single(byDefault.AlternateUrls);
        Assert.Equal(byDefault.Pem, unknownPreference.Pem);
    }

    [Fact]
    public async Task Issuance_works_in_Pebble_strict_mode()
    {
        await using var pebble = await PebbleServer.StartAsync(new PebbleOptions { Strict = true, AuthorizationReusePercent = 0 });
        using var client = await AcmeIssuance.RegisteredClientAsync(pebble);

        var (order, chain) = await AcmeIssuance.IssueAsync(client, pebble, [AcmeIdentifier.Dns("strict.certfleet.test")]);

        Assert.Equal(AcmeOrder.Valid, order.Status);
        Assert.True(AcmeIssuance.ChainsTo(chain, await pebble.RootPemAsync(0)));
    }
}
