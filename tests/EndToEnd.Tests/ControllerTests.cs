using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertFleet.Providers.Pki;

namespace CertFleet.EndToEnd.Tests;

/// <summary>CertFleet as a user meets it: kubectl apply, kubectl get/describe, Secrets that verify.</summary>
[Collection(ControllerCollection.Name)]
public sealed class ControllerTests(ControllerFixture cluster)
{
    private Task<string> Field(string kind, string ns, string name, string jsonPath) =>
        cluster.MustAsync("-n", ns, "get", kind, name, "-o", $"jsonpath={jsonPath}");

    private Task<string> Ready(string ns, string name) =>
        Field("certificate", ns, name, "{.status.conditions[?(@.type==\"Ready\")].reason}");

    private async Task WaitReadyAsync(string ns, string name, string reason = "Ready", int seconds = 60) =>
        await Processes.Eventually(async () => (await cluster.KubectlAsync("-n", ns, "get", "certificate", name, "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}")).Output,
            r => r == reason, $"Certificate {ns}/{name} Ready reason {reason} (silo log: {cluster.SiloLog})", seconds);

    private async Task<string> SecretValue(string ns, string secret, string key)
    {
        var encoded = await cluster.MustAsync("-n", ns, "get", "secret", secret, "-o", $"jsonpath={{.data.{key.Replace(".", "\\.")}}}");
        return Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
    }

    private async Task<(string Ns, string Issuer)> CaInNamespaceAsync()
    {
        var ns = await cluster.NamespaceAsync();
        var selfSigned = $"selfsigned-{ns}";
        await cluster.ApplyAsync(Manifests.SelfSignedClusterIssuer(selfSigned));
        await cluster.ApplyAsync(Manifests.CaCertificate(ns, "root", selfSigned));
        await WaitReadyAsync(ns, "root");
        await cluster.ApplyAsync(Manifests.CaIssuer(ns, "ca", "root-tls"));
        await Processes.Eventually(() => Field("issuer", ns, "ca", "{.status.conditions[0].reason}"), r => r == "KeyPairVerified", "CA issuer ready");
        return (ns, "ca");
    }

    [Fact]
    public async Task CaBootstrappedFromSelfSignedIssuesLeavesOfEveryKeyTypeThatVerify()
    {
        var (ns, ca) = await CaInNamespaceAsync();
        await cluster.ApplyAsync(Manifests.Certificate(ns, "rsa", ca, "privateKey: {algorithm: RSA, size: 2048}"));
        await cluster.ApplyAsync(Manifests.Certificate(ns, "ecdsa", ca, "privateKey: {algorithm: ECDSA, size: 384, encoding: PKCS8}"));
        await cluster.ApplyAsync(Manifests.Certificate(ns, "ed25519", ca, "privateKey: {algorithm: Ed25519}"));
        foreach (var name in new[] { "rsa", "ecdsa", "ed25519" })
            await WaitReadyAsync(ns, name);

        var caPem = await SecretValue(ns, "root-tls", "tls.crt");
        var dir = Directory.CreateTempSubdirectory().FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "ca.crt"), caPem);
        foreach (var (name, keyHeader) in new[] { ("rsa", "RSA PRIVATE KEY"), ("ecdsa", "PRIVATE KEY"), ("ed25519", "PRIVATE KEY") })
        {
            var leaf = Path.Combine(dir, $"{name}.crt");
            await File.WriteAllTextAsync(leaf, await SecretValue(ns, $"{name}-tls", "tls.crt"));
            var verify = await Processes.RunAsync("openssl", ["verify", "-CAfile", Path.Combine(dir, "ca.crt"), leaf], new Dictionary<string, string>());
            Assert.True(verify.ExitCode == 0, $"openssl verify {name}: {verify.Output}{verify.Error}");
            Assert.StartsWith($"-----BEGIN {keyHeader}-----", await SecretValue(ns, $"{name}-tls", "tls.key"));
            Assert.Equal(caPem, await SecretValue(ns, $"{name}-tls", "ca.crt"));
            Assert.Equal("kubernetes.io/tls", await Field("secret", ns, $"{name}-tls", "{.type}"));
            Assert.Equal(name, await Field("secret", ns, $"{name}-tls", "{.metadata.annotations.cert-manager\\.io/certificate-name}"));
        }

        var table = await cluster.MustAsync("-n", ns, "get", "certificates");
        Assert.Matches(@"^NAME\s+READY\s+SECRET\s+AGE\n", table);
        Assert.Matches(@"\nrsa\s+True\s+rsa-tls\s+\d+s", table);
        var wide = await cluster.MustAsync("-n", ns, "get", "certificates", "-o", "wide");
        Assert.Matches(@"^NAME\s+READY\s+SECRET\s+ISSUER\s+STATUS\s+EXPIRATION\s+AGE\n", wide);
        Assert.Contains("Certificate is up to date and has not expired", wide);
        // EXPIRATION is a string column as in cert-manager: the time itself, not the "<invalid>" a date column gives a future time
        Assert.Matches(@"\nrsa\s+True\s+rsa-tls\s+\S+\s+Certificate is up to date and has not expired\s+\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\s+\d+s", wide);
        Assert.DoesNotContain("<invalid>", wide);

        var requests = await cluster.MustAsync("-n", ns, "get", "certificaterequests");
        Assert.Matches(@"\nrsa-1\s+True\s+True\s+ca\s", requests);
        var describe = await cluster.MustAsync("-n", ns, "describe", "certificate", "rsa");
        foreach (var expected in new[] { "Events:", "Issuing", "Generated", "Requested", "The certificate has been successfully issued" })
            Assert.Contains(expected, describe);
        Assert.Equal("1", await Field("certificate", ns, "rsa", "{.status.revision}"));
    }

    [Fact]
    public async Task EveryTriggerPolicyReissuesWithItsReason()
    {
        var (ns, ca) = await CaInNamespaceAsync();
        await cluster.ApplyAsync(Manifests.Certificate(ns, "app", ca));
        await WaitReadyAsync(ns, "app");

        async Task ExpectRevisionAsync(int revision, string eventMessage)
        {
            await Processes.Eventually(() => Field("certificate", ns, "app", "{.status.revision}"), r => r == revision.ToString(),
                $"revision {revision} after: {eventMessage}");
            await WaitReadyAsync(ns, "app");
            var events = await cluster.MustAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.name=app", "-o",
                "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}");
            Assert.True(events.Contains(eventMessage, StringComparison.Ordinal), $"no Event \"{eventMessage}\" among:\n{events}");
        }

        await cluster.MustAsync("-n", ns, "delete", "secret", "app-tls");
        await ExpectRevisionAsync(2, "Issuing certificate as Secret does not exist");

        await cluster.MustAsync("-n", ns, "patch", "certificate", "app", "--type=merge", "-p",
            "{\"spec\":{\"dnsNames\":[\"app.e2e.example\",\"www.e2e.example\"]}}");
        await ExpectRevisionAsync(3, "Fields on existing CertificateRequest resource not up to date: [spec.dnsNames]");

        using var foreign = PrivateKey.Generate(new KeySpec("RSA", 2048, "PKCS1"));
        var foreignKey = Convert.ToBase64String(Encoding.UTF8.GetBytes(foreign.ToPem("PKCS1")));
        await cluster.MustAsync("-n", ns, "patch", "secret", "app-tls", "--type=merge", "-p", $"{{\"data\":{{\"tls.key\":\"{foreignKey}\"}}}}");
        await ExpectRevisionAsync(4, "Issuing certificate as Secret contains a private key that does not match the certificate");

        await cluster.MustAsync("-n", ns, "annotate", "secret", "app-tls", "--overwrite", "cert-manager.io/issuer-name=someone-else");
        await ExpectRevisionAsync(5, "Issuing certificate as Secret was previously issued by \"Issuer.cert-manager.io/someone-else\"");

        await cluster.ApplyAsync(Manifests.CaIssuer(ns, "ca2", "root-tls"));
        await cluster.MustAsync("-n", ns, "patch", "certificate", "app", "--type=merge", "-p", "{\"spec\":{\"issuerRef\":{\"name\":\"ca2\"}}}");
        // the Secret's issuer annotations are checked before the request's fields, as in cert-manager
        await ExpectRevisionAsync(6, "Issuing certificate as Secret was previously issued by \"Issuer.cert-manager.io/ca\"");

        // revisionHistoryLimit 1: only the latest CertificateRequest remains
        var requests = (await cluster.MustAsync("-n", ns, "get", "certificaterequests", "-o", "name"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(r => r.Contains("/app-", StringComparison.Ordinal));
        Assert.Equal(["certificaterequest.cert-manager.io/app-6"], requests);
    }

    [Fact]
    public async Task BadInputGetsANamedConditionAndTheControllerKeepsServing()
    {
        var (ns, ca) = await CaInNamespaceAsync();

        await cluster.ApplyAsync(Manifests.Certificate(ns, "owner", ca, secretName: "shared-tls"));
        await WaitReadyAsync(ns, "owner");
        await cluster.ApplyAsync(Manifests.Certificate(ns, "intruder", ca, secretName: "shared-tls"));
        await WaitReadyAsync(ns, "intruder", "SecretInUse");
        Assert.Contains("already managed by Certificate \"owner\"",
            await Field("certificate", ns, "intruder", "{.status.conditions[?(@.type==\"Ready\")].message}"));

        await cluster.ApplyAsync(Manifests.Certificate(ns, "short", ca, "duration: 30m"));
        await WaitReadyAsync(ns, "short", "InvalidSpec");
        Assert.Contains("spec.duration", await Field("certificate", ns, "short", "{.status.conditions[?(@.type==\"Ready\")].message}"));

        await cluster.ApplyAsync(Manifests.Certificate(ns, "orphan", "no-such-issuer"));
        await WaitReadyAsync(ns, "orphan", "IssuerNotFound");
        // the describe ladder names the failing rung: the Certificate says which issuer is missing
        var orphan = await cluster.MustAsync("-n", ns, "describe", "certificate", "orphan");
        Assert.Contains("IssuerNotFound", orphan);
        Assert.Contains("no-such-issuer", orphan);

        await cluster.ApplyAsync(Manifests.CaIssuer(ns, "empty-ca", "missing-secret"));
        await cluster.ApplyAsync(Manifests.Certificate(ns, "waiting", "empty-ca"));
        await WaitReadyAsync(ns, "waiting", "IssuerNotReady");
        Assert.Contains("secrets \"missing-secret\" not found",
            await Field("certificate", ns, "waiting", "{.status.conditions[?(@.type==\"Ready\")].message}"));
        Assert.Equal("ErrGetKeyPair", await Field("issuer", ns, "empty-ca", "{.status.conditions[0].reason}"));
        Assert.Contains("missing-secret", await cluster.MustAsync("-n", ns, "describe", "issuer", "empty-ca"));

        // seed 01's shape: an ACME ClusterIssuer; a common name that is not among the SANs is refused before ordering
        var acme = $"acme-{ns}";
        await cluster.ApplyAsync($$"""
            apiVersion: cert-manager.io/v1
            kind: ClusterIssuer
            metadata:
              name: {{acme}}
            spec:
              acme:
                server: https://acme.invalid/directory
                privateKeySecretRef:
                  name: {{acme}}-key
                solvers:
                  - http01:
                      ingress:
                        class: nginx
            """);
        await cluster.ApplyAsync(Manifests.Certificate(ns, "cn-mismatch", acme, "commonName: elsewhere.e2e.example", issuerKind: "ClusterIssuer"));
        await WaitReadyAsync(ns, "cn-mismatch", "InvalidSpec");
        Assert.Contains("spec.commonName: \"elsewhere.e2e.example\" is not in spec.dnsNames",
            await Field("certificate", ns, "cn-mismatch", "{.status.conditions[?(@.type==\"Ready\")].message}"));

        var tooLong = await cluster.ApplyAsync(Manifests.Certificate(ns, "longcn", ca, $"commonName: {new string('a', 70)}"));
        Assert.NotEqual(0, tooLong.ExitCode);
        Assert.Contains("spec.commonName", tooLong.Error);

        // none of it stopped the controller
        await cluster.ApplyAsync(Manifests.Certificate(ns, "fine", ca));
        await WaitReadyAsync(ns, "fine");
        foreach (var blocked in new[] { "intruder", "short", "orphan", "waiting", "cn-mismatch" })
            Assert.Equal("", (await cluster.KubectlAsync("-n", ns, "get", "certificaterequest", $"{blocked}-1", "-o", "name")).Output.Trim());
    }

    [Fact]
    public async Task RenewalReminderReissuesBeforeExpiryInRealTime()
    {
        var (ns, ca) = await CaInNamespaceAsync();
        // 1h lifetime renewed 59m before expiry: due one minute after issuance
        await cluster.ApplyAsync(Manifests.Certificate(ns, "brief", ca, "duration: 1h\nrenewBefore: 59m"));
        await WaitReadyAsync(ns, "brief");
        var renewalTime = DateTimeOffset.Parse(await Field("certificate", ns, "brief", "{.status.renewalTime}"), System.Globalization.CultureInfo.InvariantCulture);
        var notAfter = DateTimeOffset.Parse(await Field("certificate", ns, "brief", "{.status.notAfter}"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(notAfter - TimeSpan.FromMinutes(59), renewalTime);

        await Processes.Eventually(() => Field("certificate", ns, "brief", "{.status.revision}"), r => r == "2", "renewal to revision 2", 150);
        var events = await cluster.MustAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.name=brief", "-o",
            "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}");
        Assert.Contains("Renewing certificate as renewal was scheduled at", events);
    }
}
