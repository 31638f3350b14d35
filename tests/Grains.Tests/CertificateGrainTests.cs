using System.Security.Cryptography.X509Certificates;
using CertFleet.Interfaces;
using CertFleet.Interfaces.Api;
using CertFleet.Interfaces.Grains;
using static CertFleet.Grains.Tests.TestObjects;

namespace CertFleet.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CertificateGrainTests(ClusterFixture fixture)
{
    private FakeCluster Cluster => fixture.Cluster;

    private async Task<string> WithSelfSignedIssuerAsync(string name = "selfsigned")
    {
        await fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", name).ToGrainKey()).SyncAsync(SelfSignedClusterIssuer(name));
        return name;
    }

    private ICertificateGrain Grain(string ns, string name) => fixture.Grains.GetGrain<ICertificateGrain>(Key(ns, name).ToGrainKey());

    private Task<Condition?> ReadyAsync(string ns, string name, string reason) =>
        Eventually(() => Task.FromResult(ConditionOf(Cluster, ns, name, ConditionTypes.Ready)), c => c?.Reason == reason, $"Ready reason {reason}");

    [Fact]
    public async Task SelfSignedCertificateIsIssuedIntoItsSecretAndMarkedReady()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        await Grain(ns, "web").SyncAsync(Certificate(ns, "web", s => s.CommonName = "web.example.test"));

        var ready = await ReadyAsync(ns, "web", CertificateReasons.Ready);
        Assert.Equal(ConditionStatus.True, ready!.Status);
        Assert.Equal("Certificate is up to date and has not expired", ready.Message);

        var secret = Cluster.Secrets[Key(ns, "web-tls")];
        Assert.Equal(SecretKeys.TlsSecretType, secret.Type);
        Assert.Equal("web", secret.Annotations[Annotations.CertificateName]);
        Assert.Equal("selfsigned", secret.Annotations[Annotations.IssuerName]);
        Assert.Equal("ClusterIssuer", secret.Annotations[Annotations.IssuerKind]);
        Assert.Equal("cert-manager.io", secret.Annotations[Annotations.IssuerGroup]);
        Assert.Equal("web.example.test", secret.Annotations[Annotations.AltNames]);
        Assert.Equal("web.example.test", secret.Annotations[Annotations.CommonName]);
        Assert.Equal("", secret.Annotations[Annotations.IpSans]);
        Assert.Equal("true", secret.Labels[Labels.ControllerFao]);
        using var leaf = X509Certificate2.CreateFromPem(secret.GetString(SecretKeys.TlsCertificate));
        Assert.Contains("web.example.test", leaf.Subject);
        Assert.Equal(secret.GetString(SecretKeys.TlsCertificate), secret.GetString(SecretKeys.CaCertificate));

        var status = StatusOf(Cluster, ns, "web")!;
        Assert.Equal(1, status.Revision);
        Assert.Null(status.NextPrivateKeySecretName);
        Assert.Equal(new DateTimeOffset(leaf.NotAfter.ToUniversalTime()), status.NotAfter);
        // renewalTime = notAfter - lifetime/3 for the default 90-day duration
        Assert.Equal(status.NotAfter!.Value - TimeSpan.FromDays(30), status.RenewalTime);
        Assert.DoesNotContain(status.Conditions!, c => c.Type == ConditionTypes.Issuing);

        var request = Cluster.Requests[Key(ns, "web-1")];
        Assert.Equal("1", request.Metadata.Annotations![Annotations.CertificateRevision]);
        Assert.Equal("web", request.Metadata.Annotations[Annotations.CertificateName]);
        var requestStatus = Cluster.Status<CertificateRequestStatus>(Interfaces.Ports.ResourceKind.CertificateRequest, Key(ns, "web-1"))!;
        Assert.Contains(requestStatus.Conditions!, c => c is { Type: ConditionTypes.Approved, Status: ConditionStatus.True, Reason: "cert-manager.io" });
        Assert.Contains(requestStatus.Conditions!, c => c is { Type: ConditionTypes.Ready, Status: ConditionStatus.True, Reason: CertificateRequestReasons.Issued });
        // the temporary next-private-key Secret is gone once the certificate is stored
        Assert.DoesNotContain(Cluster.Secrets.Keys, k => k.Namespace == ns && k.Name.StartsWith("web-", StringComparison.Ordinal) && k.Name != "web-tls");
        await Eventually(() => Task.FromResult(Cluster.Events.Where(e => e.Object.Namespace == ns).Select(e => e.Reason).ToList()),
            r => r.Contains(EventReasons.Generated) && r.Contains(EventReasons.Requested) && r.Contains(EventReasons.CertificateIssued)
                 && r.Count(x => x == EventReasons.Issuing) == 2, "issuance events");
    }

    [Fact]
    public async Task CaIssuerSignsLeavesThatVerifyAgainstTheCa()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        await Grain(ns, "root").SyncAsync(Certificate(ns, "root", s => { s.CommonName = "Test Root CA"; s.IsCA = true; s.DnsNames = null; }));
        await ReadyAsync(ns, "root", CertificateReasons.Ready);

        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "ca").ToGrainKey());
        await issuer.SyncAsync(CaIssuer(ns, "ca", "root-tls"));
        Assert.True(((await issuer.GetSnapshotAsync(null)).Readiness).Ready);
        var issuerStatus = Cluster.Status<IssuerStatus>(Interfaces.Ports.ResourceKind.Issuer, Key(ns, "ca"))!;
        Assert.Contains(issuerStatus.Conditions!, c => c is { Reason: IssuerReasons.KeyPairVerified, Message: "Signing CA verified" });

        await Grain(ns, "leaf").SyncAsync(Certificate(ns, "leaf", s => { s.IssuerName = "ca"; s.IssuerKind = "Issuer"; s.Algorithm = "RSA"; s.Size = 2048; }));
        await ReadyAsync(ns, "leaf", CertificateReasons.Ready);

        var secret = Cluster.Secrets[Key(ns, "leaf-tls")];
        using var leaf = X509Certificate2.CreateFromPem(secret.GetString(SecretKeys.TlsCertificate));
        using var root = X509Certificate2.CreateFromPem(secret.GetString(SecretKeys.CaCertificate));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = fixture.Clock.GetUtcNow().UtcDateTime.AddMinutes(1);
        Assert.True(chain.Build(leaf), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", secret.GetString(SecretKeys.TlsPrivateKey));
    }

    [Fact]
    public async Task RenewalReminderFiresAtRenewalTimeAndIssuesTheNextRevision()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        var grain = Grain(ns, "short");
        await grain.SyncAsync(Certificate(ns, "short", s => { s.Duration = "3h"; s.RenewBefore = "1h"; }));
        await ReadyAsync(ns, "short", CertificateReasons.Ready);
        var first = StatusOf(Cluster, ns, "short")!;
        Assert.Equal(first.NotAfter!.Value - TimeSpan.FromHours(1), first.RenewalTime);
        Assert.Equal(first.RenewalTime, (await grain.GetStateAsync()).WakeAt);

        // a reconcile just before renewalTime changes nothing
        fixture.Clock.SetUtcNow(first.RenewalTime!.Value - TimeSpan.FromSeconds(1));
        await grain.ReconcileAsync();
        Assert.Equal(1, StatusOf(Cluster, ns, "short")!.Revision);

        // reaching renewalTime on the reminder clock fires the reminder, which renews: nothing else is called here
        fixture.Clock.SetUtcNow(first.RenewalTime!.Value);
        var renewed = await Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "short")), s => s?.Revision == 2,
            "the renewal reminder to issue revision 2");
        Assert.True(renewed!.NotAfter > first.NotAfter);
        Assert.Equal(renewed.RenewalTime, (await grain.GetStateAsync()).WakeAt);
        Assert.Contains(Cluster.Events, e => e.Object == Key(ns, "short") && e.Reason == EventReasons.Issuing
                                             && e.Message.StartsWith("Renewing certificate as renewal was scheduled at", StringComparison.Ordinal));
        Assert.True(Cluster.Requests.ContainsKey(Key(ns, "short-2")));
        Assert.False(Cluster.Requests.ContainsKey(Key(ns, "short-1")), "revisionHistoryLimit 1 keeps only the latest request");
    }

    [Fact]
    public async Task SecondCertificateNamingTheSameSecretWaitsWithoutIssuing()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        await Grain(ns, "first").SyncAsync(Certificate(ns, "first", s => s.SecretName = "shared-tls"));
        await ReadyAsync(ns, "first", CertificateReasons.Ready);
        await Grain(ns, "second").SyncAsync(Certificate(ns, "second", s => s.SecretName = "shared-tls"));

        var blocked = await ReadyAsync(ns, "second", CertFleetReasons.SecretInUse);
        Assert.Equal(ConditionStatus.False, blocked!.Status);
        Assert.Contains("Secret \"shared-tls\" is already managed by Certificate \"first\"", blocked.Message);
        Assert.DoesNotContain(Cluster.Requests.Keys, k => k == Key(ns, "second-1"));

        // when the owner goes, the waiting Certificate takes the name over and issues
        await Grain(ns, "first").DeletedAsync($"uid-first-{ns}");
        await ReadyAsync(ns, "second", CertificateReasons.Ready);
        Assert.Equal("second", Cluster.Secrets[Key(ns, "shared-tls")].Annotations[Annotations.CertificateName]);
    }

    [Fact]
    public async Task MissingIssuerIsReportedAndIssuanceResumesWhenItAppears()
    {
        var ns = NewNamespace();
        var issuerName = $"later-{ns}";
        await Grain(ns, "waits").SyncAsync(Certificate(ns, "waits", s => s.IssuerName = issuerName));
        var notFound = await ReadyAsync(ns, "waits", CertFleetReasons.IssuerNotFound);
        Assert.Contains($"Referenced ClusterIssuer \"{issuerName}\" not found", notFound!.Message);
        Assert.Equal(ConditionStatus.True, ConditionOf(Cluster, ns, "waits", ConditionTypes.Issuing)!.Status);
        Assert.DoesNotContain(Cluster.Requests.Keys, k => k.Namespace == ns);

        await WithSelfSignedIssuerAsync(issuerName);
        await ReadyAsync(ns, "waits", CertificateReasons.Ready);
    }

    [Fact]
    public async Task CaIssuerWithoutItsSecretIsNotReadyAndCertificatesSayWhy()
    {
        var ns = NewNamespace();
        var issuer = fixture.Grains.GetGrain<IIssuerGrain>(Key(ns, "ca").ToGrainKey());
        await issuer.SyncAsync(CaIssuer(ns, "ca", "missing-ca"));
        var readiness = (await issuer.GetSnapshotAsync(null)).Readiness;
        Assert.False(readiness.Ready);
        Assert.Equal(IssuerReasons.ErrGetKeyPair, readiness.Reason);

        await Grain(ns, "leaf").SyncAsync(Certificate(ns, "leaf", s => { s.IssuerName = "ca"; s.IssuerKind = "Issuer"; }));
        var notReady = await ReadyAsync(ns, "leaf", CertFleetReasons.IssuerNotReady);
        Assert.Contains("secrets \"missing-ca\" not found", notReady!.Message);
    }

    [Theory]
    [InlineData("30m", "spec.duration")]
    [InlineData("forever", "spec.duration")]
    public async Task InvalidSpecGetsANamedConditionAndNoRequest(string duration, string field)
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        await Grain(ns, "bad").SyncAsync(Certificate(ns, "bad", s => s.Duration = duration));
        var invalid = await ReadyAsync(ns, "bad", CertFleetReasons.InvalidSpec);
        Assert.Contains(field, invalid!.Message);
        Assert.DoesNotContain(Cluster.Requests.Keys, k => k.Namespace == ns);

        // fixing the spec clears it
        await Grain(ns, "bad").SyncAsync(Certificate(ns, "bad", s => s.Duration = "2h", generation: 2));
        await ReadyAsync(ns, "bad", CertificateReasons.Ready);
    }

    [Fact]
    public async Task CommonNameOutsideTheSansIsRefusedForAnAcmeIssuer()
    {
        var ns = NewNamespace();
        var acme = $"acme-{ns}";
        await fixture.Grains.GetGrain<IIssuerGrain>(new ObjectKey(TestObjects.Cluster, "", acme).ToGrainKey()).SyncAsync(new IssuerObject
        {
            Kind = "ClusterIssuer",
            Metadata = new ObjectMeta { Name = acme, Uid = $"uid-{acme}", Generation = 1 },
            Spec = new IssuerSpec { Acme = new AcmeIssuer { Server = "https://acme.example.test/directory", PrivateKeySecretRef = new SecretKeySelector { Name = "acme-key" } } },
        });
        await Grain(ns, "mismatch").SyncAsync(Certificate(ns, "mismatch", s => { s.IssuerName = acme; s.CommonName = "other.example.test"; }));
        var invalid = await ReadyAsync(ns, "mismatch", CertFleetReasons.InvalidSpec);
        Assert.Contains("spec.commonName: \"other.example.test\" is not in spec.dnsNames", invalid!.Message);
        Assert.DoesNotContain(Cluster.Requests.Keys, k => k.Namespace == ns);
        Assert.DoesNotContain(Cluster.Secrets.Keys, k => k.Namespace == ns);
    }

    [Fact]
    public async Task AWildcardWithoutItsApexIsIssuedWithAWarning()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        await Grain(ns, "wild").SyncAsync(Certificate(ns, "wild", s => s.DnsNames = ["*.shop.example.test", "*.api.example.test", "api.example.test"]));
        var ready = await ReadyAsync(ns, "wild", CertificateReasons.Ready);
        Assert.Equal("Certificate is up to date and has not expired; note: *.shop.example.test does not cover shop.example.test; " +
                     "add shop.example.test to spec.dnsNames if clients use it", ready!.Message);
        await Eventually(() => Task.FromResult(Cluster.Events.Count(e => e.Object == Key(ns, "wild") && e.Reason == "WildcardMissesApex")),
            n => n == 1, "one wildcard coverage warning");
    }

    [Fact]
    public async Task DeletedSecretIsReissuedAsDoesNotExist()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        await Grain(ns, "gone").SyncAsync(Certificate(ns, "gone"));
        await ReadyAsync(ns, "gone", CertificateReasons.Ready);

        Cluster.Secrets.TryRemove(Key(ns, "gone-tls"), out _);
        await Grain(ns, "gone").SecretChangedAsync(null);
        await Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "gone")), s => s?.Revision == 2, "re-issue after deletion");
        Assert.Contains(Cluster.Events, e => e.Object == Key(ns, "gone") && e.Message == "Issuing certificate as Secret does not exist");
        Assert.True(Cluster.Secrets.ContainsKey(Key(ns, "gone-tls")));
    }

    [Fact]
    public async Task ChangedDnsNamesReissueAsRequestChanged()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        await Grain(ns, "names").SyncAsync(Certificate(ns, "names"));
        await ReadyAsync(ns, "names", CertificateReasons.Ready);

        await Grain(ns, "names").SyncAsync(Certificate(ns, "names", s => s.DnsNames = ["names.example.test", "more.example.test"], generation: 2));
        await Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "names")), s => s?.Revision == 2, "re-issue after spec change");
        Assert.Contains(Cluster.Events, e => e.Object == Key(ns, "names")
                                             && e.Message == "Fields on existing CertificateRequest resource not up to date: [spec.dnsNames]");
        Assert.Equal("more.example.test,names.example.test",
            string.Join(",", Cluster.Secrets[Key(ns, "names-tls")].Annotations[Annotations.AltNames].Split(',').Order()));
    }

    [Fact]
    public async Task IssuingSetToManuallyTriggeredByOthersIssuesTheNextRevision()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        var certificate = Certificate(ns, "manual");
        await Grain(ns, "manual").SyncAsync(certificate);
        await ReadyAsync(ns, "manual", CertificateReasons.Ready);
        var issued = StatusOf(Cluster, ns, "manual")!;
        var firstPem = Cluster.Secrets[Key(ns, "manual-tls")].GetString(SecretKeys.TlsCertificate);

        // what `certfleet-silo renew` (or cmctl renew) writes, delivered by the bridge as a status-only change
        var renew = new Condition
        {
            Type = ConditionTypes.Issuing, Status = ConditionStatus.True, Reason = CertificateReasons.ManuallyTriggered,
            Message = "Certificate re-issuance manually triggered", ObservedGeneration = 1,
        };
        await Grain(ns, "manual").SyncAsync(certificate with { Status = issued with { Conditions = [.. issued.Conditions!, renew] } });

        var renewed = await Eventually(() => Task.FromResult(StatusOf(Cluster, ns, "manual")),
            s => s?.Revision == 2 && s.Conditions!.All(c => c.Type != ConditionTypes.Issuing), "revision 2 after the manual trigger");
        Assert.Contains(renewed!.Conditions!, c => c is { Type: ConditionTypes.Ready, Status: ConditionStatus.True });
        Assert.NotEqual(firstPem, Cluster.Secrets[Key(ns, "manual-tls")].GetString(SecretKeys.TlsCertificate));
        Assert.True(Cluster.Requests.ContainsKey(Key(ns, "manual-2")));
        Assert.Contains(Cluster.Events, e => e.Object == Key(ns, "manual") && e.Reason == EventReasons.Issuing
                                             && e.Message == "Certificate re-issuance manually triggered");

        // the watch echo of the status written after issuing does not trigger again
        await Grain(ns, "manual").SyncAsync(certificate with { Status = renewed });
        await Grain(ns, "manual").ReconcileAsync();
        Assert.Equal(2, StatusOf(Cluster, ns, "manual")!.Revision);
    }

    [Fact]
    public async Task UnchangedSyncDoesNotWriteAgain()
    {
        var ns = NewNamespace();
        await WithSelfSignedIssuerAsync();
        var certificate = Certificate(ns, "steady");
        await Grain(ns, "steady").SyncAsync(certificate);
        await ReadyAsync(ns, "steady", CertificateReasons.Ready);
        var requests = Cluster.Requests.Count;
        var secretVersion = Cluster.Secrets[Key(ns, "steady-tls")].ResourceVersion;

        // the bridge re-delivers the object with the status we wrote (the watch echo)
        await Grain(ns, "steady").SyncAsync(certificate with { Status = StatusOf(Cluster, ns, "steady") });
        await Grain(ns, "steady").ReconcileAsync();
        Assert.Equal(requests, Cluster.Requests.Count);
        Assert.Equal(secretVersion, Cluster.Secrets[Key(ns, "steady-tls")].ResourceVersion);
        Assert.Equal(1, StatusOf(Cluster, ns, "steady")!.Revision);
    }
}
