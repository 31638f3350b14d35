using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using CertFleet.TestSupport;

namespace CertFleet.EndToEnd.Tests;

/// <summary>
/// A full run with every kind of secret CertFleet handles (a CA's private key, issued private keys, keystore passwords
/// inline and from a Secret, ACME account keys, an EAB HMAC key, a Cloudflare API token, a wrong one that the provider
/// refuses, a TSIG secret whose update the nameserver refuses, the Redis password), then a search of everything the silo wrote outside Kubernetes Secrets: every Redis key
/// and value, the silo's log, the Events and /metrics. None may hold any of those values, raw, base64 or as PEM body.
/// </summary>
[Collection(SecretsCollection.Name)]
public sealed class SecretHygieneTests(SecretsFixture cluster) : AcmeSteps(cluster)
{
    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private string AcmeIssuer(string name, string solver) => $$"""
        apiVersion: cert-manager.io/v1
        kind: ClusterIssuer
        metadata: {name: {{name}}}
        spec:
          acme:
            server: {{cluster.Pebble.DirectoryUrl}}
            caBundle: {{Base64(cluster.Pebble.ListenerCaPem)}}
            privateKeySecretRef: {name: {{name}}-account-key}
            externalAccountBinding:
              keyID: {{SecretsFixture.EabKeyId}}
              keySecretRef: {name: {{name}}-eab, key: secret}
            solvers:
              - {{solver}}
        """;

    private async Task<string> SecretFieldAsync(string ns, string secret, string key) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(
            await cluster.MustAsync("-n", ns, "get", "secret", secret, "-o", $"jsonpath={{.data.{key.Replace(".", "\\.", StringComparison.Ordinal)}}}")));

    [Fact]
    public async Task NoSecretValue_ReachesRedisTheSiloLogEventsOrMetrics()
    {
        var secrets = new Dictionary<string, string>
        {
            ["Redis password"] = cluster.RedisPassword,
            ["EAB HMAC key"] = cluster.EabHmacKey,
            ["Cloudflare API token"] = cluster.CloudflareToken,
        };
        var ns = await cluster.NamespaceAsync();
        var zone = $"{ns}.example.net";
        cluster.Cloudflare.AddZone(zone);

        // A CA issuer whose key is made here, and a Certificate with both keystores: PKCS#12 inline, JKS from a Secret.
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=CertFleet secrets test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1));
        secrets["CA private key"] = caKey.ExportRSAPrivateKeyPem();
        var (inline, referenced) = (SecretsFixture.RandomText(), SecretsFixture.RandomText());
        secrets["inline PKCS#12 password"] = inline;
        secrets["JKS password from a Secret"] = referenced;
        await cluster.MustApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: ca-keypair, namespace: {{ns}}}
            type: kubernetes.io/tls
            data:
              tls.crt: {{Base64(ca.ExportCertificatePem())}}
              tls.key: {{Base64(secrets["CA private key"])}}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: jks-password, namespace: {{ns}}}
            stringData: {password: {{referenced}}}
            ---
            apiVersion: cert-manager.io/v1
            kind: Issuer
            metadata: {name: ca, namespace: {{ns}}}
            spec:
              ca: {secretName: ca-keypair}
            """);
        var storeCertificate = (string password) => $$"""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: store, namespace: {{ns}}}
            spec:
              secretName: store-tls
              dnsNames: [store.{{ns}}.example]
              issuerRef: {name: ca, kind: Issuer}
              keystores:
                pkcs12:
                  create: true
                  profile: Modern2023
                  password: {{password}}
                jks:
                  create: true
                  passwordSecretRef: {name: jks-password, key: password}
            """;
        await cluster.MustApplyAsync(storeCertificate(inline));

        // ACME with EAB: HTTP-01, DNS-01 through Cloudflare, and DNS-01 with a token Cloudflare refuses.
        var wrongToken = SecretsFixture.RandomText();
        secrets["refused Cloudflare token"] = wrongToken;
        var (http, dns, refused) = ($"http-{ns}", $"dns-{ns}", $"refused-{ns}");
        foreach (var issuer in new[] { http, dns, refused })
            await cluster.MustApplyAsync($$"""
                apiVersion: v1
                kind: Secret
                metadata: {name: {{issuer}}-eab, namespace: cert-manager}
                stringData: {secret: {{cluster.EabHmacKey}}}
                """);
        await cluster.MustApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: cloudflare-token, namespace: cert-manager}
            stringData: {api-token: {{cluster.CloudflareToken}}}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: refused-token, namespace: cert-manager}
            stringData: {api-token: {{wrongToken}}}
            """);
        await cluster.MustApplyAsync(AcmeIssuer(http, "http01: {ingress: {class: nginx}}"));
        await cluster.MustApplyAsync(AcmeIssuer(dns, "dns01: {cloudflare: {apiTokenSecretRef: {name: cloudflare-token, key: api-token}}}"));
        await cluster.MustApplyAsync(AcmeIssuer(refused, "dns01: {cloudflare: {apiTokenSecretRef: {name: refused-token, key: api-token}}}"));
        foreach (var issuer in new[] { http, dns, refused })
            await WaitAsync("clusterissuer", "", issuer, "{.status.conditions[?(@.type==\"Ready\")].reason}", "ACMEAccountRegistered");
        await CertificateAsync(ns, "http", http, $"http.{ns}.example");
        await CertificateAsync(ns, "dns", dns, $"dns.{zone}");
        await CertificateAsync(ns, "refused", refused, $"refused.{zone}");

        // RFC 2136: BIND accepts the update signed with the TSIG secret (Pebble, asking challtestsrv, never sees it).
        var tsigSecret = Convert.ToBase64String(cluster.Bind.Sha256Secret);
        secrets["TSIG secret"] = tsigSecret;
        var tsig = $"tsig-{ns}";
        await cluster.MustApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata: {name: {{tsig}}-eab, namespace: cert-manager}
            stringData: {secret: {{cluster.EabHmacKey}}}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: tsig-secret, namespace: cert-manager}
            stringData: {secret: {{tsigSecret}}}
            """);
        await cluster.MustApplyAsync(AcmeIssuer(tsig, $"dns01: {{rfc2136: {{nameserver: \"{cluster.Bind.Nameserver}\", tsigKeyName: {Rfc2136BindServer.Sha256KeyName}, "
            + "tsigAlgorithm: HMACSHA256, tsigSecretSecretRef: {name: tsig-secret, key: secret}}}"));
        await WaitAsync("clusterissuer", "", tsig, "{.status.conditions[?(@.type==\"Ready\")].reason}", "ACMEAccountRegistered");
        var tsigName = $"tsig.{ns}.{Rfc2136BindServer.Sha256Zone}";
        await CertificateAsync(ns, "tsig", tsig, tsigName);

        foreach (var name in new[] { "store", "http", "dns" })
            await WaitAsync("certificate", ns, name, "{.status.conditions[?(@.type==\"Ready\")].status}", "True");
        await Processes.Eventually(() => cluster.MustAsync("-n", ns, "get", "challenges", "-o", "jsonpath={.items[*].status.reason}"),
            reasons => reasons.Contains("Error presenting challenge", StringComparison.Ordinal), "the refused token's challenge error");
        await Processes.Eventually(() => cluster.Bind.TxtValuesAsync($"_acme-challenge.{tsigName}"), values => values.Count == 1,
            "the TSIG-signed update in BIND");

        // A new inline password: the keystores are written again, under it.
        var changed = SecretsFixture.RandomText();
        secrets["changed inline PKCS#12 password"] = changed;
        var keystoreBefore = await SecretFieldAsync(ns, "store-tls", "keystore.p12");
        await cluster.MustApplyAsync(storeCertificate(changed));
        await Processes.Eventually(() => SecretFieldAsync(ns, "store-tls", "keystore.p12"), now => now != keystoreBefore, "the keystore under the new password");

        foreach (var name in new[] { "store", "http", "dns" })
            secrets[$"private key of {name}-tls"] = await SecretFieldAsync(ns, $"{name}-tls", "tls.key");
        foreach (var issuer in new[] { http, dns, refused, tsig })
            secrets[$"account key of {issuer}"] = await SecretFieldAsync("cert-manager", $"{issuer}-account-key", "tls.key");

        var redis = string.Join('\n', await RedisKeys.DumpAsync(cluster.Redis));
        var log = await File.ReadAllTextAsync(cluster.SiloLog);
        var events = await cluster.MustAsync("get", "events", "-A", "-o", "json");
        var metrics = await (await cluster.GetAsync($"http://127.0.0.1:{cluster.MetricsPort}/metrics")).Content.ReadAsStringAsync();
        // The places searched hold what they should: the Certificate's state, the run's log lines, its Events, its series.
        Assert.Contains("KeystoresWrittenWith\":\"pbkdf2-sha256:", redis, StringComparison.Ordinal);
        Assert.Contains($"{ns}/store", redis, StringComparison.Ordinal);
        Assert.Contains($"Challenge {ns}/", log, StringComparison.Ordinal);
        Assert.Contains("Error presenting challenge", log, StringComparison.Ordinal);
        Assert.Contains("KeystoresUpdated", events, StringComparison.Ordinal);
        Assert.Contains($"name=\"store\",namespace=\"{ns}\"", metrics, StringComparison.Ordinal);

        var places = new Dictionary<string, string> { ["Redis"] = redis, ["silo log"] = log, ["Events"] = events, ["/metrics"] = metrics };
        var searched = places.ToDictionary(p => p.Key, p => Unescaped(p.Value));
        var leaks = (from secret in secrets
                     from form in Forms(secret.Value)
                     from place in searched
                     where place.Value.Contains(form.Value, StringComparison.Ordinal)
                     select $"{secret.Key} ({form.Key}) in {place.Key}").ToList();
        Assert.True(leaks.Count == 0, $"secret values found:\n{string.Join('\n', leaks)}\n(silo log: {cluster.SiloLog})");
        Console.WriteLine($"searched {secrets.Count} secret values in {places.Sum(p => p.Value.Length):N0} characters: " +
                          string.Join(", ", places.Select(p => $"{p.Key} {p.Value.Length:N0}")));
    }

    /// <summary>How a value may show up: as is, base64 (as in Secret data), and for PEM each body line and the whole body.</summary>
    private static Dictionary<string, string> Forms(string value)
    {
        var forms = new Dictionary<string, string> { ["raw"] = value, ["base64"] = Base64(value) };
        var body = Regex.Matches(value, "^[A-Za-z0-9+/=]{32,}$", RegexOptions.Multiline).Select(m => m.Value).ToList();
        for (var i = 0; i < body.Count; i++)
            forms[$"PEM body line {i + 1}"] = body[i];
        if (body.Count > 0)
        {
            forms["PEM body joined"] = string.Concat(body);
            forms["DER base64url"] = string.Concat(body).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }
        return forms;
    }

    /// <summary>JSON escapes undone (System.Text.Json writes '+' as \u002B), so an escaped value is still found.</summary>
    private static string Unescaped(string text) =>
        Regex.Replace(text.Replace("\\/", "/", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal),
            @"\\u([0-9a-fA-F]{4})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
}
